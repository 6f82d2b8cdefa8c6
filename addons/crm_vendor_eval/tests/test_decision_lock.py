"""A decision stays decided, and submitted work stays, against a manager with a JSON-RPC client
(issue #11, items 3 and 4): over real HTTP, exact refusals, nothing changed."""

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import AttackMixin, VendorEvalCase

FROZEN = "“CRM selection” is decided: reopen it to change %s."


@tagged("post_install", "-at_install")
class TestDecisionLock(AttackMixin, HttpCase, VendorEvalCase):
    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation(horizon_years=4)
        self.offer = self.env["crm.vendor.eval.offer"].create(
            {"evaluation_id": self.evaluation.id, "vendor_id": self.v1.id, "licence_cost": 1000}
        )
        self._fill_hand_example(self.evaluation)
        self._submit_all(self.evaluation)
        self.evaluation.write({"decision_vendor_id": self.v2.id, "decision_reason": "Best fit"})
        self.evaluation.with_user(self.manager).action_decide()
        self.v3 = self.env["res.partner"].create({"name": "Late Vendor", "is_company": True})

    def _everything(self):
        evaluation = self.evaluation
        return (
            self.snapshot(evaluation),
            sorted(evaluation.vendor_ids.ids),
            sorted(evaluation.member_ids.ids),
            self.snapshot(evaluation.offer_ids),
            self.snapshot(evaluation.result_ids),
            self.snapshot(evaluation.assignment_ids),
            self.snapshot(
                self.env["crm.vendor.eval.score"].search([("evaluation_id", "=", evaluation.id)])
            ),
            self.snapshot(self.template.category_ids.criterion_ids),
            self.snapshot(self.template.category_ids),
        )

    # ------------------------------------------------------------------ item 3

    def test_a_decided_evaluation_is_frozen(self):
        before = self._everything()
        for field, value, label in (
            ("decision_vendor_id", self.v1.id, "Chosen Vendor"),
            ("decision_reason", "Changed my mind", "Reason for the Decision"),
            ("horizon_years", 10, "Cost Horizon (years)"),
            ("vendor_ids", [Command.link(self.v3.id)], "Vendors"),
            ("member_ids", [Command.unlink(self.bob.id)], "Evaluation Team"),
            ("template_id", self.env.ref("crm_vendor_eval.template_crm_system").id, "Template"),
            ("offer_ids", [Command.update(self.offer.id, {"licence_cost": 1})], "Costs"),
        ):
            reply = self.rpc(
                "ve_manager",
                "crm.vendor.evaluation",
                "write",
                self.evaluation.ids,
                {field: value},
            )
            self.assertRefused(reply, "UserError", FROZEN % label)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"state": "scoring"},
        )
        self.assertRefused(
            reply,
            "AccessError",
            "These fields are set by the server and cannot be changed: Status.",
        )
        # The cost lines themselves.
        costs = "“CRM selection” is decided: reopen it to change its costs."
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.offer", "write", self.offer.ids, {"licence_cost": 1}
        )
        self.assertRefused(reply, "UserError", costs)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            [{"evaluation_id": self.evaluation.id, "vendor_id": self.v2.id}],
        )
        self.assertRefused(reply, "UserError", costs)
        reply = self.rpc("ve_manager", "crm.vendor.eval.offer", "unlink", self.offer.ids)
        self.assertRefused(reply, "UserError", costs)
        # Scores, results, the whole evaluation.
        line = self.env["crm.vendor.eval.score"].search(
            [("evaluation_id", "=", self.evaluation.id), ("evaluator_id", "=", self.manager.id)]
        )
        self.assertFalse(line, "the manager is not on the team")
        reply = self.rpc("ve_manager", "crm.vendor.evaluation", "unlink", self.evaluation.ids)
        self.assertRefused(
            reply, "UserError", "Only a draft or cancelled evaluation can be deleted."
        )
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "action_cancel", self.evaluation.ids
        )
        self.assertRefused(
            reply, "UserError", "“CRM selection” is decided: reopen it before cancelling it."
        )
        self.assertEqual(self._everything(), before)
        # What the decision does not stand on still changes.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"description": "<p>Signed on 3 March</p>"},
        )
        self.assertEqual(reply, {"result": True})

    def test_criteria_in_use_are_archived_not_deleted(self):
        before = self._everything()
        for model, record, name in (
            ("crm.vendor.eval.criterion", self.a1, "a1"),
            ("crm.vendor.eval.category", self.cat_a, "A"),
            ("crm.vendor.eval.template", self.template, "Small template"),
        ):
            reply = self.rpc("ve_manager", model, "unlink", record.ids)
            self.assertRefused(
                reply,
                "UserError",
                f"“{name}” is used by vendor evaluations: archive it instead of deleting it.",
            )
        # Its weight is what the decision was computed with.
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.criterion", "write", self.a1.ids, {"weight": 3}
        )
        self.assertRefused(
            reply,
            "UserError",
            "“a1” is scored in evaluations that have started: its weight cannot change. "
            "Duplicate the template to change the weights.",
        )
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.template",
            "write",
            self.template.ids,
            {
                "category_ids": [
                    Command.update(self.cat_a.id, {"weight": 50}),
                    Command.update(self.cat_b.id, {"weight": 50}),
                ],
            },
        )
        self.assertRefused(
            reply,
            "UserError",
            "“A” is scored in evaluations that have started: its weight cannot change. "
            "Duplicate the template to change the weights.",
        )
        self.assertEqual(self._everything(), before)
        # Archived, the criterion is left out of evaluations that start later; the decided
        # one keeps it in its comparison.
        reply = self.rpc("ve_manager", "crm.vendor.eval.criterion", "action_archive", self.a2.ids)
        self.assertNotIn("error", reply)
        later = self._evaluation(name="Later")
        self.assertNotIn(self.a2, later.sudo().score_ids.criterion_id)
        rows = dict(self.evaluation._comparison_rows())[self.cat_a]
        self.assertIn(self.a2, [criterion for criterion, _averages in rows])

    def test_a_manager_reopens_explicitly_and_it_is_logged(self):
        before = self._everything()
        reply = self.rpc("ve_alice", "crm.vendor.evaluation", "action_reopen", self.evaluation.ids)
        self.assertRefused(reply, "AccessError", "Only Evaluation Managers may do this.")
        self.assertEqual(self._everything(), before)
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "action_reopen", self.evaluation.ids
        )
        self.assertNotIn("error", reply)
        self.assertEqual(self.evaluation.state, "scoring")
        note = self.evaluation.message_ids.filtered(
            lambda message: "reopened the decision" in (message.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Mia Manager reopened the decision on Pacific Integrators.", note.body)
        self.assertEqual(note.author_id, self.manager.partner_id)
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "action_reopen", self.evaluation.ids
        )
        self.assertRefused(reply, "UserError", "Only a decided evaluation can be reopened.")
        # Reopened, it changes again.
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.offer", "write", self.offer.ids, {"licence_cost": 2000}
        )
        self.assertEqual(reply, {"result": True})

    # ------------------------------------------------------------------ item 4

    def test_submitted_work_survives_membership_changes(self):
        self.rpc("ve_manager", "crm.vendor.evaluation", "action_reopen", self.evaluation.ids)
        bob_sheet = self.evaluation.assignment_ids.filtered(lambda s: s.user_id == self.bob)
        bob_lines = self.snapshot(bob_sheet.score_ids)
        self.bob.action_archive()
        carol = self.env["res.users"].create(
            {
                "name": "Carol",
                "login": "ve_carol2",
                "groups_id": [
                    Command.set(self.env.ref("crm_vendor_eval.crm_vendor_eval_group_member").ids)
                ],
            }
        )
        # The manager edits the team in the form: Bob (archived) is not shown there.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "web_save",
            self.evaluation.ids,
            {"member_ids": [Command.link(carol.id)]},
            specification={},
        )
        self.assertNotIn("error", reply)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"name": "CRM selection", "horizon_years": 5},
        )
        self.assertNotIn("error", reply)
        self.assertEqual(bob_sheet.exists().state, "submitted")
        self.assertEqual(self.snapshot(bob_sheet.score_ids), bob_lines)
        self.assertIn(carol, self.evaluation.assignment_ids.user_id)
        # Back from leave, Bob cannot be removed from the team: that would throw his
        # submitted scores away.
        self.bob.action_unarchive()
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"member_ids": [Command.unlink(self.bob.id)]},
        )
        self.assertRefused(
            reply,
            "UserError",
            "Bob has submitted scores on “CRM selection”: a member who has submitted stays "
            "on the team.",
        )
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"member_ids": [Command.set([self.alice.id, carol.id])]},
        )
        self.assertEqual(reply["error"], "UserError")
        self.assertEqual(self.snapshot(bob_sheet.score_ids), bob_lines)
        # A member who has not submitted can leave; their empty sheet goes with them.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            self.evaluation.ids,
            {"member_ids": [Command.unlink(carol.id)]},
        )
        self.assertEqual(reply, {"result": True})
        self.assertNotIn(carol, self.evaluation.assignment_ids.user_id)
        # Bob's scores still count.
        self.evaluation.with_user(self.manager).action_compute_results()
        self.assertEqual(self.evaluation.result_ids.sorted("rank")[:1].total, 76.0)
