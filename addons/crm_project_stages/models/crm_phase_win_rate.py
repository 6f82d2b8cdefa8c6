from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .crm_stage import PHASE_ORDER, PROJECT_PHASES

# Win rate of each phase when a company has too little history of its own (documented in the
# README): the share of deals that reach the phase and are won, as commonly seen in project
# selling.
DEFAULT_WIN_RATES = {"contact": 10.0, "design": 25.0, "proof": 45.0, "tender": 65.0}
DEFAULT_LOOKBACK_DAYS = 730
DEFAULT_MIN_DEALS = 20


class CrmPhaseWinRate(models.Model):
    _name = "crm.phase.win.rate"
    _description = "Phase Win Rate"
    _order = "company_id, team_id nulls first, phase_sequence"

    company_id = fields.Many2one("res.company", index=True, readonly=True)
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index=True,
        readonly=True,
        help="Empty: the company-wide rate, used for teams with too little history.",
    )
    phase = fields.Selection(PROJECT_PHASES, required=True, readonly=True)
    phase_sequence = fields.Integer(readonly=True)
    closed_count = fields.Integer(
        string="Closed Deals",
        readonly=True,
        help="Won and lost opportunities that reached this phase (or a later one) and were "
        "closed within the look-back period.",
    )
    won_count = fields.Integer(string="Won", readonly=True)
    lost_count = fields.Integer(string="Lost", readonly=True)
    own_rate = fields.Float(
        string="Own Win Rate (%)",
        digits=(5, 1),
        readonly=True,
        help="Won / (won + lost) of this team (or company).",
    )
    win_rate = fields.Float(
        string="Win Rate Used (%)",
        digits=(5, 1),
        readonly=True,
        help="The probability the forecast uses for opportunities in this phase.",
    )
    source = fields.Selection(
        [
            ("team", "Team history"),
            ("company", "Company history"),
            ("default", "Default (too little history)"),
        ],
        string="Based On",
        readonly=True,
    )
    date_computed = fields.Datetime(string="Computed On", readonly=True)

    # ------------------------------------------------------------------ actions

    def action_recompute(self):
        if not self.env.user.has_group("sales_team.group_sale_manager"):
            raise AccessError(_("Only Sales Managers can recompute the phase win rates."))
        self.env["crm.phase.win.rate"]._recompute_win_rates()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("Phase win rates recomputed from the closed opportunities."),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------ business

    @api.model
    def _get_win_rate_settings(self):
        get_param = self.env["ir.config_parameter"].sudo().get_param

        def as_int(key, default):
            try:
                return max(int(get_param(key, default) or default), 0)
            except ValueError:
                return default

        return (
            as_int("crm_project_stages.win_rate_lookback_days", DEFAULT_LOOKBACK_DAYS),
            as_int("crm_project_stages.win_rate_min_deals", DEFAULT_MIN_DEALS),
        )

    @api.model
    def _get_default_win_rates(self):
        return dict(DEFAULT_WIN_RATES)

    @api.model
    def _cron_recompute_win_rates(self):
        self._recompute_win_rates()

    @api.model
    def _recompute_win_rates(self):
        """Win rate of each phase per team and per company, from the opportunities closed
        within the look-back period, then the phase probability of every open opportunity.

        An opportunity counts for each phase up to the furthest it reached; won means in a
        Won stage, lost means lost (archived with probability 0) for another reason than a
        cancelled project. A team needs at least the minimum of closed deals in a phase for
        its own rate; below it the company-wide rate applies, and below the minimum there
        too, the default rate of the phase."""
        lookback, minimum = self._get_win_rate_settings()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            WITH closed AS (
                SELECT COALESCE(l.company_id, 0) AS company_id, l.team_id,
                       array_position(%(phases)s::varchar[], l.phase_reached::varchar) - 1
                           AS reached,
                       (l.active AND COALESCE(s.is_won, false)) AS won
                  FROM crm_lead l
                  LEFT JOIN crm_stage s ON s.id = l.stage_id
                  LEFT JOIN crm_lost_reason r ON r.id = l.lost_reason_id
                 WHERE l.type = 'opportunity'
                   AND l.phase_reached IS NOT NULL
                   AND l.date_closed BETWEEN (now() at time zone 'UTC')
                                             - make_interval(days => %(days)s)
                                         AND (now() at time zone 'UTC')
                   AND ((l.active AND s.is_won)
                        OR (NOT l.active AND l.probability = 0
                            AND NOT COALESCE(r.is_cancellation, false)))
            )
            SELECT company_id, CASE WHEN GROUPING(team_id) = 0 THEN team_id END, p.seq,
                   GROUPING(team_id) = 1 AS company_wide,
                   count(*) FILTER (WHERE reached >= p.seq),
                   count(*) FILTER (WHERE reached >= p.seq AND won)
              FROM closed
             CROSS JOIN generate_series(0, 3) AS p(seq)
             GROUP BY GROUPING SETS ((company_id, team_id, p.seq), (company_id, p.seq))
            """,
            {"phases": list(PHASE_ORDER), "days": lookback},
        )
        rows = cr.fetchall()
        defaults = self._get_default_win_rates()
        phases = list(PHASE_ORDER)
        company_rates = {}
        team_counts = []
        for company_id, team_id, seq, company_wide, closed, won in rows:
            if company_wide:
                company_rates[company_id, seq] = (closed, won)
            elif team_id:
                team_counts.append((company_id, team_id, seq, closed, won))
        now = fields.Datetime.now()
        vals_list = []
        effective = {}
        for (company_id, seq), (closed, won) in company_rates.items():
            phase = phases[seq]
            own = 100.0 * won / closed if closed else 0.0
            rate, source = (own, "company") if closed >= minimum and closed else (None, "default")
            if rate is None:
                rate = defaults[phase]
            effective[company_id, seq] = (rate, source)
            vals_list.append(
                self._rate_vals(company_id, False, phase, seq, closed, won, own, rate, source, now)
            )
        for company_id, team_id, seq, closed, won in team_counts:
            phase = phases[seq]
            own = 100.0 * won / closed if closed else 0.0
            if closed >= minimum and closed:
                rate, source = own, "team"
            else:
                rate, source = effective.get((company_id, seq), (defaults[phase], "default"))
            vals_list.append(
                self._rate_vals(
                    company_id, team_id, phase, seq, closed, won, own, rate, source, now
                )
            )
        self.sudo().search([]).unlink()
        self.sudo().create(vals_list)
        self.env["crm.lead"]._apply_phase_win_rates()
        return True

    @api.model
    def _rate_vals(self, company_id, team_id, phase, seq, closed, won, own, rate, source, now):
        return {
            "company_id": company_id or False,
            "team_id": team_id or False,
            "phase": phase,
            "phase_sequence": seq,
            "closed_count": closed,
            "won_count": won,
            "lost_count": closed - won,
            "own_rate": round(own, 1),
            "win_rate": round(rate, 1),
            "source": source,
            "date_computed": now,
        }

    @api.model
    def _get_rate_table(self):
        """{(company id or 0, team id or 0, phase): rate} of the last computation; a team
        without a row of its own uses its company's (team 0), a company without rows the
        defaults (see ``_lookup``)."""
        rows = self.sudo().search_fetch([], ["company_id", "team_id", "phase", "win_rate"])
        return {
            (row.company_id.id or 0, row.team_id.id or 0, row.phase): row.win_rate for row in rows
        }

    @api.model
    def _lookup(self, table, company_id, team_id, phase, defaults):
        for key in ((company_id or 0, team_id or 0, phase), (company_id or 0, 0, phase)):
            if key in table:
                return table[key]
        return defaults[phase]
