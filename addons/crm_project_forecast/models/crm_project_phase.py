from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The categories of the forecast an open opportunity can be in.
FORECAST_CATEGORIES = [
    ("pipeline", "Pipeline"),
    ("best_case", "Best Case"),
    ("commit", "Commit"),
    ("omitted", "Omitted"),
]


class CrmProjectPhase(models.Model):
    _inherit = "crm.project.phase"

    default_win_rate = fields.Float(
        string="Default Win Rate (%)",
        digits=(5, 1),
        help="Probability of winning a deal in this phase while a company has too little "
        "history of its own (CRM → Configuration → Phase Win Rates).",
    )
    forecast_category = fields.Selection(
        FORECAST_CATEGORIES[:3],
        string="Forecast Category",
        default="pipeline",
        required=True,
        help="Where an open opportunity in this phase counts in the forecast, until its rep "
        "puts it in another category.",
    )

    @api.model
    def _get_table_fields(self):
        return [*super()._get_table_fields(), "default_win_rate", "forecast_category"]

    @api.constrains("default_win_rate")
    def _check_default_win_rate(self):
        if any(not 0 <= phase.default_win_rate <= 100 for phase in self):
            raise ValidationError(self.env._("A win rate lies between 0 and 100 %."))
