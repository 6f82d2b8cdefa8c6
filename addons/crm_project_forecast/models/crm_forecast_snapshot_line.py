from odoo import fields, models

from .crm_lead import CLOSED_WON
from .crm_project_phase import FORECAST_CATEGORIES


class CrmForecastSnapshotLine(models.Model):
    _name = "crm.forecast.snapshot.line"
    _description = "Forecast Snapshot Line"
    _order = "snapshot_id desc, expected_revenue desc, id"

    snapshot_id = fields.Many2one(
        "crm.forecast.snapshot", required=True, ondelete="cascade", index=True, readonly=True
    )
    snapshot_date = fields.Datetime(related="snapshot_id.date", string="Taken On")
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", ondelete="set null", index=True, readonly=True
    )
    name = fields.Char(string="Opportunity Name", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, index=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    phase_id = fields.Many2one("crm.project.phase", string="Phase", readonly=True)
    forecast_category = fields.Selection(
        [*FORECAST_CATEGORIES, CLOSED_WON], string="Forecast", readonly=True
    )
    date_deadline = fields.Date(string="Expected Closing", readonly=True)
    date_won = fields.Date(string="Won On", readonly=True)
    forecast_date = fields.Date(
        string="Forecast Date",
        readonly=True,
        help="The won date of a deal won then, else its expected closing then.",
    )
    expected_revenue = fields.Monetary(currency_field="currency_id", readonly=True)
    forecast_probability = fields.Float(
        string="Forecast Probability (%)", digits=(5, 1), readonly=True
    )
    forecast_revenue = fields.Monetary(
        string="Weighted Revenue", currency_field="currency_id", readonly=True
    )
