from collections import defaultdict, namedtuple
from contextlib import contextmanager

from odoo import api, models
from odoo.exceptions import MissingError
from odoo.tools import SQL

from .. import phase_sql
from .crm_lead import ENTERING
from .crm_lead_company_mixin import CHECKLIST_STATE, forget_checklist_state

# What waits to be recorded (see ``_queue_phase_events``), each a tuple under its key in the
# cursor's ``precommit.data`` (``_add_pending``): the phase events of opportunities,
PENDING = "crm_project_stages.phase_events"
PhaseEvent = namedtuple("PhaseEvent", "lead_id kind phase_id when user_id")
# the checklists to give: (opportunity id, sequence of the phase reached) pairs,
LINES_PENDING = "crm_project_stages.checklist_reach"
# the opportunities whose facts the history keeps changed since the last recording (ids),
FACTS_PENDING = "crm_project_stages.lead_facts"
# the opportunities whose company changed (ids: their rows follow it).
COMPANY_PENDING = "crm_project_stages.lead_company"
# ``_flush_phase_events`` is recording (it flushes the opportunities first).
RECORDING = "crm_project_stages.phase_events_recording"
# The facts a commit left waiting were set in this transaction
# (``crm.lead.phase.history._apply_stale_facts``).
STALE_APPLIED = "crm_project_stages.stale_facts_applied"
# The fields of history rows the statements write besides their stays (``phase_sql``): read
# again after them.
HISTORY_WRITTEN = (*phase_sql.STORED_FACTS, "write_uid", "write_date")
# The opportunity's fields the history keeps (``phase_sql.LEAD_FACTS``).
LEAD_FACT_FIELDS = tuple(phase_sql.LEAD_FACTS.values())


class CrmLead(models.Model):
    """What follows a phase change besides the opportunity's own fields - its history rows
    and its checklist lines - is recorded for all the opportunities changed since the last
    recording at once, not once per opportunity: Odoo converts leads one ``write`` at a time
    (``convert_opportunity``, the lead assignment), and a query per lead would make those
    paths grow with the number of leads.

    The events wait in the cursor's ``precommit.data`` (a transaction's, gone with a
    rollback) and are recorded as late as what reads them allows: the checklist lines an
    opportunity lacks, and the company of its rows, when a query reads rows of opportunities
    (``crm.lead.company.mixin``: checklist lines, problems, ...); the history (the stays and
    the facts of the opportunities they keep) when a query reads the history, before an
    opportunity is deleted, at the end of a batch (``_hold_phase_events``), and at the latest
    before the commit, after the ORM's last flush: two round trips for a stage move (a read of
    its history, one write), with the opportunities' columns written once (recording earlier
    would write them in two statements, before and after the recomputations that follow the
    move)."""

    _inherit = "crm.lead"

    def _queue_phase_events(self, kind, when=None, phase=None):
        """Record later (see the class), for each of these opportunities, ``kind``: "enter"
        (a stay in ``phase`` since ``when``, and the checklist of the phases up to it), "move"
        (the open stay closes at ``when``, one in ``phase`` opens), "close" (the open stay
        closes at ``when``), "reopen" (a stay in ``phase`` opens at ``when`` unless one is
        open), "lines" (the checklist of the phases up to ``phase``), "company" (the rows of
        the opportunity take its company)."""
        if not self:
            return
        phase_id = phase.id if phase else False
        if kind not in ("lines", "company"):
            self._add_pending(
                PENDING,
                (PhaseEvent(lead.id, kind, phase_id, when, lead.user_id.id) for lead in self),
            )
        if kind in ("enter", "lines"):
            sequence = self.env["crm.project.phase"]._get_phase_table()[phase_id]["sequence"]
            self._add_pending(LINES_PENDING, ((lead_id, sequence) for lead_id in self._ids))
        elif kind == "company":
            self._add_pending(COMPANY_PENDING, self._ids)
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

    def _add_pending(self, key, items):
        """Add ``items`` to what waits to be recorded under ``key``, recorded at the latest
        before the commit. A new tuple, the one waiting is never changed in place: Odoo's
        test cases restore ``precommit.data`` from a shallow copy after each test."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(key)
        if pending is None:
            precommit.add(self.env["crm.lead"]._commit_phase_events)
            pending = ()
        precommit.data[key] = pending + tuple(items)

    def _queue_company_change(self):
        """These opportunities changed company: their rows follow it
        (``crm.lead.company.mixin``) and their checklist gets the items of the new company,
        when next recorded."""
        self._queue_phase_events("company")
        self._queue_checklist()

    def _flush(self, fnames=None):
        # The opportunities whose facts kept by the history are written now: their history
        # rows follow, when next recorded.
        cache = self.env.cache
        dirty = cache.get_dirty_fields()
        changed = set()
        for name in LEAD_FACT_FIELDS:
            field = self._fields[name]
            if field in dirty:
                changed.update(cache.get_dirty_records(self, field)._ids)
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
            self._add_pending(FACTS_PENDING, changed)
        return res

    def unlink(self):
        # Odoo reads which history rows the deals have (their cascade), and with them the
        # rows' facts: the facts other deals wait for keep waiting (set by a read of the
        # facts, or the scheduled action), as if set already in this transaction.
        data = self.env.cr.precommit.data
        held = data.get(STALE_APPLIED)
        data[STALE_APPLIED] = True
        try:
            return super().unlink()
        finally:
            if held:
                data[STALE_APPLIED] = held
            else:
                data.pop(STALE_APPLIED, None)

    @contextmanager
    def _hold_phase_events(self):
        """Record what waits when the block ends: for Odoo's batches that write one
        opportunity at a time (the lead assignment), their history all at once at the end of
        the batch, whether it commits or not."""
        yield
        self._flush_phase_events(later=True)

    @api.model
    def _commit_phase_events(self):
        """At the commit: what waits is recorded, the facts of the history rows later
        (``_flush_phase_events``)."""
        self._flush_phase_events(later=True)

    @api.model
    def _flush_phase_events(self, facts=True, history=True, later=False):
        """Record what waits (``_queue_phase_events``) in a few set-based statements
        whatever the number of opportunities (``phase_sql``): the missing checklist lines
        inserted; with ``history``, the stays left closed and the new stays inserted, with the
        facts of the history rows of these opportunities and of the opportunities whose own
        facts the history keeps changed (``_flush``). Without ``facts``, only if events wait:
        those facts alone wait for a read of the history, the end of a batch or the commit.

        Without ``history`` (a query on the checklist lines), only the checklist lines, unless
        opportunities changed company (all their rows follow it then).

        ``later`` (a write path's end: the commit, a batch), the stays alone are written, in
        one statement without reading the history first, and the facts of the rows of these
        opportunities wait for the next read of their facts on the primary database or the
        scheduled action (``crm.lead.phase.history._apply_stale_facts``)."""
        data = self.env.cr.precommit.data
        if data.get(RECORDING):
            return
        if not history and not data.get(COMPANY_PENDING):
            if data.get(LINES_PENDING):
                self._give_checklist_lines(data.pop(LINES_PENDING))
            return
        if not (
            data.get(PENDING) or data.get(LINES_PENDING) or (facts and data.get(FACTS_PENDING))
        ):
            return
        data[RECORDING] = True
        try:
            # The statements read the opportunities' columns: written first (which notes the
            # facts it writes, see ``_flush``). At a write path's end, with the fields that
            # follow them (the forecast of a deal entering the pipeline): one UPDATE of the
            # opportunities rather than two.
            self.flush_model(None if later else [*LEAD_FACT_FIELDS, "company_id"])
            events = data.pop(PENDING, None) or ()
            reach = data.pop(LINES_PENDING, None)
            facts = set(data.pop(FACTS_PENDING, None) or ())
            moved = set(data.pop(COMPANY_PENDING, None) or ())
            by_lead = defaultdict(list)
            for event in events:
                by_lead[event.lead_id].append(event)
            # What the statements read: the phases, the items, the history as the ORM holds
            # it. The opportunities' company is read in SQL: the events of an opportunity gone
            # with a rollback to a savepoint of some code's own are left out, and the commit
            # goes on.
            self.env["crm.project.phase"].flush_model()
            self.env["crm.lead.phase.history"].flush_model()
            # Recording, the flushes of the statements below record nothing again, nor set
            # the facts waiting (a commit leaves its own waiting: ``later``).
            self._record_phase_stays(by_lead, facts, later)
            if reach:
                self._give_checklist_lines(reach)
            self._move_rows_to_company(sorted(moved))
        finally:
            del data[RECORDING]

    @api.model
    def _record_phase_stays(self, by_lead, facts, later=False):
        """Replay each opportunity's events: the stays open in the database close at its first
        "close" or "move" (or a "reopen" with nothing opened before it); the stays the events
        open are inserted, closed by the next event that closes one. Then the facts of the
        history rows of these opportunities and of the opportunities of ids ``facts`` (whose
        own facts the history keeps changed) are set - or, ``later``, wait
        (``_write_stays_later``)."""
        closing = {}
        stays = []
        opened = set()
        for lead_id, events in by_lead.items():
            current = None  # the stay opened by these events, still open
            for event in events:
                if event.kind == "reopen" and current:
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
                    ]
                    stays.append(current)
                    opened.add(lead_id)
        changed = {*closing, *(stay[0] for stay in stays), *facts}
        if changed:
            if later:
                self._write_stays_later(sorted(changed), closing, stays)
            else:
                self._write_phase_history(sorted(changed), closing, stays)
            self.env["crm.lead.phase.history"].invalidate_model(HISTORY_WRITTEN, flush=False)

    @api.model
    def _write_phase_history(self, lead_ids, closing, stays):
        """Write the history of the opportunities of ids ``lead_ids`` in one plain read and
        one plain write: their open stays close at the dates of ``closing`` ({opportunity id:
        date}), the ``stays`` are inserted in their order (lists of opportunity id, phase id,
        date in, date out or None, salesperson id or None), and the facts of all their rows are
        computed here (``phase_sql.stay_facts``, the rule of ``phase_sql.history_facts``) from
        their rows and their opportunity read now, and written where they changed; each row is
        written once (a row written again in the transaction has its foreign keys checked
        again). One statement doing it all in SQL, with windows over the stays, cost more to
        plan than to run, on every stage move. The stays of an opportunity no longer in the
        database are left out."""
        cr = self.env.cr
        cr.execute(phase_sql.read_stays(lead_ids))
        leads, rows = {}, []
        width = 2 + len(LEAD_FACT_FIELDS)
        for values in cr.fetchall():
            lead_id = values[0]
            leads[lead_id] = values[1:width]
            row_id, phase_id, date_in, *stored = values[width:]
            if row_id is not None:
                date_out = stored[0]
                if date_out is None:
                    date_out = closing.get(lead_id)
                rows.append(
                    phase_sql.Stay(
                        row_id, lead_id, phase_id, date_in, date_out, 0, None, tuple(stored)
                    )
                )
        if not leads:
            return
        rows.extend(
            phase_sql.Stay(None, lead_id, phase_id, date_in, date_out, rank, user_id, None)
            for rank, (lead_id, phase_id, date_in, date_out, user_id) in enumerate(stays, 1)
            if lead_id in leads
        )
        updates, inserts = [], []
        phases = self.env["crm.project.phase"]._get_phase_table()
        lead_facts = {lead_id: values[1:] for lead_id, values in leads.items()}
        for row, facts in phase_sql.stay_facts(rows, lead_facts):
            if row.id is None:
                company_id = leads[row.lead_id][0]
                sequence = phases[row.phase_id]["sequence"]
                values = (row.lead_id, row.phase_id, sequence, row.date_in, row.user_id, company_id)
                inserts.append((row.rank, (*values, *facts)))
            elif facts != row.stored:
                updates.append((row.id, *facts))
        statement = phase_sql.write_stays(
            updates,
            [values for _rank, values in sorted(inserts, key=lambda insert: insert[0])],
            self.env.uid,
            self._stored_fact_types(),
        )
        if statement:
            cr.execute(statement)

    @api.model
    def _write_stays_later(self, lead_ids, closing, stays):
        """Write the stays of ``_write_phase_history`` (same arguments) in one statement,
        without reading the history: the open stays close, the new ones are inserted, and the
        opportunities of ids ``lead_ids`` wait for the facts of their rows
        (``phase_sql.write_stays_later``)."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        statement = phase_sql.write_stays_later(
            sorted(closing.items()),
            [
                (lead_id, phase_id, phases[phase_id]["sequence"], date_in, date_out, user_id)
                for lead_id, phase_id, date_in, date_out, user_id in stays
            ],
            lead_ids,
            self.env.uid,
        )
        if statement:
            # A conflict with the facts set since this transaction began (the open stay's row)
            # raises without a "bad query" in the log: Odoo runs the request again.
            self.env.cr.execute(statement, log_exceptions=False)
            # What this transaction left waiting is for its own next read too.
            self.env.cr.precommit.data.pop(STALE_APPLIED, None)

    @api.model
    def _stored_fact_types(self):
        """The SQL types of the stored facts of history rows (``phase_sql.STORED_FACTS``)."""
        fields = self.env["crm.lead.phase.history"]._fields
        return [fields[name].column_type[1] for name in phase_sql.STORED_FACTS]

    @api.model
    def _give_checklist_lines(self, pairs):
        """A line for every checklist item of the phases each opportunity has reached (up to
        the furthest phase sequence of its (opportunity id, sequence) ``pairs``), in its
        company, that it does not have yet."""
        reach = {}
        for lead_id, sequence in pairs:
            reach[lead_id] = max(reach.get(lead_id, sequence), sequence)
        self.env["crm.project.phase"].flush_model()
        self.env["crm.phase.checklist.item"].flush_model()
        self.flush_model(["company_id"])
        kept = self.env.cr.precommit.data.get(CHECKLIST_STATE) or {}
        if all(lead_id in kept for lead_id in reach) and self._give_known_checklist_lines(
            reach, kept
        ):
            return
        forget_checklist_state(self.env)
        self.env.cr.execute(
            phase_sql.checklist_lines(
                SQL(
                    """SELECT r.id, o.company_id, r.reach
                         FROM unnest(%s::int[], %s::int[]) r(id, reach)
                         JOIN crm_lead o ON o.id = r.id""",
                    list(reach),
                    list(reach.values()),
                ),
                self.env.uid,
            )
        )

    @api.model
    def _give_known_checklist_lines(self, reach, kept):
        """``_give_checklist_lines`` for opportunities whose lines the transaction has read
        (``kept``: {opportunity id: ``ChecklistState``}, a gated move's): the lines they lack
        are known without reading them - the items of ``crm.phase.checklist.item.
        _get_items_applying`` (the same rule as ``phase_sql.checklist_lines``) they have no
        line of - and inserted as such, in a statement quicker to plan; what it inserts is added
        to what the transaction keeps (the card's counts read nothing after). False, with
        nothing done, for an opportunity no longer in the database (a rollback to a savepoint
        of some code's own): the rule's statement leaves it out."""
        Item = self.env["crm.phase.checklist.item"]
        phases = self.env["crm.project.phase"]._get_phase_table()
        try:
            # Their company as the database holds it (flushed), whoever may read them.
            companies = {lead.id: lead.company_id.id for lead in self.sudo().browse(list(reach))}
        except MissingError:
            return False
        rows = [
            SQL(
                "(%s, %s, %s, %s, %s)",
                lead_id,
                item.id,
                item.phase_id,
                phases[item.phase_id]["sequence"],
                item.sequence,
            )
            for lead_id, company_id in companies.items()
            for item in Item._get_items_applying(company_id, up_to=reach[lead_id])
            if item.id not in kept[lead_id].items
        ]
        if not rows:
            return True
        self.env.cr.execute(phase_sql.known_checklist_lines(SQL(", ").join(rows), self.env.uid))
        for lead_id, phase_id, item_id in self.env.cr.fetchall():
            state = kept[lead_id]
            lines, done = state.by_phase.get(phase_id, (0, 0))
            state.by_phase[phase_id] = (lines + 1, done)
            state.items.add(item_id)
        return True

    @api.model
    def _move_rows_to_company(self, lead_ids):
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
                "WITH c AS (SELECT l.id AS lead_id, l.company_id FROM crm_lead l"
                " WHERE l.id = ANY(%s)), %s SELECT 1",
                lead_ids,
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
