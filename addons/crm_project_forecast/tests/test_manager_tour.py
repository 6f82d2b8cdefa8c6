from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .. import periods


@tagged("post_install", "-at_install")
class TestManagerTour(HttpCase):
    def test_manager_path_in_the_browser(self):
        """A user who is a Sales Manager and nothing more: Reporting → Sales Forecast, the
        period type switched (today's month, year, this quarter), a lost deal and the Target
        opened, then Forecast Analysis from the dashboard and from the menu, each with the
        dashboard's Target and Gap (see the tour)."""
        manager = new_test_user(
            self.env,
            login="tour_sales_manager",
            name="Tour Sales Manager",
            groups="sales_team.group_sale_manager",
        )
        self.assertFalse(manager.has_group("base.group_system"))
        team = self.env["crm.team"].create({"name": "Tour Team", "member_ids": manager.ids})
        today = fields.Date.context_today(self.env["crm.lead"])
        start, end = periods.bounds("quarter", today)
        self.env["crm.sales.target"].create(
            {
                "target_level": "team",
                "team_id": team.id,
                "period_type": "quarter",
                "date_start": start,
                "amount": 20_000,
            }
        )
        stages = {
            phase.code: self.env["crm.stage"].search([("phase_id", "=", phase.id)], limit=1)
            for phase in self.env["crm.project.phase"].search([])
        }
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)

        def deal(name, revenue, deadline, phase="tender"):
            return self.env["crm.lead"].create(
                {
                    "name": name,
                    "type": "opportunity",
                    "user_id": manager.id,
                    "team_id": team.id,
                    "stage_id": stages[phase].id,
                    "expected_revenue": revenue,
                    "date_deadline": deadline,
                }
            )

        deal("Tour Commit Deal", 9_000, end)
        won = deal("Tour Won Deal", 4_000, end)
        won.write({"stage_id": won_stage.id})
        won.write({"date_closed": datetime.now() - timedelta(minutes=5)})
        deal("Tour Overdue Deal", 3_000, "2020-03-07", phase="contact")
        lost = deal("Tour Lost Deal", 5_000, end, phase="design")
        reason = self.env["crm.lost.reason"].create({"name": "Tour reason"})
        lost.action_set_lost(lost_reason_id=reason.id)
        self.start_tour("/odoo/crm", "crm_project_forecast_manager_tour", login=manager.login)
