"""A deal passed a phase's gate with its mandatory items done: they stay done. A salesperson
cannot untick them afterwards, over JSON-RPC with their own session, whatever the call (the
line's write, the opportunity's form); a Sales Manager can, logged in the deal's chatter."""

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestUntickPassedPhase(JsonRpcMixin, HttpCase, ProjectStagesCase):
    def _deal_in_design(self, name="Water metering project"):
        """A rep's deal moved to Solution Design by the rep, its mandatory Contact items done."""
        lead = self._new_opportunity(name)
        self._tick_mandatory(lead, "contact")
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_design.id}
        )
        self.assertIn("result", answer)
        self.env.invalidate_all()
        self.assertEqual(lead.sudo().phase_id, self.phases["design"])
        return lead

    def _line(self, lead, item):
        line = lead.sudo().checklist_line_ids.filtered(lambda ln: ln.item_id == item)
        self.assertEqual(len(line), 1, item.name)
        return line

    def _state(self, lead):
        """What the rep must not change: the lines' done flags and stamps, the chatter."""
        self.env.invalidate_all()
        lead = lead.sudo()
        return {
            "lines": {
                line.item_id.name: (line.done, line.done_by_id, line.done_date)
                for line in lead.checklist_line_ids
            },
            "messages": len(lead.message_ids),
            "phase": lead.phase_id,
        }

    def _untick_logs(self, lead):
        self.env.invalidate_all()
        return (
            self.env["crm.lead"]
            .browse(lead.id)
            .message_ids.filtered(lambda message: "Unticked by" in str(message.body))
        )

    def _refusal(self, lead, current, *items):
        return (
            f"“{lead.name}” passed the gate of these phases with these mandatory items done; "
            f"they stay ticked while it is in {current}:\n"
            + "\n".join(f"  • {item.phase_id.name}: {item.name}" for item in items)
            + "\n\nA Sales Manager can untick them (it is logged in the opportunity's chatter), "
            "or move the opportunity back to the item's phase first, then untick it."
        )

    # ------------------------------------------------------------------ refused

    def test_rep_unticking_a_mandatory_item_of_a_phase_left_is_refused(self):
        lead = self._deal_in_design()
        line = self._line(lead, self.item_budget)
        before = self._state(lead)
        self.assertEqual(before["lines"]["Budget confirmed"][:2], (True, self.rep))
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", line.ids, {"done": False})
        message = self.assertRefused(answer, "UserError")
        self.assertEqual(message, self._refusal(lead, "Solution Design", self.item_budget))
        self.assertEqual(self._state(lead), before)

    def test_rep_unticking_through_the_opportunity_form_is_refused(self):
        lead = self._deal_in_design()
        line = self._line(lead, self.item_decision_makers)
        before = self._state(lead)
        for method in ("write", "web_save"):
            answer = self.rpc(
                "ps_rep",
                "crm.lead",
                method,
                [lead.id],
                {"checklist_line_ids": [[1, line.id, {"done": False}]]},
                **({"specification": {}} if method == "web_save" else {}),
            )
            message = self.assertRefused(answer, "UserError")
            self.assertEqual(
                message, self._refusal(lead, "Solution Design", self.item_decision_makers)
            )
            self.assertEqual(self._state(lead), before)

    def test_batch_with_one_passed_item_changes_nothing(self):
        """Lines of two deals in one write: the deal still in Contact is named nowhere, the
        other's items are all listed, and no line of either changes."""
        passed = self._deal_in_design("Passed deal")
        current = self._new_opportunity("Deal still in contact")
        self._tick_mandatory(current, "contact")
        lines = (
            passed.sudo().checklist_line_ids.filtered("done") | current.sudo().checklist_line_ids
        )
        before = (self._state(passed), self._state(current))
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", lines.ids, {"done": False})
        message = self.assertRefused(answer, "UserError")
        self.assertEqual(
            message,
            self._refusal(passed, "Solution Design", self.item_decision_makers, self.item_budget),
        )
        self.assertEqual((self._state(passed), self._state(current)), before)

    def test_rep_unticking_an_item_of_a_won_deal_is_refused(self):
        """Once won, the deal has left every phase: the items of its last phase stay too."""
        lead = self._new_opportunity(stage=self.stage_tender)
        line = self._line(lead, self.env.ref("crm_project_stages.checklist_item_bid_submitted"))
        line.with_user(self.rep).write({"done": True})
        lead.sudo().write({"stage_id": self.stage_won.id})
        before = self._state(lead)
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", line.ids, {"done": False})
        message = self.assertRefused(answer, "UserError")
        self.assertEqual(message, self._refusal(lead, "PS Won", line.item_id))
        self.assertEqual(self._state(lead), before)

    def test_refusal_reads_the_same_for_one_deal_or_many(self):
        """One check for all the lines of a batch: as many queries for three deals as for
        one."""
        leads = [self._deal_in_design(f"Deal {n}") for n in range(3)]

        def queries(deals):
            lines = self.env["crm.lead.checklist.line"].browse(
                [line.id for deal in deals for line in deal.sudo().checklist_line_ids]
            )
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            with self.assertRaises(UserError):
                lines.with_user(self.rep).write({"done": False})
            return self.cr.sql_log_count - start

        queries(leads)  # the worker's tables, once
        self.assertEqual(queries(leads[:1]), queries(leads))

    # ------------------------------------------------------------------ allowed

    def test_manager_unticks_a_passed_item_logged(self):
        lead = self._deal_in_design()
        line = self._line(lead, self.item_budget)
        answer = self.rpc(
            "ps_manager", "crm.lead.checklist.line", "write", line.ids, {"done": False}
        )
        self.assertEqual(answer.get("result"), True, answer)
        self.env.invalidate_all()
        self.assertEqual(
            (line.done, line.done_by_id, line.done_date), (False, line.done_by_id.browse(), False)
        )
        logs = self._untick_logs(lead)
        self.assertEqual(len(logs), 1)
        self.assertIn(
            "Unticked by Mona Manager while the opportunity is in Solution Design", logs.body
        )
        self.assertIn("<li>Budget confirmed</li>", logs.body)
        self.assertEqual(logs.author_id, self.manager.partner_id)

    def test_rep_unticks_current_phase_and_optional_items_and_ticks_anything(self):
        lead = self._deal_in_design()
        solution_doc = self._line(lead, self.item_solution_doc)
        need = self._line(lead, self.item_need)
        budget = self._line(lead, self.item_budget)
        for line, done in (
            (solution_doc, True),
            (solution_doc, False),
            (need, True),
            (need, False),
        ):
            answer = self.rpc(
                "ps_rep", "crm.lead.checklist.line", "write", line.ids, {"done": done}
            )
            self.assertEqual(answer.get("result"), True, (line.item_id.name, done, answer))
            self.env.invalidate_all()
            self.assertEqual(line.done, done)
            self.assertEqual(line.done_by_id, self.rep if done else line.done_by_id.browse())
        # Ticking a passed item again keeps who ticked it first.
        stamp = (budget.done_by_id, budget.done_date)
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", budget.ids, {"done": True})
        self.assertEqual(answer.get("result"), True, answer)
        self.env.invalidate_all()
        self.assertEqual((budget.done_by_id, budget.done_date), stamp)
        self.assertFalse(self._untick_logs(lead))

    def test_rep_unticks_a_contact_item_once_the_deal_is_back_in_contact(self):
        lead = self._deal_in_design()
        line = self._line(lead, self.item_budget)
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_contact.id}
        )
        self.assertIn("result", answer)
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", line.ids, {"done": False})
        self.assertEqual(answer.get("result"), True, answer)
        self.env.invalidate_all()
        self.assertFalse(line.done)
        self.assertFalse(self._untick_logs(lead))

    def test_refusal_in_the_reps_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_project_stages"], ["zh_CN"])
        lead = self._deal_in_design()
        self.rep.lang = "zh_CN"
        line = self._line(lead, self.item_budget)
        answer = self.rpc(
            "ps_rep",
            "crm.lead.checklist.line",
            "write",
            line.ids,
            {"done": False},
            context={"lang": "zh_CN"},
        )
        message = self.assertRefused(answer, "UserError")
        self.assertEqual(
            message,
            f"“{lead.name}”在以下必选项完成后通过了这些阶段的关卡；商机处于方案设计期时，"  # noqa: RUF001
            "它们保持勾选：\n  • 项目接触期: 预算已确认\n\n"  # noqa: RUF001
            "销售经理可以取消勾选（将记录在商机的沟通记录中）；或先将商机移回该项所属的阶段，"  # noqa: RUF001
            "再取消勾选。",
        )
        self.env.invalidate_all()
        self.assertTrue(line.done)
