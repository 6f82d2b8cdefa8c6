from collections import defaultdict, namedtuple
from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models
from odoo.tools import SQL

from .. import phase_sql
from .crm_lead import ENTERING

# The phase work of opportunities waiting for the next flush (see ``_queue_phase_events``).
PENDING = "crm_project_stages.phase_events"
PhaseEvent = namedtuple("PhaseEvent", "lead_id kind phase_id when user_id")
# Batches of Odoo's own that write opportunities one by one, flushing them in between (the
# lead assignment): the events wait for the end of the batch (``_hold_phase_events``).
HELD = ContextVar("crm_project_stages_phase_events_held", default=False)
# The opportunities whose facts the history keeps changed since the last flush (ids).
FACTS_PENDING = "crm_project_stages.lead_facts"
# ``_flush_phase_events`` is recording (it flushes the opportunities first).
RECORDING = "crm_project_stages.phase_events_recording"
# The stored facts of history rows (``phase_sql.history_facts``).
HISTORY_FACTS = (
    "duration",
    "is_first_entry",
    "phase_closed_days",
    "phase_open_since",
    *phase_sql.LEAD_FACTS,
)
# The opportunity's fields the history keeps (``phase_sql.LEAD_FACTS``).
LEAD_FACT_FIELDS = tuple(phase_sql.LEAD_FACTS.values())


class CrmLead(models.Model):
    """What follows a phase change besides the opportunity's own fields - its history rows
    and its checklist lines - is recorded once per flush for all the opportunities changed
    since the last one, not once per opportunity: Odoo converts leads one ``write`` at a time
    (``convert_opportunity``, the lead assignment), and a query per lead would make those
    paths grow with the number of leads.

    The events wait in the cursor's ``precommit.data`` (a transaction's, gone with a
    rollback) and are recorded before anything can read what they change: when the
    opportunities are flushed (unless a batch holds them, ``_hold_phase_events``), when a query
    reads history rows or checklist lines, before an opportunity is deleted, and at the latest
    before the commit."""

    _inherit = "crm.lead"

    def _queue_phase_events(self, kind, when=None, phase=None):
        """Record at the next flush, for each of these opportunities, ``kind``: "enter" (a
        stay in ``phase`` since ``when``, and the checklist of the phases up to it), "move"
        (the open stay closes at ``when``, one in ``phase`` opens), "close" (the open stay
        closes at ``when``), "reopen" (a stay in ``phase`` opens at ``when`` unless one is
        open), "lines" (the checklist of the phases up to ``phase``), "company" (the rows of
        the opportunity take its company)."""
        if not self:
            return
        events = self._pending_phase_events(PENDING, list)
        phase_id = phase.id if phase else False
        events.extend(PhaseEvent(lead.id, kind, phase_id, when, lead.user_id.id) for lead in self)
        # What the events change is read again, after they are recorded (the cache alone:
        # invalidate_recordset would flush the lines and the history at once).
        self.env.cache.invalidate(
            [
                (self._fields[name], self._ids)
                for name in (
                    "phase_history_ids",
                    "checklist_line_ids",
                    "checklist_count",
                    "checklist_done_count",
                )
            ]
        )

    def _pending_phase_events(self, key, factory):
        """The container of what waits for the next flush under ``key`` (made by
        ``factory``), recorded at the latest before the commit."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(key)
        if pending is None:
            pending = precommit.data[key] = factory()
            precommit.add(self.env["crm.lead"]._flush_phase_events)
        return pending

    def _queue_company_change(self):
        """These opportunities changed company: their rows follow it
        (``crm.lead.company.mixin``) and their checklist gets the items of the new company, at
        the next flush."""
        self._queue_phase_events("company")
        self._queue_checklist()

    def _flush(self, fnames=None):
        # The opportunities whose facts kept by the history are written now: their history
        # rows follow (at the end of a batch that holds the events).
        cache = self.env.cache
        changed = set()
        for name in LEAD_FACT_FIELDS:
            changed.update(cache.get_dirty_records(self, self._fields[name])._ids)
        if changed:
            # Leads not in the pipeline have no history (when one enters, its stays are
            # recorded with its facts): known from the cache, without a query.
            # Nor do the leads of a batch that enter it together at its end
            # (``_batch_pipeline_entry``).
            phase = self._fields["phase_id"]
            moving = set(cache.get_dirty_records(self, phase)._ids)
            entering = {lead_id for leads in ENTERING.get() or () for lead_id in leads._ids}
            changed = {
                lead_id
                for lead_id in changed
                if lead_id not in entering
                and (lead_id in moving or cache.get(self.browse(lead_id), phase, True))
            }
        res = super()._flush(fnames)  # pylint: disable=assignment-from-none
        if changed:
            self._pending_phase_events(FACTS_PENDING, set).update(changed)
        if not HELD.get():
            # The facts alone wait for what reads the history (or the commit): a write
            # flushes the opportunity more than once, its events come with the last flush.
            self._flush_phase_events(facts=False)
        return res

    @contextmanager
    def _hold_phase_events(self):
        """Within the block, flushing opportunities leaves their phase events waiting (a
        query on the history or the checklist, or a commit, still records them); they are
        recorded together when it ends. For Odoo's batches that write one opportunity at a
        time and flush it before the next (the lead assignment)."""
        token = HELD.set(True)
        try:
            yield
        finally:
            HELD.reset(token)
        self._flush_phase_events()

    @api.model
    def _flush_phase_events(self, facts=True):
        """Record the events waiting (``_queue_phase_events``) in a few set-based statements
        whatever the number of opportunities (``phase_sql``): the stays left closed, the new
        stays inserted, the facts of their history updated, the missing checklist lines
        inserted, with the facts of the history rows of the opportunities whose own facts the
        history keeps changed (``_flush``). Without ``facts``, only if events wait: those facts
        alone wait for a read of the history, the end of a batch or the commit."""
        data = self.env.cr.precommit.data
        if data.get(RECORDING) or not (data.get(PENDING) or (facts and data.get(FACTS_PENDING))):
            return
        data[RECORDING] = True
        try:
            # The statements read the opportunities' columns: written first (which notes the
            # facts it writes, see ``_flush``).
            self.flush_model([*LEAD_FACT_FIELDS, "company_id"])
        finally:
            del data[RECORDING]
        events = data.pop(PENDING, None) or []
        facts = data.pop(FACTS_PENDING, None) or set()
        by_lead = defaultdict(list)
        for event in events:
            by_lead[event.lead_id].append(event)
        leads = self.sudo().browse(by_lead)
        companies = {lead.id: lead.company_id.id or None for lead in leads}
        # What the statements read: the phases, the items, the history as the ORM holds it.
        self.env["crm.project.phase"].flush_model()
        self.env["crm.phase.checklist.item"].flush_model()
        self.env["crm.lead.phase.history"].flush_model()
        self._record_phase_stays(by_lead, companies, facts)
        self._give_checklist_lines(by_lead, companies)
        self._move_rows_to_company(
            [
                lead_id
                for lead_id, events in by_lead.items()
                if any(e.kind == "company" for e in events)
            ],
            companies,
        )

    @api.model
    def _record_phase_stays(self, by_lead, companies, facts):
        """Replay each opportunity's events: the stays open in the database close at its first
        "close" or "move" (or a "reopen" with nothing opened before it); the stays the events
        open are inserted, closed by the next event that closes one. Then the facts of the
        history rows of these opportunities and of the opportunities of ids ``facts`` (whose
        own facts the history keeps changed) are set."""
        closing = {}
        stays = []
        opened = set()
        for lead_id, events in by_lead.items():
            current = None  # the stay opened by these events, still open
            for event in events:
                if event.kind in ("lines", "company") or (event.kind == "reopen" and current):
                    continue
                if event.kind in ("move", "close", "reopen"):
                    if current:
                        current[3] = event.when
                        current = None
                    elif lead_id not in opened:
                        closing.setdefault(lead_id, event.when)
                if event.kind != "close":
                    current = [
                        lead_id,
                        event.phase_id,
                        event.when,
                        None,
                        event.user_id or None,
                        companies[lead_id],
                    ]
                    stays.append(current)
                    opened.add(lead_id)
        statements = []
        if closing:
            statements.append(
                SQL(
                    """
                    UPDATE crm_lead_phase_history h
                       SET date_out = c.date_out, write_uid = %(uid)s,
                           write_date = (now() at time zone 'UTC')
                      FROM unnest(%(leads)s::int[], %(dates)s::timestamp[]) c(lead_id, date_out)
                     WHERE h.lead_id = ANY(%(leads)s) AND h.lead_id = c.lead_id
                       AND h.date_out IS NULL
                    """,
                    leads=list(closing),
                    dates=list(closing.values()),
                    uid=self.env.uid,
                )
            )
        if stays:
            columns = list(zip(*stays, strict=True))
            statements.append(
                phase_sql.insert_history(
                    SQL(
                        """unnest(%s::int[], %s::int[], %s::timestamp[], %s::timestamp[],
                                  %s::int[], %s::int[]) WITH ORDINALITY
                           s(lead_id, phase_id, date_in, date_out, user_id, company_id, rank)""",
                        *[list(column) for column in columns],
                    ),
                    self.env.uid,
                    order=SQL("s.rank"),
                )
            )
        cr = self.env.cr
        if len(statements) == 2:
            # One round trip: the stays are closed (a data-modifying WITH) as the new ones go in.
            cr.execute(SQL("WITH closed AS (%s RETURNING h.id) %s", *statements))
        elif statements:
            cr.execute(statements[0])
        changed = {*closing, *(stay[0] for stay in stays), *facts}
        if changed:
            cr.execute(phase_sql.history_facts(leads=sorted(changed)))
            self.env["crm.lead.phase.history"].invalidate_model(
                ["date_out", *HISTORY_FACTS], flush=False
            )

    @api.model
    def _give_checklist_lines(self, by_lead, companies):
        """A line for every checklist item of the phases each opportunity has reached (up to
        the furthest phase of its events), in its company, that it does not have yet."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        reach = {}
        for lead_id, events in by_lead.items():
            sequences = [
                phases[event.phase_id]["sequence"]
                for event in events
                if event.kind in ("enter", "lines")
            ]
            if sequences:
                reach[lead_id] = max(sequences)
        if reach:
            self.env.cr.execute(
                phase_sql.checklist_lines(
                    SQL(
                        "unnest(%s::int[], %s::int[], %s::int[]) l(id, company_id, reach)",
                        list(reach),
                        [companies[lead_id] for lead_id in reach],
                        list(reach.values()),
                    ),
                    self.env.uid,
                )
            )

    @api.model
    def _move_rows_to_company(self, lead_ids, companies):
        """The rows of these opportunities (every model of ``crm.lead.company.mixin``) take
        the opportunity's company."""
        if not lead_ids:
            return
        names = self.env.registry.descendants(["crm.lead.company.mixin"], "_inherit")
        models = [
            model
            for model in (self.env[name] for name in names)
            if not model._abstract and model._auto
        ]
        for model in models:
            model.flush_model(["lead_id", "company_id"])
        # One statement for every kind of row.
        self.env.cr.execute(
            SQL(
                "WITH c AS (SELECT * FROM unnest(%s::int[], %s::int[]) c(lead_id, company_id)), "
                "%s SELECT 1",
                lead_ids,
                [companies[lead_id] for lead_id in lead_ids],
                SQL(", ").join(
                    SQL(
                        """%(name)s AS (
                            UPDATE %(table)s t SET company_id = c.company_id FROM c
                             WHERE t.lead_id = c.lead_id
                               AND t.company_id IS DISTINCT FROM c.company_id)""",
                        name=SQL.identifier(f"rows_{index}"),
                        table=SQL.identifier(model._table),
                    )
                    for index, model in enumerate(models)
                ),
            )
        )
        for model in models:
            model.invalidate_model(["company_id"], flush=False)
