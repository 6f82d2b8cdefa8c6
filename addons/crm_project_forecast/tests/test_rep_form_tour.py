from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRepFormTour(HttpCase):
    def test_the_phase_win_rate_reads_apart(self):
        """A rep with their own documents opens their opportunity in Contact: "Phase win rate",
        "10.0" and "%" stand apart (the first release showed "Phase10.0 %")."""
        rep = new_test_user(
            self.env, login="rate_rep", name="Rate Rep", groups="sales_team.group_sale_salesman"
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Rate Deal",
                "type": "opportunity",
                "user_id": rep.id,
                "stage_id": self.env.ref("crm.stage_lead1").id,
            }
        )
        self.assertEqual(lead.phase_probability, 10.0)
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_project_forecast_rep_form_tour", login="rate_rep"
        )
