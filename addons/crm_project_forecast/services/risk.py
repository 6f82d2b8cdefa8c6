"""The open deals that need the manager's attention: stalled in their phase, blocked by an open
problem, or past their expected closing; the largest first."""

from odoo import fields


class ForecastRisk:
    def __init__(self, env, params, figures):
        self.env = env
        self.params = params
        self.figures = figures

    def deals(self, limit=50):
        Lead = self.env["crm.lead"]
        domain = self.figures.lead_domain("at_risk")
        convert, today = self.params.convert, self.params.today
        leads = Lead.search(domain, order="expected_revenue desc, id", limit=limit)
        return {
            "count": Lead.search_count(domain),
            "lines": [
                {
                    "id": lead.id,
                    "name": lead.name,
                    "partner": lead.partner_id.display_name or "",
                    "user": lead.user_id.name or "",
                    "team": lead.team_id.name or "",
                    "phase": lead.phase_id.name or "",
                    "days_in_phase": lead.days_in_phase,
                    "stalled": lead.is_stalled,
                    "open_problems": lead.open_problem_count,
                    "date_deadline": fields.Date.to_string(lead.date_deadline) or False,
                    "overdue": bool(lead.date_deadline and lead.date_deadline < today),
                    "expected_revenue": convert(lead.expected_revenue, lead.company_id),
                    "weighted": convert(lead.forecast_revenue, lead.company_id),
                }
                for lead in leads
            ],
        }
