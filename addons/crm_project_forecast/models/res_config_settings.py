from odoo import fields, models

from .crm_phase_win_rate import DEFAULT_LOOKBACK_DAYS, DEFAULT_MIN_DEALS, PARAM_PREFIX


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_win_rate_lookback_days = fields.Integer(
        string="Look-back (days)",
        config_parameter=PARAM_PREFIX + "win_rate_lookback_days",
        default=DEFAULT_LOOKBACK_DAYS,
        help="Opportunities won or lost within this many days count in the win rates.",
    )
    crm_win_rate_min_deals = fields.Integer(
        string="Minimum closed deals",
        config_parameter=PARAM_PREFIX + "win_rate_min_deals",
        default=DEFAULT_MIN_DEALS,
        help="A team needs at least this many won or lost deals in a phase for a rate of its "
        "own; below it, the company-wide rate applies, and below it there too, the default.",
    )
