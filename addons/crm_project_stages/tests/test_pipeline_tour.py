from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestPipelineTour(HttpCase):
    def test_drag_card_past_the_gate_in_the_pipeline(self):
        admin = self.env.ref("base.user_admin")
        lead = self.env["crm.lead"].create(
            {
                "name": "Gate Tour Deal",
                "type": "opportunity",
                "user_id": admin.id,
                "team_id": self.env.ref("sales_team.team_sales_department").id,
                "stage_id": self.env.ref("crm.stage_lead1").id,
            }
        )
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline",
            "crm_project_stages_gate_tour",
            login="admin",
        )
        self.assertEqual(lead.stage_id, self.env.ref("crm.stage_lead2"))
        self.assertEqual(lead.phase_id.code, "design")
        self.assertEqual(
            [row.phase_id.code for row in lead.phase_history_ids], ["contact", "design"]
        )
        ticked = lead.checklist_line_ids.filtered("done")
        self.assertEqual(ticked.mapped("name"), ["Decision makers identified", "Budget confirmed"])
        self.assertEqual(ticked.done_by_id, admin)
