from odoo import _, api, fields, models, tools
from odoo.addons.crm_project_stages.models.crm_lead_phase_gate import MANAGER_GROUP
from odoo.addons.crm_project_stages.models.crm_project_cached_mixin import (
    clear_tables,
    kept_for_transaction,
)
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import create_unique_index

DEFAULT_LOOKBACK_DAYS = 730
DEFAULT_MIN_DEALS = 20
PARAM_PREFIX = "crm_project_forecast."
RATE_FIELDS = ("closed_count", "won_count", "lost_count", "own_rate", "win_rate", "source")


class CrmPhaseWinRate(models.Model):
    """The win rate of a phase per sales team and per company, learnt every night from the
    deals closed lately. One row per (company, team or none, phase), kept and updated in place:
    the opportunities whose rate changes are recomputed (their phase probability, then their
    forecast probability and weighted revenue)."""

    _name = "crm.phase.win.rate"
    _description = "Phase Win Rate"
    _order = "company_id, team_id nulls first, phase_sequence"

    # Learnt again every night: the rates of a company or a team deleted go with it.
    company_id = fields.Many2one("res.company", index=True, readonly=True, ondelete="cascade")
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        index=True,
        readonly=True,
        ondelete="cascade",
        help="Empty: the company-wide rate, used for teams with too little history.",
    )
    phase_id = fields.Many2one(
        "crm.project.phase", string="Phase", required=True, readonly=True, ondelete="cascade"
    )
    phase_sequence = fields.Integer(related="phase_id.sequence", store=True, string="Phase Order")
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

    def init(self):
        # One row per (company, team or none, phase): the rows are updated in place.
        create_unique_index(
            self.env.cr,
            "crm_phase_win_rate_key_unique",
            self._table,
            ["COALESCE(company_id, 0)", "COALESCE(team_id, 0)", "phase_id"],
        )

    # ------------------------------------------------------------------ actions

    def action_recompute(self):
        if not self.env.user.has_group(MANAGER_GROUP):
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
                return max(int(get_param(PARAM_PREFIX + key, default) or default), 0)
            except ValueError:
                return default

        return (
            as_int("win_rate_lookback_days", DEFAULT_LOOKBACK_DAYS),
            as_int("win_rate_min_deals", DEFAULT_MIN_DEALS),
        )

    @api.model
    def _cron_recompute_win_rates(self):
        self._recompute_win_rates()

    @api.model
    def _recompute_win_rates(self, mark_leads=True):
        """Win rate of each phase per team and per company, from the opportunities closed
        within the look-back period; the rows are updated in place, and the opportunities
        whose rate changed take it (``crm.lead._compute_phase_probability``) unless
        ``mark_leads`` is false (the install, which fills them in SQL).

        An opportunity counts for each phase up to the furthest it reached; won and lost are
        its outcome (a cancelled project counts neither way). A team needs at least the
        minimum of closed deals in a phase for its own rate; below it the company-wide rate
        applies, and below the minimum there too, the default rate of the phase."""
        lookback, minimum = self._get_win_rate_settings()
        now = fields.Datetime.now()
        counts = self._closed_deal_counts(lookback)
        phases = self.env["crm.project.phase"].sudo().with_context(active_test=False).search([])
        new = {}
        for (company_id, team_id, phase_id), (closed, won) in counts.items():
            if team_id:
                continue
            own = 100.0 * won / closed if closed else 0.0
            rate, source = (own, "company") if closed and closed >= minimum else (None, "default")
            if rate is None:
                rate = phases.browse(phase_id).default_win_rate
            new[company_id, 0, phase_id] = (closed, won, own, rate, source)
        for (company_id, team_id, phase_id), (closed, won) in counts.items():
            if not team_id:
                continue
            own = 100.0 * won / closed if closed else 0.0
            if closed and closed >= minimum:
                rate, source = own, "team"
            else:
                rate, source = new[company_id, 0, phase_id][3:]
            new[company_id, team_id, phase_id] = (closed, won, own, rate, source)
        changed = self._store_rates(new, now)
        if mark_leads:
            self._mark_leads(changed)
        return True

    @api.model
    def _closed_deal_counts(self, lookback):
        """{(company id or 0, team id or 0 for the company, phase id): (closed, won)} of the
        opportunities won or lost within ``lookback`` days, for every phase they reached."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH closed AS (
                    SELECT COALESCE(l.company_id, 0) AS company_id, l.team_id,
                           l.phase_reached_sequence AS reached, l.outcome = 'won' AS won
                      FROM crm_lead l
                     WHERE l.type = 'opportunity'
                       AND l.phase_reached_sequence IS NOT NULL
                       AND l.outcome IN ('won', 'lost')
                       AND l.date_closed BETWEEN (now() at time zone 'UTC')
                                                 - make_interval(days => %(days)s)
                                             AND (now() at time zone 'UTC')
                )
                SELECT c.company_id, GROUPING(c.team_id) = 1, c.team_id, p.id,
                       count(*) FILTER (WHERE c.reached >= p.sequence),
                       count(*) FILTER (WHERE c.reached >= p.sequence AND c.won)
                  FROM closed c
                  JOIN crm_project_phase p
                    ON p.active AND (p.company_id IS NULL OR p.company_id = c.company_id)
                 GROUP BY GROUPING SETS ((c.company_id, c.team_id, p.id), (c.company_id, p.id))
                """,
                days=lookback,
            )
        )
        return {
            (company_id, 0 if company_wide else team_id, phase_id): (closed, won)
            for company_id, company_wide, team_id, phase_id, closed, won in self.env.cr.fetchall()
            if company_wide or team_id
        }

    @api.model
    def _store_rates(self, new, now):
        """Write the rates in place: rows whose figures change are updated, rows of new keys
        created, rows no deal backs any more keep no count and fall back to the company's
        rate or the default. Returns the (company id, phase id) whose rates changed."""
        Rate = self.sudo().with_context(active_test=False)
        Phase = self.env["crm.project.phase"].sudo().with_context(active_test=False)
        existing = {
            (row.company_id.id or 0, row.team_id.id or 0, row.phase_id.id): row
            for row in Rate.search([])
        }
        for key in set(existing) - set(new):
            company_id, team_id, phase_id = key
            fallback = new.get((company_id, 0, phase_id)) if team_id else None
            rate, source = (
                fallback[3:] if fallback else (Phase.browse(phase_id).default_win_rate, "default")
            )
            new[key] = (0, 0, 0.0, rate, source)
        changed = set()
        to_create = []
        for key, (closed, won, own, rate, source) in new.items():
            vals = {
                "closed_count": closed,
                "won_count": won,
                "lost_count": closed - won,
                "own_rate": round(own, 1),
                "win_rate": round(rate, 1),
                "source": source,
            }
            row = existing.get(key)
            if row is None:
                company_id, team_id, phase_id = key
                to_create.append(
                    dict(
                        vals,
                        company_id=company_id or False,
                        team_id=team_id or False,
                        phase_id=phase_id,
                        date_computed=now,
                    )
                )
                changed.add((key[0], key[2]))
            elif any(row[name] != value for name, value in vals.items()):
                row.write(dict(vals, date_computed=now))
                changed.add((key[0], key[2]))
            else:
                row.date_computed = now
        Rate.create(to_create)
        if changed:
            clear_tables(self.env)  # _get_rate_table
        return changed

    @api.model
    def _mark_leads(self, changed):
        """The opportunities of the (company, phase) whose rates changed take the new rates:
        their phase probability is recomputed, and what follows from it."""
        if not changed:
            return
        Lead = self.env["crm.lead"].sudo().with_context(active_test=False)
        domain = [
            ("type", "=", "opportunity"),
            ("outcome", "=", "open"),
            ("phase_id", "in", list({phase_id for _company, phase_id in changed})),
            ("company_id", "in", list({company or False for company, _phase in changed})),
        ]
        leads = Lead.search(domain)
        leads = leads.filtered(lambda lead: (lead.company_id.id or 0, lead.phase_id.id) in changed)
        # The phase probability is recomputed, and what depends on it after it.
        self.env.add_to_compute(Lead._fields["phase_probability"], leads)
        leads.modified(["phase_probability"])
        self.env.flush_all()

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_rate_table(self):
        """{(company id or 0, team id or 0, phase id): rate} of the last computation; a team
        without a row of its own uses its company's (team 0), a company without rows the
        phase's default (see ``crm.lead._compute_phase_probability``). Read once per worker,
        kept until the rates change (``_store_rates``; rows deleted with their phase)."""
        rows = self.sudo().search_fetch([], ["company_id", "team_id", "phase_id", "win_rate"])
        return {
            (row.company_id.id or 0, row.team_id.id or 0, row.phase_id.id): row.win_rate
            for row in rows
        }
