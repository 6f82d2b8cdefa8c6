from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import ProjectStagesCase


@tagged("post_install", "-at_install")
class TestPhaseGate(ProjectStagesCase):
    def test_new_opportunity_enters_stage_phase_with_checklist(self):
        lead = self._new_opportunity()
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertTrue(lead.phase_date_in)
        self.assertEqual(self.codes(lead.phase_history_ids), ["contact"])
        self.assertFalse(lead.phase_history_ids.date_out)
        self.assertEqual(
            set(lead.checklist_line_ids.mapped("item_id")),
            {self.item_decision_makers, self.item_budget, self.item_need},
            "the checklist of the contact phase is on the opportunity",
        )
        self.assertEqual((lead.checklist_done_count, lead.checklist_count), (0, 3))
        lead_in_proof = self._new_opportunity(stage=self.stage_proof)
        self.assertEqual(lead_in_proof.phase_id.code, "proof")
        self.assertEqual(
            set(self.codes(lead_in_proof.checklist_line_ids)), {"contact", "design", "proof"}
        )

    def test_write_refused_names_missing_items_and_changes_nothing(self):
        lead = self._new_opportunity()
        self._tick(lead, self.item_need)
        with self.assertRaises(UserError) as refusal:
            lead.write({"stage_id": self.stage_design.id})
        message = str(refusal.exception)
        self.assertIn("Decision makers identified", message)
        self.assertIn("Budget confirmed", message)
        self.assertNotIn("Need documented", message, "optional items never block")
        self.assertIn("Solution Design", message)
        self.assertEqual(lead.stage_id, self.stage_contact)
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual(len(lead.phase_history_ids), 1)

    def test_move_allowed_once_mandatory_items_done(self):
        lead = self._new_opportunity()
        self._tick(lead, self.item_decision_makers, self.item_budget)
        line = lead.checklist_line_ids.filtered(lambda ln: ln.item_id == self.item_budget)
        self.assertEqual(line.done_by_id, self.rep, "who ticked the item is recorded")
        self.assertTrue(line.done_date)
        lead.write({"stage_id": self.stage_design.id})
        self.assertEqual(lead.phase_id.code, "design")
        self.assertEqual(self.codes(lead.phase_history_ids), ["contact", "design"])
        self.assertIn(self.item_solution_doc, lead.checklist_line_ids.item_id)
        self.assertEqual((lead.checklist_done_count, lead.checklist_count), (0, 2))

    def test_skipping_a_phase_needs_the_items_of_every_phase_left(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        with self.assertRaisesRegex(UserError, "Solution document accepted"):
            lead.write({"stage_id": self.stage_proof.id})
        self.assertEqual(lead.phase_id.code, "contact")

    def test_form_refuses_the_move_like_write(self):
        lead = self._new_opportunity()
        form = Form(lead.with_user(self.rep))
        form.stage_id = self.stage_design
        with self.assertRaisesRegex(UserError, "Budget confirmed"):
            form.save()
        lead.invalidate_recordset()
        self.assertEqual(lead.stage_id, self.stage_contact)

    def test_moving_back_is_always_allowed(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        lead.write({"stage_id": self.stage_design.id})
        # Open items of its phase (those of Contact, left, stay ticked) gate no move back.
        lead.checklist_line_ids.filtered(lambda line: line.phase_id.code == "design").write(
            {"done": False}
        )
        lead.write({"stage_id": self.stage_contact.id})
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual(self.codes(lead.phase_history_ids), ["contact", "design", "contact"])

    def test_manager_override_is_logged_with_reason(self):
        lead = self._new_opportunity()
        wizard = (
            self.env["crm.phase.force.wizard"]
            .with_user(self.manager)
            .create(
                {
                    "lead_id": lead.id,
                    "stage_id": self.stage_design.id,
                    "reason": "Customer CIO confirmed budget by phone",
                }
            )
        )
        self.assertIn("Budget confirmed", wizard.missing_items)
        wizard.action_confirm()
        self.assertEqual(lead.phase_id.code, "design")
        override = lead.message_ids.filtered(lambda m: "overridden" in (m.body or ""))
        self.assertEqual(len(override), 1)
        self.assertIn("Customer CIO confirmed budget by phone", override.body)
        self.assertIn("Decision makers identified", override.body)
        self.assertIn("Mona Manager", override.body)

    def test_salesman_cannot_force(self):
        lead = self._new_opportunity()
        with self.assertRaises(AccessError):
            lead.with_user(self.rep)._force_phase_move(self.stage_design, "I said so")
        self.assertEqual(lead.phase_id.code, "contact")

    def test_won_and_lost_keep_the_phase_reached(self):
        won = self._new_opportunity(stage=self.stage_tender)
        self._tick_mandatory(won, "tender")
        won.write({"stage_id": self.stage_won.id})
        self.assertEqual(won.phase_id.code, "tender")
        self.assertTrue(won.phase_history_ids.date_out, "a won deal has left its phase")
        lost = self._new_opportunity(stage=self.stage_proof)
        lost.action_set_lost()
        self.assertEqual(lost.phase_id.code, "proof")
        self.assertTrue(lost.phase_history_ids.date_out)
        lost.action_unarchive()
        self.assertEqual(self.codes(lost.phase_history_ids), ["proof", "proof"])
        self.assertFalse(lost.phase_history_ids.sorted("id")[-1].date_out, "restored: back in")

    def test_converted_lead_gets_its_checklist(self):
        lead = self.env["crm.lead"].create(
            {"name": "Inbound enquiry", "type": "lead", "team_id": self.team.id}
        )
        self.assertFalse(lead.checklist_line_ids)
        lead.convert_opportunity(self.customer)
        self.assertEqual(lead.type, "opportunity")
        self.assertIn(self.item_budget, lead.checklist_line_ids.item_id)

    def test_changing_stage_mapping_moves_open_opportunities(self):
        lead = self._new_opportunity(stage=self.stage_proof)
        self.stage_proof.with_user(self.manager).phase_id = self.phases["tender"]
        self.assertEqual(lead.phase_id.code, "tender")
        self.assertEqual(self.codes(lead.phase_history_ids), ["proof", "tender"])

    def test_batch_move_lists_every_blocked_opportunity(self):
        first = self._new_opportunity("Pump station A")
        second = self._new_opportunity("Pump station B")
        with self.assertRaises(UserError) as refusal:
            (first | second).write({"stage_id": self.stage_design.id})
        self.assertIn("Pump station A", str(refusal.exception))
        self.assertIn("Pump station B", str(refusal.exception))
