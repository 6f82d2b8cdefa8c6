from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_lead_phase_history import FUNNEL_COLUMNS


class CrmFunnelReport(models.Model):
    """One row per opportunity and phase it entered: when it entered, how long it stayed (all
    its stays there, until now while it is still there), whether it is still there, moved on,
    was won or lost there. It reads the facts the phase history keeps on the first stay of each
    opportunity in each phase, with those of the opportunity (salesperson, team, outcome,
    furthest phase, revenue): nothing is grouped, nothing joined for the funnel's figures, so
    a period filter (on the first stay's entry) reads only the index entries of the period."""

    _name = "crm.funnel.report"
    _description = "Project Funnel Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "phase_sequence, date_entered desc"
    # What the view reads: the ORM writes it to the database before the view is queried.
    _depends = {
        "crm.lead.phase.history": [
            *FUNNEL_COLUMNS,
            "date_in",
            "company_id",
            "is_first_entry",
            "lead_type",
        ],
        "crm.lead": ["partner_id", "source_id", "lost_reason_id"],
        "res.company": ["currency_id"],
    }

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    phase_id = fields.Many2one("crm.project.phase", string="Phase", readonly=True)
    phase_sequence = fields.Integer(readonly=True, aggregator="min")
    date_entered = fields.Datetime(string="Entered On", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    source_id = fields.Many2one("utm.source", string="Source", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", string="Lost Reason", readonly=True)
    entered_count = fields.Integer(string="Opportunities Entered", readonly=True)
    current_count = fields.Integer(string="In Phase Now", readonly=True)
    moved_on_count = fields.Integer(string="Moved On", readonly=True)
    won_count = fields.Integer(string="Won", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    lost_here_count = fields.Integer(
        string="Lost in This Phase",
        readonly=True,
        help="Lost (or cancelled) while in this phase.",
    )
    conversion_next = fields.Float(
        string="Conversion to Next Phase (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the opportunities that entered the phase and reached a later one.",
    )
    conversion_won = fields.Float(
        string="Conversion to Won (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the opportunities that entered the phase and were won.",
    )
    days_in_phase = fields.Float(
        string="Days in Phase",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Days spent in the phase (until now while it is still there); averaged.",
    )
    value = fields.Monetary(
        string="Value", readonly=True, currency_field="currency_id", help="Expected revenue."
    )
    currency_id = fields.Many2one("res.currency", readonly=True)

    def _query(self):
        # Every column the dashboard's funnel reads comes from the first stay itself (its
        # facts and those of the opportunity it keeps, see crm.lead.phase.history): the
        # opportunity and its company are joined for the other columns only, so that PostgreSQL
        # leaves them out of the funnel's query, which reads one index.
        return SQL(
            """
            SELECT f.id,
                   f.lead_id,
                   f.phase_id,
                   f.phase_sequence,
                   f.date_in AS date_entered,
                   f.lead_user_id AS user_id,
                   f.lead_team_id AS team_id,
                   l.partner_id, l.source_id,
                   f.company_id,
                   l.lost_reason_id,
                   co.currency_id,
                   1 AS entered_count,
                   (f.phase_open_since IS NOT NULL AND f.lead_outcome = 'open')::int
                       AS current_count,
                   (f.lead_phase_reached_sequence > f.phase_sequence)::int AS moved_on_count,
                   (f.lead_outcome = 'won')::int AS won_count,
                   (f.lead_outcome IN ('lost', 'cancelled'))::int AS lost_count,
                   (f.lead_outcome IN ('lost', 'cancelled') AND f.lead_phase_id = f.phase_id)::int
                       AS lost_here_count,
                   CASE WHEN f.lead_phase_reached_sequence > f.phase_sequence
                        THEN 100.0 ELSE 0.0 END AS conversion_next,
                   CASE WHEN f.lead_outcome = 'won' THEN 100.0 ELSE 0.0 END AS conversion_won,
                   CASE WHEN f.phase_open_since IS NULL THEN f.phase_closed_days
                        ELSE f.phase_closed_days
                             + date_part('epoch', (now() at time zone 'UTC')
                                                  - f.phase_open_since) / 86400
                   END AS days_in_phase,
                   f.lead_expected_revenue AS value,
                   -- What the days in the phase are made of (the funnel's medians look them
                   -- up in the history's indexes of them; no fields).
                   f.phase_closed_days, f.phase_open_since
              FROM crm_lead_phase_history f
              LEFT JOIN crm_lead l ON l.id = f.lead_id
              LEFT JOIN res_company co ON co.id = f.company_id
             WHERE f.is_first_entry AND f.lead_type = 'opportunity'
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
