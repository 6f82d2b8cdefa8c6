from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestAtRiskTour(HttpCase):
    """A sales manager sees the labelled churn badge on a pipeline card, then the customer's
    score and salesperson in the at-risk list, in Chromium."""

    def test_badge_and_at_risk_list(self):
        rep = new_test_user(self.env, login="churn_tour_rep", name="Tess Tour")
        customer, orphan = self.env["res.partner"].create(
            [
                {"name": "Churn Tour Customer", "is_company": True, "user_id": rep.id},
                {"name": "Churn Tour Orphan", "is_company": True},
            ]
        )
        self.env["crm.churn.score"].create(
            [
                {"partner_id": customer.id, "score": 88.0, "scored_at": "2026-11-20 02:00:00"},
                {"partner_id": orphan.id, "score": 61.0, "scored_at": "2026-11-20 02:00:00"},
            ]
        )
        admin = self.env.ref("base.user_admin")
        self.env["crm.lead"].create(
            [
                {
                    "name": "Churn Tour Deal",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": admin.id,
                    "team_id": self.env.ref("sales_team.team_sales_department").id,
                }
                for partner in (customer, orphan)
            ]
        )
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline", "crm_churn_score_badge_tour", login="admin"
        )
        self.start_tour(
            "/odoo/action-crm_churn_score.res_partner_action_at_risk",
            "crm_churn_score_at_risk_tour",
            login="admin",
        )
