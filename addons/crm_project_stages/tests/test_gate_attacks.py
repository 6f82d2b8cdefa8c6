"""The phase gate against a user with an RPC client: whatever they send over JSON-RPC with
their own session (a context key, a field value, a private method, an import), an opportunity
passes a phase only with the phase's mandatory items done, or by a Sales Manager's logged
force. Every refusal is checked for its error, its message and that nothing changed."""

from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import server_values
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase

SERVER_FIELDS = {
    "phase_id": ("tender", "Phase"),
    "phase_sequence": (99, "Phase Order"),
    "phase_date_in": ("2001-01-01 00:00:00", "In Phase Since"),
    "phase_reached_id": ("tender", "Furthest Phase"),
    "phase_reached_sequence": (99, "Furthest Phase Order"),
    "outcome": ("won", "Outcome"),
    "date_stalled": ("2001-01-01 00:00:00", "Stalled From"),
}
REFUSED_FIELDS = "These fields are set by the server and cannot be changed:"


@tagged("post_install", "-at_install")
class TestGateAttacks(JsonRpcMixin, HttpCase, ProjectStagesCase):
    def state(self, lead):
        """What the gate protects, read fresh from the database."""
        self.env.invalidate_all()
        lead = self.env["crm.lead"].browse(lead.id)
        return {
            "type": lead.type,
            "stage": lead.stage_id,
            "phase": lead.phase_id.code,
            "reached": lead.phase_reached_id,
            "since": lead.phase_date_in,
            "history": [
                (row.phase_id.code, row.date_in, row.date_out) for row in lead.phase_history_ids
            ],
            "lines": [
                (line.item_id, line.done, line.done_by_id, line.done_date)
                for line in lead.checklist_line_ids
            ],
            "messages": len(lead.message_ids),
            "outcome": (lead.outcome, lead.date_stalled),
        }

    def note(self, lead, text):
        """The one chatter message of ``lead`` holding ``text``."""
        notes = (
            self.env["crm.lead"]
            .browse(lead.id)
            .message_ids.filtered(lambda message: text in str(message.body))
        )
        self.assertEqual(len(notes), 1, text)
        return str(notes.body)

    def lead_named(self, name):
        return self.env["crm.lead"].with_context(active_test=False).search([("name", "=", name)])

    # ------------------------------------------------------------------ 7: the gate

    def test_no_client_context_opens_the_gate(self):
        lead = self._new_opportunity()
        before = self.state(lead)
        for login, context in (
            ("ps_rep", {"crm_phase_skip_gate": True}),
            ("ps_rep", {"crm_phase_force_reason": "The customer said yes"}),
            ("ps_rep", {"crm_phase_skip_gate": True, "crm_phase_force_reason": "Yes"}),
            # Not even a Sales Manager's: the force is the wizard, with its reason logged.
            ("ps_manager", {"crm_phase_force_reason": "The customer said yes"}),
        ):
            answer = self.rpc(
                login,
                "crm.lead",
                "write",
                [lead.id],
                {"stage_id": self.stage_tender.id},
                context=context,
            )
            self.assertRefused(
                answer,
                "UserError",
                "“Water metering project” cannot move to Tender",
                "Contact: Decision makers identified",
                "Contact: Budget confirmed",
                "Solution Design: Solution document accepted",
                "Solution Proof: Proof of concept signed off",
            )
            self.assertEqual(self.state(lead), before, context)

    def test_the_phase_follows_the_stage_and_is_not_written(self):
        lead = self._new_opportunity()
        before = self.state(lead)
        for vals in (
            {"phase_id": False},
            {"phase_id": self.phases["tender"].id},
            {"phase_id": False, "stage_id": self.stage_tender.id},
        ):
            answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], vals)
            self.assertRefused(
                answer,
                "AccessError",
                f"{REFUSED_FIELDS} Phase.",
                "The phase follows the stage",
            )
            self.assertEqual(self.state(lead), before, vals)
        # The attack in two calls: clearing the phase first does not open the gate after.
        self.rpc("ps_rep", "crm.lead", "write", [lead.id], {"phase_id": False})
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_tender.id}
        )
        self.assertRefused(answer, "UserError", "cannot move to Tender")
        self.assertEqual(self.state(lead), before)

    def test_a_move_the_gate_allows_carries_no_phase_value_of_the_client(self):
        """The server writes the phase with the stage in one write: what the client sends
        with an allowed move is checked all the same."""
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        before = self.state(lead)
        for vals, label in (
            ({"phase_reached_id": self.phases["tender"].id}, "Furthest Phase"),
            ({"phase_date_in": "2020-01-01 00:00:00"}, "In Phase Since"),
            ({"phase_id": self.phases["tender"].id}, "Phase"),
        ):
            vals = {"stage_id": self.stage_design.id, **vals}
            answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], vals)
            self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} {label}.")
            self.assertEqual(self.state(lead), before, vals)
        move = {"stage_id": self.stage_design.id}
        answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], move)
        self.assertIs(answer.get("result"), True, answer)
        after = self.state(lead)
        self.assertEqual((after["phase"], after["reached"].code), ("design", "design"))
        self.assertEqual([row[0] for row in after["history"]], ["contact", "design"])
        self.assertEqual(after["since"], after["history"][-1][1], "since the move, not 2020")
        self.assertGreaterEqual(after["since"], before["since"])

    def test_the_phase_values_the_server_adds_pass_in_that_write_alone(self):
        """The server adds the phase to the values of the salesperson's move it has guarded
        and lets them through the guards of the addons below: in those very values, and no
        other write - a write of an opportunity by the same user within it (an automated
        action, say), or a copy of the values, is guarded as usual."""
        lead = self._new_opportunity()
        before = self.state(lead)
        Lead = self.env["crm.lead"].with_user(self.rep)
        tender = self.phases["tender"].id
        payload = {"stage_id": self.stage_design.id, "phase_id": tender}
        with server_values("crm.lead", {"phase_id"}, payload):
            Lead._guard_server_fields([payload])  # the server's own values: through
            for other in (dict(payload), {"phase_id": tender}):
                with self.assertRaisesRegex(AccessError, f"{REFUSED_FIELDS} Phase."):
                    Lead._guard_server_fields([other])
            with self.assertRaisesRegex(AccessError, f"{REFUSED_FIELDS} Phase."):
                lead.with_user(self.rep).write({"phase_id": tender})
        with self.assertRaisesRegex(AccessError, f"{REFUSED_FIELDS} Phase."):
            Lead._guard_server_fields([payload])  # after the block: guarded again
        self.assertEqual(self.state(lead), before)

    def test_only_a_sales_manager_forces_the_gate_with_a_logged_reason(self):
        lead = self._new_opportunity()
        before = self.state(lead)
        answer = self.rpc(
            "ps_rep",
            "crm.phase.force.wizard",
            "create",
            {"lead_id": lead.id, "stage_id": self.stage_tender.id, "reason": "Trust me"},
        )
        self.assertRefused(answer, "AccessError", "You are not allowed to create")
        answer = self.rpc(
            "ps_rep", "crm.lead", "_force_phase_move", [lead.id], self.stage_tender.id, "Trust me"
        )
        self.assertRefused(
            answer,
            "AccessError",
            "Private methods (such as _force_phase_move) cannot be called remotely.",
        )
        answer = self.rpc("ps_rep", "crm.lead", "action_force_phase_move", [lead.id])
        self.assertRefused(
            answer, "AccessError", "Only Sales Managers can force an opportunity past a phase gate."
        )
        self.assertEqual(self.state(lead), before)
        # A Sales Manager without a reason: refused too.
        wizard = self.rpc(
            "ps_manager",
            "crm.phase.force.wizard",
            "create",
            {"lead_id": lead.id, "stage_id": self.stage_tender.id, "reason": "   "},
        )["result"]
        answer = self.rpc("ps_manager", "crm.phase.force.wizard", "action_confirm", [wizard])
        self.assertRefused(answer, "UserError", "Give the reason for forcing the move.")
        self.assertEqual(self.state(lead), before)
        # With a reason: moved, and the chatter says who, from where, what was open and why.
        wizard = self.rpc(
            "ps_manager",
            "crm.phase.force.wizard",
            "create",
            {
                "lead_id": lead.id,
                "stage_id": self.stage_tender.id,
                "reason": "Framework agreement signed by the ministry",
            },
        )["result"]
        answer = self.rpc("ps_manager", "crm.phase.force.wizard", "action_confirm", [wizard])
        self.assertIn("result", answer, answer.get("error"))
        after = self.state(lead)
        self.assertEqual((after["stage"], after["phase"]), (self.stage_tender, "tender"))
        note = self.note(lead, "Phase gate overridden")
        for text in (
            "Phase gate overridden by Mona Manager: moved from Contact to Tender",
            "Decision makers identified",
            "Proof of concept signed off",
            "Framework agreement signed by the ministry",
        ):
            self.assertIn(text, note)

    def test_a_salesperson_cannot_create_or_import_an_opportunity_past_the_gate(self):
        vals = {
            "name": "Shortcut deal",
            "type": "opportunity",
            "team_id": self.team.id,
            "user_id": self.rep.id,
            "stage_id": self.stage_tender.id,
        }
        answer = self.rpc("ps_rep", "crm.lead", "create", vals)
        self.assertRefused(
            answer,
            "UserError",
            "“Shortcut deal” cannot start in Tender: these mandatory items of the earlier "
            "phases are not done:",
            "Contact: Budget confirmed",
            "Solution Proof: Demo or proof of concept delivered",
            "create it in a stage of Contact",
            "or ask a Sales Manager to create it in this stage",
        )
        self.assertFalse(self.lead_named("Shortcut deal"))
        # An import is a create: the row is rejected with the same reason.
        fields = ["name", "type", "team_id/.id", "user_id/.id", "stage_id/.id"]
        row = ["Imported shortcut", "opportunity", self.team.id, self.rep.id, self.stage_tender.id]
        answer = self.rpc("ps_rep", "crm.lead", "load", fields, [[str(v) for v in row]])
        self.assertFalse(answer["result"]["ids"])
        self.assertIn(
            "“Imported shortcut” cannot start in Tender",
            " ".join(message["message"] for message in answer["result"]["messages"]),
        )
        self.assertFalse(self.lead_named("Imported shortcut"))
        # A context default is no way round either: the phase follows the stage.
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            "create",
            dict(vals, name="Defaulted deal", stage_id=self.stage_contact.id),
            context={
                "default_phase_id": self.phases["tender"].id,
                "default_phase_reached_id": self.phases["tender"].id,
            },
        )
        lead = self.env["crm.lead"].browse(answer["result"])
        self.assertEqual((lead.phase_id.code, lead.phase_reached_id.code), ("contact", "contact"))

    def test_a_sales_manager_creates_and_imports_deals_under_way_logged(self):
        answer = self.rpc(
            "ps_manager",
            "crm.lead",
            "create",
            {
                "name": "Tender already running",
                "type": "opportunity",
                "team_id": self.team.id,
                "user_id": self.rep.id,
                "stage_id": self.stage_tender.id,
            },
        )
        lead = self.env["crm.lead"].browse(answer["result"])
        fields = ["name", "type", "team_id/.id", "user_id/.id", "stage_id/.id"]
        row = ["Imported proof", "opportunity", self.team.id, self.rep.id, self.stage_proof.id]
        answer = self.rpc("ps_manager", "crm.lead", "load", fields, [[str(v) for v in row]])
        imported = self.env["crm.lead"].browse(answer["result"]["ids"])
        for deal, phase, label, open_item in (
            (lead, "tender", "Tender", "Proof of concept signed off"),
            (imported, "proof", "Solution Proof", "Solution document accepted"),
        ):
            self.assertEqual((deal.phase_id.code, deal.phase_reached_id.code), (phase, phase))
            self.assertEqual(self.codes(deal.phase_history_ids), [phase])
            note = self.note(deal, "Entered the pipeline")
            self.assertIn(f"Entered the pipeline in {label} by Mona Manager", note)
            self.assertIn(open_item, note)

    def test_winning_from_an_early_phase_needs_the_items_or_a_force(self):
        lead = self._new_opportunity()
        before = self.state(lead)
        for method, args in (
            ("action_set_won", []),
            ("write", [{"stage_id": self.stage_won.id}]),
        ):
            answer = self.rpc("ps_rep", "crm.lead", method, [lead.id], *args)
            self.assertRefused(
                answer,
                "UserError",
                "“Water metering project” cannot move to ",
                "Contact: Budget confirmed",
                "Tender: Bid submitted",
            )
            self.assertEqual(self.state(lead), before, method)
        # In the Tender phase, with the bid submitted, the rep wins it.
        tender = self._new_opportunity("Tender with bid", stage=self.stage_tender)
        self._tick_mandatory(tender, "tender")
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [tender.id], {"stage_id": self.stage_won.id}
        )
        self.assertIn("result", answer, answer.get("error"))
        self.assertEqual(self.state(tender)["outcome"][0], "won")
        # Without the bid, a Sales Manager forces the win, logged with the reason.
        direct = self._new_opportunity("Direct award", stage=self.stage_tender)
        wizard = self.rpc(
            "ps_manager",
            "crm.phase.force.wizard",
            "create",
            {"lead_id": direct.id, "stage_id": self.stage_won.id, "reason": "Direct award"},
        )["result"]
        self.rpc("ps_manager", "crm.phase.force.wizard", "action_confirm", [wizard])
        after = self.state(direct)
        self.assertEqual((after["stage"], after["phase"]), (self.stage_won, "tender"))
        body = self.note(direct, "Phase gate overridden")
        self.assertIn("moved from Tender to PS Won", body)
        self.assertIn("Bid submitted", body)

    # ------------------------------------------------------------------ 8: leads, messages

    def test_a_lead_has_no_phase_until_converted_and_converts_at_the_start(self):
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            "create",
            {"name": "Inbound enquiry", "type": "lead", "team_id": self.team.id},
        )
        lead = self.env["crm.lead"].browse(answer["result"])
        self.assertEqual(
            (lead.phase_id.code, lead.phase_history_ids, lead.checklist_line_ids),
            (False, self.env["crm.lead.phase.history"], self.env["crm.lead.checklist.line"]),
        )
        # A lead has no gate: its stage moves freely...
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_design.id}
        )
        self.assertIn("result", answer, answer.get("error"))
        self.assertFalse(self.state(lead)["phase"])
        # ...but converting it enters the pipeline: in a later phase, refused to the rep.
        before = self.state(lead)
        answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], {"type": "opportunity"})
        self.assertRefused(
            answer,
            "UserError",
            "“Inbound enquiry” cannot start in Solution Design",
            "Contact: Decision makers identified",
            "a lead: move it to such a stage before converting it",
        )
        self.assertEqual(self.state(lead), before)
        self.rpc("ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_contact.id})
        answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], {"type": "opportunity"})
        self.assertIn("result", answer, answer.get("error"))
        after = self.state(lead)
        self.assertEqual((after["type"], after["phase"]), ("opportunity", "contact"))
        self.assertEqual([row[0] for row in after["history"]], ["contact"])
        self.assertIn(self.item_budget, [line[0] for line in after["lines"]])

    def test_the_refusal_says_what_to_do(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_proof.id}
        )
        message = self.assertRefused(
            answer,
            "UserError",
            "“Water metering project” cannot move to Solution Proof",
            "Solution Design: Solution document accepted",
            "The items of Solution Design are on the checklist once the opportunity is in that "
            "phase: move it there first, one phase at a time.",
            "Tick the open items off in the checklist of the opportunity's Project Phases tab",
            "Force Stage",
        )
        self.assertNotIn("Checklist tab", message)
        self.assertNotIn("Budget confirmed", message, "done items are not listed")
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_design.id}
        )
        self.assertIn("result", answer, answer.get("error"))
        self.assertIn(self.item_solution_doc, [line[0] for line in self.state(lead)["lines"]])

    # ------------------------------------------------------------------ 9: server fields

    def test_computed_and_audit_fields_of_an_opportunity_are_the_servers(self):
        lead = self._new_opportunity(expected_revenue=40_000)
        before = self.state(lead)
        for field, (value, label) in SERVER_FIELDS.items():
            if field in ("phase_id", "phase_reached_id"):
                value = self.phases[value].id
            for login in ("ps_rep", "ps_manager"):
                answer = self.rpc(login, "crm.lead", "write", [lead.id], {field: value})
                self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} {label}.")
            self.assertEqual(self.state(lead), before, field)
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            "create",
            {
                "name": "Won in 2001",
                "type": "opportunity",
                "stage_id": self.stage_contact.id,
                "outcome": "won",
                "date_stalled": "2001-01-01 00:00:00",
            },
        )
        self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} Outcome, Stalled From.")
        self.assertFalse(self.lead_named("Won in 2001"))

    def test_checklist_lines_and_history_are_recorded_by_the_server(self):
        lead = self._new_opportunity()
        other = self._new_opportunity("Other deal")
        line = lead.checklist_line_ids.filtered(lambda ln: ln.item_id == self.item_budget)
        admin = self.env.ref("base.user_admin")
        before = self.state(lead), self.state(other)
        for vals in (
            {"done_by_id": admin.id},
            {"done_date": "2001-01-01 00:00:00"},
            {"done": True, "done_by_id": admin.id, "done_date": "2001-01-01 00:00:00"},
            {"item_id": self.item_need.id},
            {"lead_id": other.id},
        ):
            for login in ("ps_rep", "ps_manager"):
                answer = self.rpc(login, "crm.lead.checklist.line", "write", [line.id], vals)
                self.assertRefused(answer, "AccessError", REFUSED_FIELDS, "Tick the item off")
            # The same through the opportunity's checklist.
            answer = self.rpc(
                "ps_rep",
                "crm.lead",
                "write",
                [lead.id],
                {"checklist_line_ids": [[1, line.id, vals]]},
            )
            self.assertRefused(answer, "AccessError", REFUSED_FIELDS)
            self.assertEqual((self.state(lead), self.state(other)), before, vals)
        answer = self.rpc("ps_manager", "crm.lead.checklist.line", "unlink", [line.id])
        self.assertRefused(answer, "AccessError", "You are not allowed to delete")
        answer = self.rpc(
            "ps_manager",
            "crm.lead.checklist.line",
            "create",
            {"lead_id": lead.id, "item_id": self.item_solution_doc.id, "done": True},
        )
        self.assertRefused(answer, "AccessError", REFUSED_FIELDS)
        history = lead.phase_history_ids
        for login in ("ps_rep", "ps_manager"):
            answer = self.rpc(
                login,
                "crm.lead.phase.history",
                "write",
                history.ids,
                {"date_in": "2001-01-01 00:00:00", "phase_id": self.phases["tender"].id},
            )
            self.assertRefused(answer, "AccessError", "You are not allowed to modify")
        self.assertEqual((self.state(lead), self.state(other)), before)
        # Ticking is the rep's, and the server records who and when.
        answer = self.rpc("ps_rep", "crm.lead.checklist.line", "write", [line.id], {"done": True})
        self.assertIn("result", answer, answer.get("error"))
        line.invalidate_recordset()
        self.assertEqual((line.done, line.done_by_id), (True, self.rep))
        # Recorded now (to the second: the same second as the deal was made, on a fast run).
        self.assertGreaterEqual(line.done_date, before[0]["since"])

    # ------------------------------------------------------------------ 16: checklist items

    def test_a_ticked_checklist_item_is_archived_not_deleted(self):
        answer = self.rpc(
            "ps_manager",
            "crm.phase.checklist.item",
            "create",
            {"name": "Credit check passed", "phase_id": self.phases["contact"].id},
        )
        item = self.env["crm.phase.checklist.item"].browse(answer["result"])
        lead = self._new_opportunity()
        line = lead.checklist_line_ids.filtered(lambda ln: ln.item_id == item)
        self.rpc("ps_rep", "crm.lead.checklist.line", "write", [line.id], {"done": True})
        # Also with the flag of a module's uninstall in the context, which Odoo's guards
        # (at_uninstall=False) step aside for and any client can send (the fifth review).
        for context in ({}, {"_force_unlink": True}):
            answer = self.rpc(
                "ps_manager", "crm.phase.checklist.item", "unlink", [item.id], context=context
            )
            self.assertRefused(
                answer,
                "UserError",
                "“Credit check passed” is ticked off on opportunities.",
                "archive it instead of deleting it",
            )
        self.env.invalidate_all()
        self.assertTrue(item.exists())
        self.assertEqual((line.exists(), line.done, line.done_by_id), (line, True, self.rep))
        # Archived, it gates nothing more and the tick stays on the opportunity.
        self.rpc("ps_manager", "crm.phase.checklist.item", "action_archive", [item.id])
        self._tick(lead, self.item_decision_makers, self.item_budget)
        answer = self.rpc(
            "ps_rep", "crm.lead", "write", [lead.id], {"stage_id": self.stage_design.id}
        )
        self.assertIn("result", answer, answer.get("error"))
        self.assertTrue(line.exists().done)
        # An item ticked nowhere can be deleted (its open lines go with it).
        answer = self.rpc(
            "ps_manager",
            "crm.phase.checklist.item",
            "create",
            {"name": "Typo item", "phase_id": self.phases["design"].id},
        )
        typo = self.env["crm.phase.checklist.item"].browse(answer["result"])
        self.assertTrue(typo.exists())
        answer = self.rpc("ps_manager", "crm.phase.checklist.item", "unlink", [typo.id])
        self.assertIn("result", answer, answer.get("error"))
        self.assertFalse(typo.exists())
