from odoo import fields, models, tools

from ..models.crm_stage import PHASE_ORDER, PROJECT_PHASES


class CrmFunnelReport(models.Model):
    """One row per opportunity and phase it entered (from the phase history): when it entered,
    how long it stayed, whether it is still there, moved on, was won or lost there."""

    _name = "crm.funnel.report"
    _description = "Project Funnel Analysis"
    _auto = False
    _rec_name = "lead_id"
    _order = "phase_sequence, date_entered desc"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    phase = fields.Selection(PROJECT_PHASES, readonly=True)
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
        string="Lost in This Phase", readonly=True, help="Lost while in this phase."
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
        phases = ",".join(f"'{phase}'" for phase in PHASE_ORDER)
        return f"""
            SELECT min(h.id) AS id,
                   h.lead_id,
                   h.phase,
                   array_position(ARRAY[{phases}]::varchar[], h.phase::varchar) - 1
                       AS phase_sequence,
                   min(h.date_in) AS date_entered,
                   l.user_id, l.team_id, l.partner_id, l.source_id, l.company_id,
                   l.lost_reason_id,
                   co.currency_id,
                   1 AS entered_count,
                   (bool_or(h.date_out IS NULL) AND l.active
                    AND NOT COALESCE(s.is_won, false))::int AS current_count,
                   (array_position(ARRAY[{phases}]::varchar[], l.phase_reached::varchar)
                    > array_position(ARRAY[{phases}]::varchar[], h.phase::varchar))::int
                       AS moved_on_count,
                   (l.active AND COALESCE(s.is_won, false))::int AS won_count,
                   (NOT l.active AND l.probability = 0)::int AS lost_count,
                   (NOT l.active AND l.probability = 0
                    AND l.project_phase = h.phase)::int AS lost_here_count,
                   CASE WHEN array_position(ARRAY[{phases}]::varchar[], l.phase_reached::varchar)
                           > array_position(ARRAY[{phases}]::varchar[], h.phase::varchar)
                        THEN 100.0 ELSE 0.0 END AS conversion_next,
                   CASE WHEN l.active AND COALESCE(s.is_won, false)
                        THEN 100.0 ELSE 0.0 END AS conversion_won,
                   sum(EXTRACT(EPOCH FROM COALESCE(h.date_out, now() at time zone 'UTC')
                                          - h.date_in)) / 86400.0 AS days_in_phase,
                   l.expected_revenue AS value
              FROM crm_lead_phase_history h
              JOIN crm_lead l ON l.id = h.lead_id
              LEFT JOIN crm_stage s ON s.id = l.stage_id
              LEFT JOIN res_company co ON co.id = l.company_id
             WHERE l.type = 'opportunity'
             GROUP BY h.lead_id, h.phase, l.id, s.is_won, co.currency_id
        """

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"CREATE OR REPLACE VIEW {self._table} AS ({self._query()})")
