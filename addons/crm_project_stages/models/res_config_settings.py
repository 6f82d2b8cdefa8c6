from odoo import fields, models

from .crm_phase_win_rate import DEFAULT_LOOKBACK_DAYS, DEFAULT_MIN_DEALS
from .crm_stage import DEFAULT_STALL_DAYS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_stall_days_contact = fields.Integer(
        string="Stalled after (Contact)",
        config_parameter="crm_project_stages.stall_days_contact",
        default=DEFAULT_STALL_DAYS["contact"],
    )
    crm_stall_days_design = fields.Integer(
        string="Stalled after (Solution Design)",
        config_parameter="crm_project_stages.stall_days_design",
        default=DEFAULT_STALL_DAYS["design"],
    )
    crm_stall_days_proof = fields.Integer(
        string="Stalled after (Solution Proof)",
        config_parameter="crm_project_stages.stall_days_proof",
        default=DEFAULT_STALL_DAYS["proof"],
    )
    crm_stall_days_tender = fields.Integer(
        string="Stalled after (Tender)",
        config_parameter="crm_project_stages.stall_days_tender",
        default=DEFAULT_STALL_DAYS["tender"],
    )
    crm_win_rate_lookback_days = fields.Integer(
        string="Look-back (days)",
        config_parameter="crm_project_stages.win_rate_lookback_days",
        default=DEFAULT_LOOKBACK_DAYS,
        help="Opportunities won or lost within this many days count in the win rates.",
    )
    crm_win_rate_min_deals = fields.Integer(
        string="Minimum closed deals",
        config_parameter="crm_project_stages.win_rate_min_deals",
        default=DEFAULT_MIN_DEALS,
        help="A team needs at least this many won or lost deals in a phase for a rate of its "
        "own; below it, the company-wide rate applies, and below it there too, the default.",
    )
