import logging
from collections import defaultdict

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from .. import phase_sql
from .crm_lead import OUTCOMES
from .crm_lead_phase_events import HISTORY_WRITTEN, LEAD_FACT_FIELDS, RECORDING, STALE_APPLIED

_logger = logging.getLogger(__name__)

# The history's stored facts, whose reads set the facts waiting first.
STORED_FACT_SET = frozenset(phase_sql.STORED_FACTS)
# The key of the transaction lock of whoever sets the facts waiting (``_apply_stale_facts``).
STALE_LOCK = 0x63726D5F


FUNNEL_INDEX = "crm_lead_phase_history_funnel_idx"
# The columns of a first stay the funnel reads besides its entry and company (see ``init``;
# the opportunity's id too: PostgreSQL asks for it when it leaves out the view's joins).
FUNNEL_COLUMNS = [
    "phase_id",
    "phase_sequence",
    "phase_closed_days",
    "phase_open_since",
    "lead_user_id",
    "lead_team_id",
    "lead_outcome",
    "lead_phase_id",
    "lead_phase_reached_sequence",
    "lead_expected_revenue",
    "lead_id",
]


class CrmLeadPhaseHistory(models.Model):
    """One row per stay of an opportunity in a phase. Besides the stay itself, the first stay
    of an opportunity in a phase holds the facts of all its stays there (days of the closed
    ones, since when it is there now): the funnel reads one row per opportunity and phase,
    with nothing to group or add up (see ``crm.funnel.report``)."""

    _name = "crm.lead.phase.history"
    _inherit = ["crm.lead.company.mixin"]
    _description = "Opportunity Phase History"
    _order = "lead_id, date_in, id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    phase_id = fields.Many2one(
        "crm.project.phase", string="Phase", required=True, index=True, ondelete="restrict"
    )
    phase_sequence = fields.Integer(related="phase_id.sequence", store=True, string="Phase Order")
    date_in = fields.Datetime(string="Entered", required=True, default=fields.Datetime.now)
    date_out = fields.Datetime(string="Left", index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        help="Salesperson of the opportunity when it entered the phase.",
    )
    days = fields.Float(
        string="Days in Phase",
        compute="_compute_days",
        digits=(16, 1),
        help="Days between entering and leaving the phase (until now while it is current).",
    )
    # Days are stored as floats (no digits: double precision, exact to the second), as the
    # install and the funnel compute them in SQL.
    duration = fields.Float(
        string="Days (closed stay)",
        compute="_compute_duration",
        store=True,
        help="Days between entering and leaving the phase, once left.",
    )
    is_first_entry = fields.Boolean(
        string="First Entry",
        compute="_compute_phase_facts",
        store=True,
        help="The first stay of the opportunity in this phase: when it entered the phase.",
    )
    phase_closed_days = fields.Float(
        string="Days in Phase (left stays)",
        compute="_compute_phase_facts",
        store=True,
        help="On the first stay: the days of every stay of the opportunity in this phase that "
        "has ended.",
    )
    phase_open_since = fields.Datetime(
        string="In Phase Now Since",
        compute="_compute_phase_facts",
        store=True,
        help="On the first stay: since when the opportunity is in this phase now, if it is.",
    )

    # ------------------------------------------------------------------ the opportunity now
    # What the funnel reads of the opportunity, kept on its first stay in each phase (the
    # funnel reads one index of the first stays, ``init``, never the opportunities
    # themselves; the other stays keep none, so that a move rewrites fewer rows): written in
    # SQL with the stays' facts, for every opportunity whose facts or stays changed since they
    # were last recorded (``crm.lead._flush_phase_events``, ``phase_sql.stay_facts``), not
    # related fields: those would cost a query per opportunity when Odoo writes them one by
    # one.
    lead_type = fields.Selection(
        [("lead", "Lead"), ("opportunity", "Opportunity")],
        string="Opportunity Type",
        readonly=True,
    )
    lead_user_id = fields.Many2one("res.users", string="Salesperson Now", readonly=True)
    lead_team_id = fields.Many2one("crm.team", string="Sales Team Now", readonly=True)
    lead_outcome = fields.Selection(OUTCOMES, string="Outcome", readonly=True)
    lead_phase_id = fields.Many2one("crm.project.phase", string="Phase Now", readonly=True)
    lead_phase_reached_sequence = fields.Integer(string="Furthest Phase Order", readonly=True)
    lead_expected_revenue = fields.Monetary(
        string="Expected Revenue", currency_field="lead_currency_id", readonly=True
    )
    lead_currency_id = fields.Many2one(related="lead_id.company_currency")

    @api.depends("date_in", "date_out")
    def _compute_days(self):
        now = fields.Datetime.now()
        for row in self:
            end = row.date_out or now
            row.days = (end - row.date_in).total_seconds() / 86400.0 if row.date_in else 0.0

    @api.depends("date_in", "date_out")
    def _compute_duration(self):
        for row in self:
            if row.date_in and row.date_out:
                row.duration = (row.date_out - row.date_in).total_seconds() / 86400.0
            else:
                row.duration = 0.0

    @api.depends(
        "lead_id.phase_history_ids.phase_id",
        "lead_id.phase_history_ids.date_in",
        "lead_id.phase_history_ids.date_out",
    )
    def _compute_phase_facts(self):
        """The first stay of each (opportunity, phase) by entry, then id; it adds up the
        closed stays and notes the open one (see ``phase_sql.history_facts``, the same in
        SQL for the install)."""
        stays = defaultdict(list)
        for row in self.lead_id.phase_history_ids | self:
            stays[row.lead_id.id, row.phase_id.id].append(row)
        facts = {}
        for rows in stays.values():
            rows.sort(key=lambda row: (row.date_in or fields.Datetime.now(), row.id or 0))
            facts[rows[0]] = (
                sum(
                    (row.date_out - row.date_in).total_seconds() / 86400.0
                    for row in rows
                    if row.date_out and row.date_in
                ),
                next((row.date_in for row in rows if not row.date_out), False),
            )
        for row in self:
            first = row in facts
            row.is_first_entry = first
            row.phase_closed_days, row.phase_open_since = facts[row] if first else (0.0, False)

    @api.model
    def _record_phase_work(self, fnames=None):
        # A query on the history reads the stays the opportunities' waiting phase events
        # record (crm.lead._queue_phase_events) and the facts of the opportunities they keep:
        # recorded first; and, if it reads the facts (``fnames``: None for any), with the facts
        # left for later by the commits before.
        if self.env.cr.precommit.data.get(RECORDING):
            return
        if fnames is None or not STORED_FACT_SET.isdisjoint(fnames):
            self._apply_stale_facts()
        self.env["crm.lead"]._flush_phase_events()

    @api.model
    def _apply_stale_facts(self):
        """The facts of the history rows of the opportunities a commit left waiting
        (``crm.lead._flush_phase_events``, ``later``) are set, in SQL
        (``phase_sql.history_facts``), once per transaction (what others commit meanwhile is
        not in its snapshot; what it leaves waiting itself, once more). Never on a read-only
        cursor (a replica's reads see them once the primary has set them), never waiting for
        another transaction: while one sets them (a reader, the scheduled action), the others
        read the facts as they are; a conflict with a transaction that has set them or moved
        one of the opportunities since this one began leaves them all waiting (for the next
        read or run), and the transaction goes on."""
        cr = self.env.cr
        data = cr.precommit.data
        if cr.readonly or data.get(STALE_APPLIED):
            return
        data[STALE_APPLIED] = True
        # What the statement reads of the opportunities and the history: written first.
        data[RECORDING] = True
        try:
            self.env["crm.lead"].flush_model(LEAD_FACT_FIELDS)
            self.flush_model()
        finally:
            del data[RECORDING]
        try:
            with cr.savepoint(flush=False):
                # Statements that fail on a conflict raise without a "bad query" in the log.
                cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", STALE_LOCK))
                if not cr.fetchone()[0]:
                    return
                cr.execute(
                    SQL("DELETE FROM %s RETURNING lead_id", SQL.identifier(phase_sql.STALE_TABLE)),
                    log_exceptions=False,
                )
                lead_ids = sorted({lead_id for (lead_id,) in cr.fetchall()})
                if lead_ids:
                    cr.execute(phase_sql.history_facts(leads=lead_ids), log_exceptions=False)
        except psycopg2.extensions.TransactionRollbackError:
            _logger.info("Phase history facts: left waiting (a concurrent change).")
            return
        if lead_ids:
            self.invalidate_model(HISTORY_WRITTEN, flush=False)

    @api.model
    def _cron_apply_stale_facts(self):
        """Scheduled action: the facts the funnel reads, of the opportunities moved or changed
        since (``_apply_stale_facts``)."""
        self._apply_stale_facts()

    def init(self):
        # The opportunities whose rows' facts wait (``_apply_stale_facts``): a plain table,
        # written and read in SQL only, dropped with the history (``ir.model._drop_table``).
        self.env.cr.execute(
            SQL(
                "CREATE TABLE IF NOT EXISTS %s (lead_id int4 NOT NULL)",
                SQL.identifier(phase_sql.STALE_TABLE),
            )
        )
        funnel = "is_first_entry AND lead_type = 'opportunity'"
        closed_days, open_since = SQL("phase_closed_days"), SQL("phase_open_since")
        columns = SQL(", ").join(SQL.identifier(column) for column in FUNNEL_COLUMNS)
        for name, key, include, where in (
            # The funnel (crm.funnel.report) reads the first stays of opportunities entered
            # in a period: one index of them by entry, holding every column the funnel reads,
            # so that a quarter reads the quarter's entries and the whole span one index.
            (FUNNEL_INDEX, SQL("date_in, company_id"), SQL(" INCLUDE (%s)", columns), funnel),
            # Its medians read the first stays of a phase that lasted about so many days: by
            # the days of the stays that ended, by when the stays under way began.
            (
                "crm_lead_phase_history_closed_days_idx",
                SQL("phase_id, %s", closed_days),
                SQL(),
                f"{funnel} AND phase_open_since IS NULL",
            ),
            (
                "crm_lead_phase_history_open_days_idx",
                SQL("phase_id, %s", phase_sql.stay_origin(open_since, closed_days)),
                SQL(),
                f"{funnel} AND phase_open_since IS NOT NULL",
            ),
        ):
            if not index_exists(self.env.cr, name):
                self.env.cr.execute(
                    SQL(
                        "CREATE INDEX %s ON %s (%s)%s WHERE %s",
                        SQL.identifier(name),
                        SQL.identifier(self._table),
                        key,
                        include,
                        SQL(where),
                    )
                )
