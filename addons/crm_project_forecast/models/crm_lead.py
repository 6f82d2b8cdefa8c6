import pytz

from odoo import _, api, fields, models
from odoo.addons.crm_project_stages.models.crm_lead_phase_gate import MANAGER_GROUP
from odoo.tools import SQL, float_round
from odoo.tools.sql import create_index

from .crm_project_phase import FORECAST_CATEGORIES

CLOSED_WON = ("won", "Closed Won")
# crm's dates of a deal the forecast counts by (its won date, the win rates' window, the
# funnel's closed deals): crm sets them at each move, win and loss; a Sales Manager may correct
# them (an import of past deals, say), a salesperson may not move a win into another period.
CLOSING_DATES = frozenset({"date_closed", "date_last_stage_update"})
# The fields whose change dates a win again (``_compute_date_won``), and the key under which
# the transaction notes the deals a write changed them on (``write``).
WON_DAY_INPUTS = (
    "date_closed",
    "date_last_stage_update",
    "stage_id",
    "user_id",
    "team_id",
    "company_id",
)
REDATED = "crm_project_forecast.won_day_redated"
# The fields of the forecast of an opportunity: only the server writes them.
FORECAST_FIELDS = frozenset(
    {
        "phase_probability",
        "forecast_category",
        "forecast_probability",
        "forecast_revenue",
        "date_won",
        "forecast_date",
    }
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    phase_probability = fields.Float(
        string="Phase Probability (%)",
        compute="_compute_forecast",
        store=True,
        digits=(5, 1),
        help="Historical win rate of the opportunity's phase: won / (won + lost) of the "
        "opportunities of its team (or company) that reached the phase.",
    )
    forecast_category_manual = fields.Selection(
        FORECAST_CATEGORIES,
        string="Forecast Category",
        tracking=True,
        copy=False,
        help="Set it to put the opportunity in another forecast category than its phase "
        "gives; the forecast then weighs it with your own probability instead of the "
        "phase probability. Leave empty to follow the phase.",
    )
    forecast_category = fields.Selection(
        [*FORECAST_CATEGORIES, CLOSED_WON],
        string="Forecast",
        compute="_compute_forecast",
        store=True,
        index=True,
        help="The category of the forecast the opportunity counts in: the rep's choice, or the "
        "one of its phase (Contact and Solution Design: Pipeline, Solution Proof: Best Case, "
        "Tender: Commit). Won: Closed Won; lost, cancelled or archived: Omitted.",
    )
    forecast_probability = fields.Float(
        string="Forecast Probability (%)",
        compute="_compute_forecast",
        store=True,
        digits=(5, 1),
        help="Probability the weighted forecast uses: the phase probability, or the rep's "
        "own when the rep chose the forecast category.",
    )
    forecast_revenue = fields.Monetary(
        string="Weighted Revenue",
        currency_field="company_currency",
        compute="_compute_forecast",
        store=True,
        help="Expected revenue times forecast probability.",
    )
    date_won = fields.Date(
        string="Won On",
        compute="_compute_date_won",
        store=True,
        index=True,
        help="Day the opportunity was won (its closing date, else its move to a Won stage) in "
        "its salesperson's time zone, else its company's, else UTC, as they were when it was "
        "won: the forecast counts it as closed won in the period of this day, whoever looks "
        "at it.",
    )
    forecast_date = fields.Date(
        string="Forecast Date",
        compute="_compute_forecast",
        store=True,
        index=True,
        help="The day that puts the opportunity in a period of the forecast: its won date "
        "when won, else its expected closing.",
    )
    cost_ids = fields.One2many("crm.lead.cost", "lead_id", string="Selling Expenses")
    selling_cost = fields.Monetary(
        string="Selling Cost",
        currency_field="company_currency",
        compute="_compute_selling_cost",
        help="Expenses entered on the opportunity plus its activities done, valued at the "
        "cost of their activity type.",
    )

    # ------------------------------------------------------------------ computes

    @api.depends(
        "phase_id",
        "team_id",
        "company_id",
        "phase_id.default_win_rate",
        "phase_id.forecast_category",
        "outcome",
        "forecast_category_manual",
        "probability",
        "expected_revenue",
        "company_currency",
        "date_won",
        "date_deadline",
    )
    def _compute_forecast(self):
        """The forecast of the opportunity, each field by its rule below, in one compute: a
        stage move changes them all, and the ORM's recompute costs per compute, not per
        field."""
        self._compute_phase_probability()
        self._compute_forecast_category()
        self._compute_forecast_probability()
        self._compute_forecast_date()

    def _compute_phase_probability(self):
        """The win rate of the opportunity's phase in its team, else its company, else the
        phase's default (``forecast_sql.phase_probability`` in SQL). The win rates change
        every night: ``crm.phase.win.rate._recompute_win_rates`` then marks the opportunities
        whose rate changed for this compute."""
        table = self.env["crm.phase.win.rate"]._get_rate_table()
        phases = self.env["crm.project.phase"]._get_phase_table()
        for lead in self:
            if not lead.phase_id:
                lead.phase_probability = 0.0
                continue
            company, phase = lead.company_id.id or 0, lead.phase_id.id
            for key in ((company, lead.team_id.id or 0, phase), (company, 0, phase)):
                if key in table:
                    lead.phase_probability = table[key]
                    break
            else:
                lead.phase_probability = phases[phase]["default_win_rate"]

    def _compute_forecast_category(self):
        """Closed Won when won, Omitted when lost, cancelled or archived; else the rep's
        category, else the phase's (``forecast_sql.forecast_category``)."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        for lead in self:
            if lead.outcome == "won":
                lead.forecast_category = "won"
            elif lead.outcome and lead.outcome != "open":
                lead.forecast_category = "omitted"
            else:
                phase = phases.get(lead.phase_id.id) or {}
                lead.forecast_category = (
                    lead.forecast_category_manual or phase.get("forecast_category") or "pipeline"
                )

    def _compute_forecast_probability(self):
        """100 % when won, 0 when omitted, the rep's probability when the rep chose the
        category, else the phase probability; the weighted revenue follows
        (``forecast_sql.forecast_probability``, ``forecast_sql.forecast_revenue``)."""
        roundings = {}
        for lead in self:
            if lead.forecast_category == "won":
                probability = 100.0
            elif lead.forecast_category == "omitted":
                probability = 0.0
            elif lead.forecast_category_manual:
                probability = lead.probability
            else:
                probability = lead.phase_probability
            lead.forecast_probability = probability
            revenue = (lead.expected_revenue or 0.0) * probability / 100.0
            currency = lead.company_currency
            if currency:
                if currency.id not in roundings:
                    roundings[currency.id] = currency.rounding
                # currency.round(revenue), without a look-up of the rounding per deal
                revenue = float_round(revenue, precision_rounding=roundings[currency.id])
            lead.forecast_revenue = revenue

    @api.depends("outcome", "date_closed", "date_last_stage_update", "user_id", "company_id")
    def _compute_date_won(self):
        """The day of the closing (or of the move to Won) in the time zone of the deal's
        salesperson, else of its company, else UTC: never the zone of whoever triggers the
        compute (``forecast_sql.date_won``). Not a dependency, the zones: a won deal keeps
        its day when a zone changes afterwards (a salesperson's own, or the company contact's
        that any contact editor may write), so that nobody moves a win into another period
        with a preference; a new closing date or salesperson (a Sales Manager's correction)
        dates it again, a value written again as it was does not (``_get_kept_won_days``)."""
        kept = self._get_kept_won_days()
        for lead in self:
            when = lead.date_closed or lead.date_last_stage_update
            if lead.outcome == "won" and when:
                day = kept.get(lead._origin.id)
                if not day:
                    zone = lead._get_forecast_tz()
                    day = pytz.UTC.localize(when).astimezone(zone).date()
                lead.date_won = day
            else:
                lead.date_won = False

    def _get_kept_won_days(self):
        """{deal id: won day as stored} of those of these deals that were won already and
        whose won day's inputs (``WON_DAY_INPUTS``) no write of this transaction changed: the
        ORM computes the day again whenever a field it depends on is written or computed,
        even to the value it had (the salesperson or the stage written again as they are, a
        phase's settings saved, the outcome computed again to Won), and the time zones of
        now are not those of the win. One query, for such deals only."""
        redated = self.env.cr.precommit.data.get(REDATED, frozenset())
        ids = [
            lead._origin.id
            for lead in self
            if lead._origin.id and lead._origin.id not in redated and lead.outcome == "won"
        ]
        if not ids:
            return {}
        self.env.cr.execute(
            SQL(
                """SELECT id, date_won FROM crm_lead
                    WHERE id = ANY(%s) AND outcome = 'won' AND date_won IS NOT NULL""",
                ids,
            )
        )
        return dict(self.env.cr.fetchall())

    def write(self, vals):
        changing = self._get_won_day_changes(vals)
        if changing:
            data = self.env.cr.precommit.data
            data[REDATED] = data.get(REDATED, frozenset()) | changing
        return super().write(vals)

    def _get_won_day_changes(self, vals):
        """The ids of these deals whose won day ``vals`` may date again: one of its inputs
        (``WON_DAY_INPUTS``) given a value other than the deal's."""
        changing = set()
        for name in WON_DAY_INPUTS:
            if name not in vals:
                continue
            field = self._fields[name]
            for lead in self:
                new = field.convert_to_cache(vals[name], lead)
                if new != field.convert_to_cache(lead[name], lead):
                    changing.add(lead.id)
        return frozenset(changing)

    def _compute_forecast_date(self):
        """The won date of a won deal, else its expected closing
        (``forecast_sql.forecast_date``)."""
        for lead in self:
            won = lead.forecast_category == "won"
            lead.forecast_date = lead.date_won if won else lead.date_deadline

    def _compute_selling_cost(self):
        real = self._origin.filtered("id")
        costs = {}
        if real:
            costs = dict(
                self.env["crm.selling.cost.report"]._read_group(
                    [("lead_id", "in", real.ids)], ["lead_id"], ["amount:sum"]
                )
            )
        for lead in self:
            lead.selling_cost = costs.get(lead._origin, 0.0)

    # ------------------------------------------------------------------ CRUD

    def init(self):
        res = super().init()
        # The dashboard counts the open opportunities without an expected closing date in
        # every period: a few rows among all, found without reading the table.
        create_index(
            self.env.cr,
            "crm_lead_undated_forecast_idx",
            self._table,
            ["forecast_category", "company_id"],
            where="date_deadline IS NULL AND type = 'opportunity' AND active",
        )
        return res

    # ------------------------------------------------------------------ actions

    def _merge_dependences(self, opportunities):
        """Merging opportunities (crm deletes the merged ones after): their selling expenses
        come to this one, and with them their cost of selling. Moved by the server: a user
        never moves an expense."""
        res = super()._merge_dependences(opportunities)
        opportunities.cost_ids.sudo().write({"lead_id": self.id})
        return res

    def action_open_selling_cost(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Cost of Selling"),
            "res_model": "crm.selling.cost.report",
            "view_mode": "list,pivot",
            "domain": [("lead_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_open_selling_expenses(self):
        """The expenses of the opportunity (Expenses on its form), to enter and correct."""
        self.ensure_one()
        self.check_access("read")
        view = self.env.ref("crm_project_forecast.crm_lead_cost_view_list")
        return {
            "type": "ir.actions.act_window",
            "name": _("Selling Expenses"),
            "res_model": "crm.lead.cost",
            "view_mode": "list",
            "views": [(view.id, "list")],
            "domain": [("lead_id", "=", self.id)],
            "context": {"default_lead_id": self.id},
        }

    # ------------------------------------------------------------------ business

    def _get_forecast_tz(self):
        """The time zone a deal's days are counted in: its salesperson's, else its
        company's, else UTC."""
        self.ensure_one()
        name = self.user_id.tz or (self.company_id or self.env.company).partner_id.tz or "UTC"
        try:
            return pytz.timezone(name)
        except pytz.UnknownTimeZoneError:
            return pytz.UTC

    @api.model
    def _get_columns_filled_on_install(self):
        return {
            **super()._get_columns_filled_on_install(),
            "phase_probability": "float8",
            "forecast_category": "varchar",
            "forecast_probability": "float8",
            "forecast_revenue": "numeric",
            "date_won": "date",
            "forecast_date": "date",
        }

    @api.model
    def _get_server_written_fields(self):
        """The forecast follows the phase, the outcome and the probabilities: none of its
        figures is a user's to write (they feed the whole team's forecast)."""
        return super()._get_server_written_fields() | FORECAST_FIELDS

    @api.model
    def _get_refused_fields(self, names, creating=False):
        refused = super()._get_refused_fields(names, creating)
        dates = set(names or ()) & CLOSING_DATES
        if dates and not self.env.user.has_group(MANAGER_GROUP):
            refused |= dates
        return refused

    @api.model
    def _get_refusal_hints(self, names):
        hints = super()._get_refusal_hints(names)
        if names & CLOSING_DATES:
            hints.append(self.env._("A Sales Manager can correct the dates of a deal."))
        if names & FORECAST_FIELDS:
            hints.append(
                self.env._("To put it in another forecast category, set Forecast Category.")
            )
        return hints
