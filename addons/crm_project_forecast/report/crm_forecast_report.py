from odoo import fields, models, tools
from odoo.tools import SQL

from .. import forecast_sql
from ..models.crm_lead import CLOSED_WON
from ..models.crm_project_phase import FORECAST_CATEGORIES
from ..models.crm_sales_target import TARGET_PERIODS


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
    phase_id = fields.Many2one("crm.project.phase", string="Phase", readonly=True)
    forecast_category = fields.Selection(
        [*FORECAST_CATEGORIES, CLOSED_WON], string="Forecast Category", readonly=True
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
        """Opportunities dated by their forecast date, their amounts by category
        (``forecast_sql``), next to the targets dated by the start of their period."""
        forecast = forecast_sql.forecast_amount("l")
        return SQL(
            """
            SELECT l.id * 2 AS id, l.name, 'opportunity' AS row_type, l.id AS lead_id,
                   NULL::int AS target_id, NULL AS target_level, NULL AS target_period,
                   l.forecast_date AS date,
                   l.user_id, l.team_id, l.partner_id, l.company_id, co.currency_id,
                   l.phase_id, l.forecast_category,
                   0 AS target_amount,
                   %(won)s AS won_amount,
                   %(commit)s AS commit_amount,
                   %(best_case)s AS best_case_amount,
                   %(pipeline)s AS pipeline_amount,
                   %(weighted)s AS weighted_amount,
                   %(forecast)s AS forecast_amount,
                   -(%(forecast)s) AS gap_amount
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
            """,
            won=forecast_sql.category_amount("won", "l"),
            commit=forecast_sql.category_amount("commit", "l"),
            best_case=forecast_sql.category_amount("best_case", "l"),
            pipeline=forecast_sql.category_amount("pipeline", "l"),
            weighted=forecast_sql.weighted_amount("l"),
            forecast=forecast,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def action_open_document(self):
        self.ensure_one()
        record = self.lead_id or self.target_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
        }
