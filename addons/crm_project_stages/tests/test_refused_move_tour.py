from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRefusedMoveTour(HttpCase):
    def test_a_refused_stage_move_leaves_the_form_on_the_real_stage(self):
        """A rep with their own documents only clicks, in the form's status bar, a stage of
        the next phase while the mandatory items of Contact are open: the gate refuses it and
        the form shows the stage the opportunity is in, not dirty; a revenue typed before a
        refused move is kept and saved."""
        rep = new_test_user(
            self.env, login="gate_rep", name="Gate Rep", groups="sales_team.group_sale_salesman"
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Refused Move Deal",
                "type": "opportunity",
                "user_id": rep.id,
                "team_id": self.env.ref("sales_team.team_sales_department").id,
                "stage_id": self.env.ref("crm.stage_lead1").id,
                "expected_revenue": 1000,
            }
        )
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_project_stages_refused_move_tour", login="gate_rep"
        )
        self.assertEqual(lead.stage_id, self.env.ref("crm.stage_lead1"))
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual(lead.expected_revenue, 12345)
