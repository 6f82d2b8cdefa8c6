"""What an evaluator with only the *Evaluation Member* group meets (issue #15, items 1-3 and the
vendor part of 11): an app of their own, a to-do when scoring starts and a reminder before the
decision, a sheet that shows every line and warns before submitting what is left unscored,
results that show who scored what, texts in the reader's language; and the whole path clicked
through in Chromium."""

import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..scoring import strongest_and_weakest
from .common import AttackMixin, VendorEvalCase


@tagged("post_install", "-at_install")
class TestEvaluatorPath(AttackMixin, HttpCase, VendorEvalCase):
    def _sheet(self, evaluation, user):
        return evaluation.assignment_ids.filtered(lambda sheet: sheet.user_id == user)

    def _todos(self, evaluation):
        scoring = self.env.ref("crm_vendor_eval.mail_activity_type_vendor_scoring")
        return (
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", "crm.vendor.eval.assignment"),
                    ("res_id", "in", evaluation.assignment_ids.ids),
                    ("activity_type_id", "=", scoring.id),
                ]
            )
            .sorted(lambda activity: activity.user_id.name)
        )

    def _menus(self, login):
        """The menus the web client loads for ``login``: {id: menu} and {xmlid: menu}."""
        self.authenticate(login, login)
        menus = json.loads(self.url_open("/web/webclient/load_menus/x").content)
        return menus, {menu.get("xmlid"): menu for menu in menus.values()}

    # ------------------------------------------------------------------ item 1

    def test_an_evaluation_member_has_an_app_of_their_own(self):
        member_only = self.env.ref("crm_vendor_eval.crm_vendor_eval_group_member")
        self.assertEqual(
            self.alice.groups_id - member_only - member_only.trans_implied_ids,
            self.env["res.groups"],
            "Alice has the Evaluation Member group and what it implies, nothing else",
        )
        menus, by_xmlid = self._menus("ve_alice")
        root = by_xmlid.get("crm_vendor_eval.crm_vendor_eval_menu_root")
        self.assertTrue(root, "the app is in the member's home menu")
        self.assertEqual(root["webIconData"][:22], "data:image/png;base64,")
        self.assertEqual(
            [menus[str(child)]["name"] for child in root["children"]], ["My Scoring", "Evaluations"]
        )
        self.assertNotIn("crm.crm_menu_root", by_xmlid)
        menus, by_xmlid = self._menus("ve_manager")
        root = by_xmlid["crm_vendor_eval.crm_vendor_eval_menu_root"]
        children = [menus[str(child)] for child in root["children"]]
        self.assertEqual(
            [child["name"] for child in children], ["My Scoring", "Evaluations", "Configuration"]
        )
        self.assertEqual(
            [menus[str(child)]["name"] for child in children[2]["children"]],
            ["Evaluation Templates"],
        )
        # A salesperson who is on evaluation teams also finds them in CRM.
        self.alice.groups_id = [Command.link(self.env.ref("sales_team.group_sale_salesman").id)]
        _menus, by_xmlid = self._menus("ve_alice")
        self.assertIn("crm_vendor_eval.crm_vendor_evaluation_menu_crm", by_xmlid)

    def test_start_scoring_gives_each_member_a_todo_on_their_sheet(self):
        deadline = fields.Date.today() + timedelta(days=20)
        evaluation = self._evaluation(date_deadline=deadline)
        alice_todo, bob_todo = self._todos(evaluation)
        self.assertEqual(
            (alice_todo.user_id, alice_todo.res_id, alice_todo.date_deadline),
            (self.alice, self._sheet(evaluation, self.alice).id, deadline - timedelta(days=3)),
        )
        self.assertEqual(alice_todo.summary, "Score the vendors of CRM selection")
        self.assertEqual(bob_todo.user_id, self.bob)
        # Alice sees it in her activity menu, and it opens her sheet.
        self.authenticate("ve_alice", "ve_alice")
        store = self.make_jsonrpc_request("/mail/data", {"systray_get_activities": True})
        groups = store["Store"]["activityGroups"]
        sheet_group = [g for g in groups if g["model"] == "crm.vendor.eval.assignment"]
        self.assertEqual(sheet_group[0]["planned_count"], 1)
        # Submitting closes the to-do; so does the decision for those who did not submit.
        self._fill_hand_example(evaluation)
        self._sheet(evaluation, self.alice).with_user(self.alice).action_submit()
        self.assertEqual(self._todos(evaluation).user_id, self.bob)
        evaluation.write({"decision_vendor_id": self.v1.id, "decision_reason": "Enough"})
        evaluation.with_user(self.manager).action_decide()
        self.assertFalse(self._todos(evaluation))
        # A member added later gets theirs at once.
        reopened = self._evaluation(name="Second round")
        carol = self.env["res.users"].create(
            {
                "name": "Carol",
                "login": "ve_carol3",
                "groups_id": [
                    Command.set(self.env.ref("crm_vendor_eval.crm_vendor_eval_group_member").ids)
                ],
            }
        )
        reopened.with_user(self.manager).member_ids = [Command.link(carol.id)]
        self.assertIn(carol, self._todos(reopened).user_id)

    def test_the_daily_reminder_follows_the_decision_date(self):
        cron = self.env.ref("crm_vendor_eval.ir_cron_scoring_reminder")
        # Today as the job sees it: in the time zone of the user it runs as.
        today = fields.Date.context_today(
            self.env["crm.vendor.eval.assignment"].with_user(cron.user_id)
        )
        evaluation = self._evaluation(date_deadline=today + timedelta(days=30))
        self.assertTrue(cron.active)
        # Alice closes her to-do without submitting; Bob submits.
        self._todos(evaluation).filtered(lambda a: a.user_id == self.alice).unlink()
        self._sheet(evaluation, self.bob).with_user(self.bob).action_submit()
        cron.method_direct_trigger()
        self.assertFalse(self._todos(evaluation), "the decision is a month away: no reminder yet")
        # The decision is brought forward to the day after tomorrow: Alice is reminded today.
        evaluation.date_deadline = today + timedelta(days=2)
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        reminder = self._todos(evaluation)
        self.assertEqual(
            (reminder.user_id, reminder.date_deadline, reminder.summary),
            (self.alice, today, "Reminder: submit your scores for CRM selection"),
        )
        # The reminder days are a system parameter; an open to-do follows the decision date.
        self.env["ir.config_parameter"].set_param("crm_vendor_eval.reminder_days", "1")
        evaluation.date_deadline = today + timedelta(days=10)
        cron.method_direct_trigger()
        self.assertEqual(reminder.date_deadline, today + timedelta(days=9))

    # ------------------------------------------------------------------ item 2

    def test_submit_names_what_is_left_unscored(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        sheet = self._sheet(evaluation, self.alice)
        reply = self.rpc("ve_alice", sheet._name, "action_confirm_submit", sheet.ids)
        action = reply["result"]
        self.assertEqual((action["res_model"], action["target"]), ("crm.vendor.eval.submit", "new"))
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.submit",
            "web_save",
            [],
            {},
            specification={"unscored_count": {}, "line_count": {}},
            context=action["context"],
        )
        wizard = reply["result"][0]
        self.assertEqual((wizard["unscored_count"], wizard["line_count"]), (1, 6))
        self.assertEqual(sheet.state, "open", "nothing submitted before the confirmation")
        # Bob cannot use a confirmation to submit Alice's sheet.
        reply = self.rpc(
            "ve_bob", "crm.vendor.eval.submit", "create", [{"assignment_id": sheet.id}]
        )
        if "result" in reply:
            reply = self.rpc("ve_bob", "crm.vendor.eval.submit", "action_submit", reply["result"])
        self.assertRefused(reply, "AccessError", "Only the evaluator can submit their scores.")
        self.assertEqual(sheet.state, "open")
        reply = self.rpc("ve_alice", "crm.vendor.eval.submit", "action_submit", [wizard["id"]])
        self.assertNotIn("error", reply)
        self.assertEqual(sheet.state, "submitted")

    def test_results_show_what_each_evaluator_scored(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        pacific = evaluation.result_ids.filtered(lambda r: r.vendor_id == self.v2)
        # Both vendors look fully covered by the team ...
        self.assertEqual(pacific.missing_count, 1)
        nimbus = evaluation.result_ids - pacific
        self.assertEqual((nimbus.coverage, nimbus.missing_count), (100.0, 0))
        # ... but Bob scored one criterion of three for Pacific.
        self.assertEqual(
            pacific.evaluator_coverage, {str(self.alice.id): 66.7, str(self.bob.id): 33.3}
        )
        self.assertEqual(pacific.lowest_evaluator_coverage, 33.3)
        html = str(evaluation.comparison_html)
        self.assertIn("Criteria scored by each evaluator (%)", html)
        self.assertRegex(html, r"Bob</td>\s*<td[^>]*>\s*33\s*</td>")

    # ------------------------------------------------------------------ item 3

    def test_the_sheet_is_named_after_evaluation_and_evaluator(self):
        evaluation = self._evaluation()
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "web_read",
            self._sheet(evaluation, self.alice).ids,
            specification={"display_name": {}, "is_mine": {}},
        )
        self.assertEqual(
            reply["result"],
            [
                {
                    "id": self._sheet(evaluation, self.alice).id,
                    "display_name": "CRM selection — Alice",
                    "is_mine": True,
                }
            ],
        )
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "web_read",
            self._sheet(evaluation, self.bob).ids,
            specification={"is_mine": {}},
        )
        self.assertFalse(reply["result"][0]["is_mine"])

    def test_strongest_and_weakest_never_the_same_category(self):
        self.assertEqual(strongest_and_weakest({1: 50.0, 2: 50.0, 3: 20.0}), (1, 3))
        self.assertEqual(strongest_and_weakest({1: 20.0, 2: 50.0, 3: 20.0}), (2, 1))
        self.assertEqual(strongest_and_weakest({1: 80.0, 2: 80.0}), (False, False))
        # Alice gives every criterion the same score: no category stands out.
        evaluation = self._evaluation()
        for line in self._sheet(evaluation, self.alice).score_ids:
            line.with_user(self.alice).score = "4" if line.vendor_id == self.v1 else "3"
        self._sheet(evaluation, self.alice).with_user(self.alice).action_submit()
        for result in evaluation.result_ids:
            self.assertFalse(result.strongest_category_id, result.vendor_id.name)
            self.assertFalse(result.weakest_category_id, result.vendor_id.name)
        html = str(evaluation.comparison_html)
        self.assertNotIn("o_strongest", html)
        self.assertNotIn("o_weakest", html)

    # ------------------------------------------------------------------ item 11

    def test_generated_texts_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"].search(
            [("name", "=", "crm_vendor_eval")]
        )._update_translations(["zh_CN"])
        self.alice.lang = "zh_CN"
        self.env.company.partner_id.lang = "zh_CN"
        self.manager.lang = "en_US"
        evaluation = self._evaluation(date_deadline=fields.Date.today() + timedelta(days=9))
        alice_todo, bob_todo = self._todos(evaluation)
        self.assertEqual(alice_todo.summary, "为 CRM selection 的供应商评分")
        self.assertEqual(bob_todo.summary, "Score the vendors of CRM selection")
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        evaluation.write({"decision_vendor_id": self.v2.id, "decision_reason": "Best"})
        evaluation.with_user(self.manager).action_decide()
        note = evaluation.message_ids.filtered(lambda m: "Pacific Integrators" in (m.body or ""))
        self.assertIn("决策：Pacific Integrators。", note.body)  # noqa: RUF001
        self.assertIn("决策所依据的排名见“结果”标签页", note.body)
        evaluation.with_user(self.manager).action_reopen()
        self.assertIn(
            "<p>Mia Manager 重新打开了对 Pacific Integrators 的决策。</p>",
            [str(body) for body in evaluation.message_ids[:5].mapped("body")],
        )

    # ------------------------------------------------------------------ the path, clicked

    def test_evaluator_path_in_the_browser(self):
        """Alice (only *Evaluation Member*) opens the app, finds her sheet among the team's,
        scores one of 54 lines (all on one page), is warned that 53 are left, submits, and
        reads the results with readable headers."""
        template = self.env.ref("crm_vendor_eval.template_crm_system")
        evaluation = self._evaluation(name="Tour Selection", template_id=template.id)
        self.assertEqual(len(self._sheet(evaluation, self.alice).score_ids), 54)
        self.start_tour("/odoo", "crm_vendor_eval_evaluator_tour", login="ve_alice")
        sheet = self._sheet(evaluation, self.alice)
        self.assertEqual(sheet.state, "submitted")
        self.assertEqual(sheet.scored_count, 1)
        first = sheet.score_ids[0]
        self.assertEqual(
            (first.criterion_id.name, first.vendor_id, first.score, first.comment),
            ("Staff count", self.v1, "4", "Strong pipeline management"),
        )
        self.assertEqual(self._sheet(evaluation, self.bob).state, "open")
