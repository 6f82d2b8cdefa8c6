from odoo import api, fields, models

from .crm_stage import PROJECT_PHASES


class CrmLeadPhaseHistory(models.Model):
    _name = "crm.lead.phase.history"
    _description = "Opportunity Phase History"
    _order = "lead_id, date_in, id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    phase = fields.Selection(PROJECT_PHASES, required=True, index=True)
    date_in = fields.Datetime(string="Entered", required=True, default=fields.Datetime.now)
    date_out = fields.Datetime(string="Left", index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        help="Salesperson of the opportunity when it entered the phase.",
    )
    days = fields.Float(
        string="Days in Phase",
        compute="_compute_days",
        digits=(16, 1),
        help="Days between entering and leaving the phase (until now while it is current).",
    )
    company_id = fields.Many2one(related="lead_id.company_id", store=True, index=True)

    @api.depends("date_in", "date_out")
    def _compute_days(self):
        now = fields.Datetime.now()
        for row in self:
            end = row.date_out or now
            row.days = (end - row.date_in).total_seconds() / 86400.0 if row.date_in else 0.0
