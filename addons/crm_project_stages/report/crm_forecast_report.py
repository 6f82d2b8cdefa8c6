from odoo import fields, models, tools

from ..models.crm_lead import FORECAST_CATEGORIES
from ..models.crm_sales_target import TARGET_PERIODS
from ..models.crm_stage import PROJECT_PHASES


class CrmForecastReport(models.Model):
    """The forecast next to the targets, for pivot and graph views: one row per opportunity
    (dated by its won date when won, else by its expected closing) and one per target (dated
    by the start of its period). Every measure adds up, so any grouping shows target, closed
    won, commit, best case, pipeline, weighted pipeline, forecast and gap side by side."""

    _name = "crm.forecast.report"
    _description = "Forecast Analysis"
    _auto = False
    _rec_name = "name"
    _order = "date desc, id"

    name = fields.Char(readonly=True)
    row_type = fields.Selection(
        [("opportunity", "Opportunity"), ("target", "Target")], string="Row", readonly=True
    )
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    target_id = fields.Many2one("crm.sales.target", string="Sales Target", readonly=True)
    target_level = fields.Selection(
        [("user", "Salesperson"), ("team", "Sales Team")], readonly=True
    )
    target_period = fields.Selection(TARGET_PERIODS, string="Target Period", readonly=True)
    date = fields.Date(
        readonly=True,
        help="Won date of won opportunities, expected closing of open ones, first day of the "
        "period of targets.",
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    project_phase = fields.Selection(PROJECT_PHASES, string="Phase", readonly=True)
    forecast_category = fields.Selection(
        [*FORECAST_CATEGORIES, ("won", "Closed Won")], string="Forecast Category", readonly=True
    )
    target_amount = fields.Monetary(string="Target", readonly=True, currency_field="currency_id")
    won_amount = fields.Monetary(string="Closed Won", readonly=True, currency_field="currency_id")
    commit_amount = fields.Monetary(string="Commit", readonly=True, currency_field="currency_id")
    best_case_amount = fields.Monetary(
        string="Best Case", readonly=True, currency_field="currency_id"
    )
    pipeline_amount = fields.Monetary(
        string="Pipeline", readonly=True, currency_field="currency_id"
    )
    weighted_amount = fields.Monetary(
        string="Weighted Pipeline", readonly=True, currency_field="currency_id"
    )
    forecast_amount = fields.Monetary(
        string="Forecast",
        readonly=True,
        currency_field="currency_id",
        help="Closed won plus weighted pipeline.",
    )
    gap_amount = fields.Monetary(
        string="Gap to Target",
        readonly=True,
        currency_field="currency_id",
        help="Target minus forecast: what is still missing (negative: above target).",
    )

    def _query(self):
        return """
            SELECT l.id * 2 AS id, l.name, 'opportunity' AS row_type, l.id AS lead_id,
                   NULL::int AS target_id, NULL AS target_level, NULL AS target_period,
                   CASE WHEN l.forecast_category = 'won' THEN l.date_won
                        ELSE l.date_deadline END AS date,
                   l.user_id, l.team_id, l.partner_id, l.company_id, co.currency_id,
                   l.project_phase, l.forecast_category,
                   0 AS target_amount,
                   CASE WHEN l.forecast_category = 'won' THEN l.expected_revenue ELSE 0 END
                       AS won_amount,
                   CASE WHEN l.forecast_category = 'commit' THEN l.expected_revenue ELSE 0 END
                       AS commit_amount,
                   CASE WHEN l.forecast_category = 'best_case' THEN l.expected_revenue ELSE 0 END
                       AS best_case_amount,
                   CASE WHEN l.forecast_category = 'pipeline' THEN l.expected_revenue ELSE 0 END
                       AS pipeline_amount,
                   CASE WHEN l.forecast_category IN ('pipeline', 'best_case', 'commit')
                        THEN l.forecast_revenue ELSE 0 END AS weighted_amount,
                   CASE WHEN l.forecast_category = 'won' THEN l.expected_revenue
                        WHEN l.forecast_category IN ('pipeline', 'best_case', 'commit')
                        THEN l.forecast_revenue ELSE 0 END AS forecast_amount,
                   -CASE WHEN l.forecast_category = 'won' THEN l.expected_revenue
                         WHEN l.forecast_category IN ('pipeline', 'best_case', 'commit')
                         THEN l.forecast_revenue ELSE 0 END AS gap_amount
              FROM crm_lead l
              LEFT JOIN res_company co ON co.id = l.company_id
             WHERE l.type = 'opportunity' AND l.forecast_category <> 'omitted'
            UNION ALL
            SELECT t.id * 2 + 1, t.name, 'target', NULL, t.id, t.target_level, t.period_type,
                   t.date_start, t.user_id, t.team_id, NULL, t.company_id, co.currency_id,
                   NULL, NULL,
                   t.amount, 0, 0, 0, 0, 0, 0, t.amount
              FROM crm_sales_target t
              JOIN res_company co ON co.id = t.company_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})")

    def action_open_document(self):
        self.ensure_one()
        record = self.lead_id or self.target_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }
