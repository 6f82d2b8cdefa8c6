from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import server_values
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index

from .crm_lead_company_mixin import CHECKLIST_STATE, ChecklistState
from .crm_stage import WON_STEP

# The addon's indexes on crm's table, for queries of crm's own (see ``init``): {name: (column,
# condition)}. crm's rainbow man reads the won deals of the salesperson or of the team; the lead
# assignment looks each lead's duplicates up by their email.
WON_DEALS = "probability = 100 AND active AND type = 'opportunity'"
CRM_LEAD_INDEXES = {
    "crm_lead_won_user_idx": ("user_id", WON_DEALS),
    "crm_lead_won_team_idx": ("team_id", WON_DEALS),
    "crm_lead_duplicate_email_idx": ("email_normalized", "email_normalized IS NOT NULL"),
}

OUTCOMES = [
    ("open", "Open"),
    ("won", "Won"),
    ("lost", "Lost"),
    ("cancelled", "Cancelled"),
    ("archived", "Archived"),
]


# Leads converted one write at a time by one of Odoo's batches, entering the pipeline together
# when it ends (``_batch_pipeline_entry``).
ENTERING = ContextVar("crm_project_stages_entering", default=None)
# The key of the pre-commit hook that lets them enter before a commit of the batch's own.
BATCH_BEFORE_COMMIT = "crm_project_stages.batch_before_commit"

# The fields of an opportunity only the server writes (the phase follows the stage).
PHASE_FIELDS = frozenset(
    {
        "phase_id",
        "phase_sequence",
        "phase_date_in",
        "phase_reached_id",
        "phase_reached_sequence",
        "outcome",
        "date_stalled",
    }
)


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.suite.server.fields.mixin"]
    # Odoo's own code writes computed fields of crm.lead: the mixin holds the ones named here.
    _server_fields_computed = False

    phase_id = fields.Many2one(
        "crm.project.phase",
        string="Phase",
        index=True,
        copy=False,
        ondelete="restrict",
        help="Phase of project selling the opportunity is in. It follows the stage; won and "
        "lost opportunities keep the phase they reached.",
    )
    phase_sequence = fields.Integer(
        string="Phase Order",
        compute="_compute_phase_state",
        store=True,
        help="Order of the phases on the way to Won.",
    )
    phase_date_in = fields.Datetime(
        string="In Phase Since", copy=False, help="When the opportunity entered its phase."
    )
    phase_reached_id = fields.Many2one(
        "crm.project.phase",
        string="Furthest Phase",
        copy=False,
        index=True,
        ondelete="restrict",
        help="The furthest phase the opportunity has reached.",
    )
    phase_reached_sequence = fields.Integer(
        string="Furthest Phase Order",
        compute="_compute_phase_state",
        store=True,
        help="Order of the phases on the way to Won.",
    )
    outcome = fields.Selection(
        OUTCOMES,
        compute="_compute_phase_state",
        store=True,
        index=True,
        help="Open; won (in a Won stage); lost (archived with probability 0) or cancelled (lost "
        "for a reason marked Project Cancelled: nobody won it); archived without being lost.",
    )
    date_stalled = fields.Datetime(
        string="Stalled From",
        compute="_compute_phase_state",
        store=True,
        index=True,
        help="When the opportunity counts as stalled if it stays in its phase: the day after "
        "the days the phase allows (in its company).",
    )
    days_in_phase = fields.Integer(string="Days in Phase", compute="_compute_days_in_phase")
    is_stalled = fields.Boolean(
        string="Stalled",
        compute="_compute_days_in_phase",
        search="_search_is_stalled",
        help="Open opportunity that has spent more days in its phase than the phase allows "
        "(CRM → Configuration → Project Phases).",
    )
    phase_history_ids = fields.One2many(
        "crm.lead.phase.history", "lead_id", string="Phase History", copy=False
    )
    checklist_line_ids = fields.One2many(
        "crm.lead.checklist.line", "lead_id", string="Checklist", copy=False
    )
    checklist_done_count = fields.Integer(compute="_compute_phase_counts")
    checklist_count = fields.Integer(compute="_compute_phase_counts")
    problem_ids = fields.One2many("crm.lead.problem", "lead_id", string="Problems", copy=False)
    open_problem_count = fields.Integer(string="Open Problems", compute="_compute_phase_counts")

    # ------------------------------------------------------------------ computes

    @api.depends(
        "phase_id.sequence",
        "phase_reached_id.sequence",
        "active",
        "probability",
        "stage_id.is_won",
        "lost_reason_id.is_cancellation",
        "phase_date_in",
        "phase_id.stall_days",
        "phase_id.company_limit_ids.stall_days",
        "phase_id.company_limit_ids.company_id",
        "company_id",
    )
    def _compute_phase_state(self):
        """Where the opportunity stands, each field by its rule below, in one compute: a stage
        move changes them all, and the ORM's recompute costs per compute, not per field."""
        self._compute_phase_sequences()
        self._compute_outcome()
        self._compute_date_stalled()

    def _compute_phase_sequences(self):
        """The order of the phase and of the furthest phase reached (from the phase table:
        ``crm.project.phase._get_phase_table``)."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        for lead in self:
            lead.phase_sequence = phases.get(lead.phase_id.id, {}).get("sequence", 0)
            lead.phase_reached_sequence = phases.get(lead.phase_reached_id.id, {}).get(
                "sequence", 0
            )

    def _compute_outcome(self):
        """The outcome of a deal, the one rule every report reads (see ``phase_sql.outcome``
        for the same rule in SQL, used by the install fill)."""
        steps = {}  # by stage: one look-up of the stage table per stage, not per deal
        for lead in self:
            if lead.active:
                stage = lead.stage_id
                if stage.id not in steps:
                    steps[stage.id] = stage._get_phase_step()
                lead.outcome = "won" if steps[stage.id] == WON_STEP else "open"
            elif lead.probability:
                lead.outcome = "archived"
            else:
                lead.outcome = "cancelled" if lead.lost_reason_id.is_cancellation else "lost"

    def _compute_date_stalled(self):
        limits = self.env["crm.project.phase"]._get_stall_limits()
        Phase = self.env["crm.project.phase"]
        for lead in self:
            if lead.phase_id and lead.phase_date_in:
                days = Phase._stall_days(limits, lead.phase_id.id, lead.company_id.id)
                lead.date_stalled = lead.phase_date_in + timedelta(days=days + 1)
            else:
                lead.date_stalled = False

    @api.depends("phase_date_in", "date_stalled", "outcome", "type")
    def _compute_days_in_phase(self):
        now = fields.Datetime.now()
        for lead in self:
            date_in, stalled_on = lead.phase_date_in, lead.date_stalled
            lead.days_in_phase = (now - date_in).days if date_in else 0
            # The day first: most deals of a page are not past it.
            lead.is_stalled = bool(
                stalled_on
                and stalled_on <= now
                and lead.outcome == "open"
                and lead.type == "opportunity"
            )

    def _search_is_stalled(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported"))
        stalled = [
            ("type", "=", "opportunity"),
            ("outcome", "=", "open"),
            ("date_stalled", "<=", fields.Datetime.now()),
        ]
        if (operator == "=") == value:
            return stalled
        return ["!", "&", "&", *stalled]

    def _compute_phase_counts(self):
        """The checklist items of the opportunity's phase, those done, and its open problems:
        one query for a page of cards (the kanban reads them for every card), none after a
        gated move (the gate read the opportunity's checklist: ``_read_checklist_state``).
        The lines and problems counted are the opportunity's own, in its company."""
        real = self.filtered(lambda lead: lead._origin.id)
        counts = {}
        if real:
            self.env["crm.lead.checklist.line"].flush_model(["lead_id", "phase_id", "done"])
            self.env["crm.lead.problem"].flush_model(["lead_id", "state"])
            # Read before the query: reading a phase may run a query of its own on the cursor.
            phases = {lead._origin.id: lead.phase_id.id for lead in real}
            kept = self.env.cr.precommit.data.get(CHECKLIST_STATE) or {}
            for lead_id, phase_id in phases.items():
                if lead_id in kept:
                    state = kept[lead_id]
                    counts[lead_id] = [*state.by_phase.get(phase_id, (0, 0)), state.problems]
            ids = [lead_id for lead_id in phases if lead_id not in kept]
            if ids:
                self.env.cr.execute(
                    SQL(
                        """
                        SELECT c.lead_id, c.phase_id, count(*), count(*) FILTER (WHERE c.done), 0
                          FROM crm_lead_checklist_line c
                         WHERE c.lead_id = ANY(%(leads)s)
                         GROUP BY c.lead_id, c.phase_id
                         UNION ALL
                        SELECT p.lead_id, NULL, 0, 0, count(*)
                          FROM crm_lead_problem p
                         WHERE p.lead_id = ANY(%(leads)s) AND p.state = 'open'
                         GROUP BY p.lead_id
                        """,
                        leads=ids,
                    )
                )
                for lead_id, phase_id, items, done, problems in self.env.cr.fetchall():
                    total = counts.setdefault(lead_id, [0, 0, 0])
                    if phase_id and phase_id == phases[lead_id]:
                        total[0], total[1] = items, done
                    total[2] += problems
        # Set per distinct count, not per card: a page of cards shows a few (setting a
        # field costs the same for one record as for many).
        for (items, done, problems), leads in self.grouped(
            lambda lead: tuple(counts.get(lead._origin.id, (0, 0, 0)))
        ).items():
            leads.checklist_count = items
            leads.checklist_done_count = done
            leads.open_problem_count = problems

    def _read_checklist_state(self):
        """{opportunity id: ``ChecklistState``} of these opportunities, whoever may read them,
        in one query; kept for the transaction until a line, a problem or a checklist item
        changes (``forget_checklist_state``; the lines the server gives add to it:
        ``_give_checklist_lines``), for the card's counts (``_compute_phase_counts``)."""
        self.env["crm.lead.checklist.line"].flush_model(["lead_id", "phase_id", "item_id", "done"])
        self.env["crm.lead.problem"].flush_model(["lead_id", "state"])
        self.env.cr.execute(
            SQL(
                """
                SELECT c.lead_id, c.phase_id, c.item_id, c.done, 0
                  FROM crm_lead_checklist_line c
                 WHERE c.lead_id = ANY(%(leads)s)
                 UNION ALL
                SELECT p.lead_id, NULL, NULL, NULL, count(*)
                  FROM crm_lead_problem p
                 WHERE p.lead_id = ANY(%(leads)s) AND p.state = 'open'
                 GROUP BY p.lead_id
                """,
                leads=self.ids,
            )
        )
        by_lead = {lead_id: ChecklistState() for lead_id in self.ids}
        for lead_id, phase_id, item_id, done, problems in self.env.cr.fetchall():
            state = by_lead[lead_id]
            if item_id is None:
                state.problems = problems
                continue
            items, items_done = state.by_phase.get(phase_id, (0, 0))
            state.by_phase[phase_id] = (items + 1, items_done + bool(done))
            state.items.add(item_id)
            if done:
                state.done.add(item_id)
        self.env.cr.precommit.data.setdefault(CHECKLIST_STATE, {}).update(by_lead)
        return by_lead

    # ------------------------------------------------------------------ CRUD

    def _auto_init(self):
        """Create the columns the install fills with SQL (``hooks.py``), so that installing on
        a database with many opportunities does not compute them record by record."""
        self._create_empty_columns(self._get_columns_filled_on_install())
        return super()._auto_init()

    def init(self):
        res = super().init()
        # Two of crm's queries read every deal of the database, and the addons' columns make
        # each deal longer to read (their cost would grow with the database):
        # - winning a deal, crm's rainbow man (``_get_rainbowman_message``) sums the year's won
        #   deals of the salesperson or of the team (4 ms at 10,000 deals, some 0.4 s at
        #   1,000,000): two partial indexes of the won deals only (their condition is the
        #   query's);
        # - the lead assignment (``_allocate_leads_deduplicate``) looks each lead's duplicates
        #   up by its normalised email: crm's trigram index of the email is made for ``ilike``,
        #   the planner reads the table instead (2-2.5 ms a lead at 6,000 deals, 30 leads an
        #   assignment); a plain index of the email finds them at once.
        # ``uninstall_hook`` drops them.
        for name, (column, where) in CRM_LEAD_INDEXES.items():
            create_index(self.env.cr, name, self._table, [column], where=where)
        return res

    @api.model
    def _get_columns_filled_on_install(self):
        """{column: SQL type} created empty before the ORM would compute them."""
        return {"outcome": "varchar", "date_stalled": "timestamp"}

    @api.model
    def _create_empty_columns(self, columns):
        for column, column_type in columns.items():
            if not column_exists(self.env.cr, self._table, column):
                create_column(self.env.cr, self._table, column, column_type)

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        leads = super().create(vals_list)
        leads.filtered(lambda lead: lead.type == "opportunity")._enter_pipeline(created=True)
        return leads

    def write(self, vals):
        self._guard_server_fields([vals])
        company_before = None
        if not self.env.su:
            self._check_pipeline_write(vals)
            self._check_phase_gate(vals)
            if not self._company_movers().isdisjoint(vals):
                company_before = {lead.id: lead.company_id for lead in self}
        entering = leaving = self.browse()
        if vals.get("type") == "opportunity":
            entering = self.filtered(lambda lead: lead.type != "opportunity")
        elif vals.get("type") == "lead":
            leaving = self.filtered(lambda lead: lead.type == "opportunity")
        staying = self - entering - leaving
        new_phase = self._phase_from_vals(vals)
        moving = self.browse()
        if new_phase:
            moving = staying.filtered(
                lambda lead: lead.type == "opportunity" and lead.phase_id != new_phase
            )
        closing = "stage_id" in vals or "active" in vals
        was_closed = staying.filtered(lambda lead: lead.outcome != "open") if closing else None
        now = fields.Datetime.now()
        joined = moving._phase_vals_joined(self, new_phase, now) if moving else None
        if joined:
            # The phase is written with the stage, in the same write (a card dragged).
            payload = {**vals, **joined}
            with server_values(self._name, joined, payload):
                res = super().write(payload)
            moving._queue_phase_events("move", now, new_phase)
            if "phase_reached_id" in joined:
                moving._queue_phase_events("lines", phase=new_phase)
        else:
            res = super().write(vals)
            if moving:
                moving._move_to_phase(new_phase, now)
        if leaving:
            leaving._queue_phase_events("close", now)
            leaving._server_write({"phase_id": False, "phase_date_in": False})
        if entering:
            batch = ENTERING.get()
            if batch is None:
                entering._enter_pipeline()
            else:
                batch.append(entering)
                self._enter_batch_before_commit()
        if closing and (was_closed or "active" in vals or self._moves_to_won(vals)):
            # Else every deal was open and stays open (a move between open stages).
            staying._follow_outcome(was_closed, now)
        if "company_id" in vals:
            self._queue_company_change()
        if company_before:
            self._check_company_gate(company_before)
        return res

    @api.model
    def _company_movers(self):
        """The fields whose write may change an opportunity's company: the company, and what
        crm recomputes it from (the salesperson, the team, the customer: a deal taken out of
        its company and given a customer again comes back to it)."""
        field = self._fields["company_id"]
        return {field.name} | {path.split(".")[0] for path in self.pool.field_depends[field]}

    def _compute_company_id(self):
        before = {lead.id: lead.company_id for lead in self if lead.id}
        res = super()._compute_company_id()
        self.filtered(
            lambda lead: lead.id and lead.company_id != before[lead.id]
        )._queue_company_change()
        return res

    def unlink(self):
        batch = ENTERING.get()
        if batch:
            batch[:] = [leads - self for leads in batch]
        # Their waiting events name them: recorded while they exist (the facts of the others
        # can wait).
        self._flush_phase_events(facts=False)
        return super().unlink()

    def convert_opportunity(self, partner, user_ids=False, team_id=False):
        with self._batch_pipeline_entry():
            return super().convert_opportunity(partner, user_ids=user_ids, team_id=team_id)

    def _merge_dependences(self, opportunities):
        """Merging opportunities (crm deletes the merged ones after): their problems come to
        this one, and the items they ticked off stay ticked here - nothing entered on a
        duplicate is lost. Moved by the server: a user never moves a problem."""
        res = super()._merge_dependences(opportunities)
        opportunities.problem_ids.sudo().write({"lead_id": self.id})
        self._merge_checklist_ticks(opportunities)
        return res

    def _merge_checklist_ticks(self, opportunities):
        """The items ticked off on ``opportunities`` and open here are ticked here, by whom
        and when they were ticked first. An item of a phase this opportunity has not reached
        has no line here: its tick goes with the duplicate."""
        first = {}
        for line in opportunities.checklist_line_ids.filtered("done").sorted("done_date"):
            first.setdefault(line.item_id, line)
        for line in self.checklist_line_ids.filtered(
            lambda line: not line.done and line.item_id in first
        ):
            ticked = first[line.item_id]
            line = line.sudo()
            line.write({"done": True})
            line.write({"done_by_id": ticked.done_by_id.id, "done_date": ticked.done_date})

    # ------------------------------------------------------------------ actions

    def action_open_problems(self):
        """The problems of the opportunity (Open Problems on its form): the open ones first
        (the filter can be removed); a new one is logged in its current phase."""
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": _("Problems"),
            "res_model": "crm.lead.problem",
            "view_mode": "list,form",
            "domain": [("lead_id", "=", self.id)],
            "context": {"default_lead_id": self.id, "search_default_open": 1},
        }

    def action_open_phase_history(self):
        """The stays of the opportunity in its phases (Phase History on its form)."""
        self.ensure_one()
        self.check_access("read")
        view = self.env.ref("crm_project_stages.crm_lead_phase_history_view_list")
        return {
            "type": "ir.actions.act_window",
            "name": _("Phase History"),
            "res_model": "crm.lead.phase.history",
            "view_mode": "list",
            "views": [(view.id, "list")],
            "domain": [("lead_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------------ business

    @api.model
    def _get_server_written_fields(self):
        """The phase follows the stage; the furthest phase, the time in the phase and the
        outcome follow the phase and the stage: none is a user's to write."""
        return super()._get_server_written_fields() | PHASE_FIELDS

    @api.model
    def _get_refusal_hints(self, names):
        hints = super()._get_refusal_hints(names)
        if names & PHASE_FIELDS:
            hints.append(
                self.env._(
                    "The phase follows the stage: move the opportunity to a stage of another phase."
                )
            )
        return hints

    @api.model
    def _get_amount_fields(self):
        return super()._get_amount_fields() | {"expected_revenue"}

    def _phase_from_vals(self, vals):
        """The phase a write moves the opportunities to, or None when it does not move them.
        Only the server writes ``phase_id`` (a stage's new mapping); users move stages."""
        if vals.get("phase_id"):
            return self.env["crm.project.phase"].browse(vals["phase_id"])
        if vals.get("stage_id"):
            return self.env["crm.stage"].browse(vals["stage_id"])._get_phase() or None
        return None

    def _moves_to_won(self, vals):
        """Whether ``vals`` move opportunities to a Won stage."""
        stage = self.env["crm.stage"].browse(vals.get("stage_id"))
        return stage._get_phase_step() == WON_STEP

    def _get_phase_step(self):
        """Where the opportunity stands on the way to Won (see ``crm.stage._get_phase_step``):
        its phase's sequence, or the Won step once won."""
        self.ensure_one()
        if self.stage_id._get_phase_step() == WON_STEP:
            return WON_STEP
        phase = self.env["crm.project.phase"]._get_phase_table().get(self.phase_id.id)
        return phase["sequence"] if phase else 0

    def _get_entry_phase(self):
        """The phase an opportunity enters the pipeline in: its stage's; for a Won stage, the
        last phase (a deal won has been through them all); else the first (see
        ``phase_sql.entry_phase``, the same rule for the install)."""
        self.ensure_one()
        phase = self.stage_id._get_phase()
        if phase:
            return phase
        phases = self.env["crm.project.phase"]._get_pipeline_phases(self.company_id)
        return phases[-1:] if self.stage_id._get_phase_step() == WON_STEP else phases[:1]

    def _server_write(self, vals):
        """Write what the server records (the phase and its dates) on opportunities the user
        has just written: as superuser, past the guard of server fields (of every addon that
        extends opportunities) and below the phase gate of ``write``, which stand for users."""
        return super(CrmLead, self.sudo()).write(vals)

    def _move_to_phase(self, phase, when):
        """The server moves these opportunities into ``phase``: the history closes the phase
        they leave and opens the new one; reaching it for the first time, the checklist gets
        its items (recorded later, for all the opportunities moved by then:
        ``_queue_phase_events``)."""
        further = self._not_yet_in(phase)
        if further:
            further._server_write(self._phase_vals(phase, when, reaching=True))
        if self - further:
            (self - further)._server_write(self._phase_vals(phase, when, reaching=False))
        self._queue_phase_events("move", when, phase)
        further._queue_phase_events("lines", phase=phase)

    def _phase_vals_joined(self, written, phase, when):
        """The phase values of these opportunities moving into ``phase``, when they are all
        the opportunities ``written`` and move alike (all reaching it for the first time, or
        none): the values ``write`` adds to the user's, or None."""
        if self != written:
            return None
        further = self._not_yet_in(phase)
        if further and further != self:
            return None
        return self._phase_vals(phase, when, reaching=bool(further))

    @api.model
    def _phase_vals(self, phase, when, reaching):
        """The values of opportunities entering ``phase`` at ``when``; ``reaching`` it for the
        first time, it is their furthest phase too."""
        vals = {"phase_id": phase.id, "phase_date_in": when}
        if reaching:
            vals["phase_reached_id"] = phase.id
        return vals

    def _not_yet_in(self, phase):
        """Those of these opportunities that have not reached ``phase`` yet."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        sequence = phases[phase.id]["sequence"]
        return self.filtered(
            lambda lead: (
                not lead.phase_reached_id or sequence > phases[lead.phase_reached_id.id]["sequence"]
            )
        )

    @contextmanager
    def _batch_pipeline_entry(self):
        """Within the block, leads converted one ``write`` at a time (Odoo's
        ``convert_opportunity``, the lead assignment) enter the pipeline together when it
        ends: the gate checked and their phase written once for all, not once per lead (a
        refusal then undoes the whole batch). Nothing of Odoo's batch reads their phase
        meanwhile."""
        if ENTERING.get() is not None:
            yield
            return
        batch = []
        token = ENTERING.set(batch)
        try:
            yield
        finally:
            ENTERING.reset(token)
        self._enter_batch(batch)

    def _enter_batch_before_commit(self):
        """Odoo's batches may commit on their way: outside tests, the lead assignment commits
        after each team and every few leads it converts (``crm.assignment.commit.bundle``).
        The leads of the batch converted so far enter the pipeline before such a commit
        (``_enter_batch_now``, a pre-commit hook), so that no commit holds an opportunity
        without its phase, history and checklist - not for a moment, nor for good when the
        batch fails after it."""
        precommit = self.env.cr.precommit
        if not precommit.data.get(BATCH_BEFORE_COMMIT):
            precommit.data[BATCH_BEFORE_COMMIT] = True
            precommit.add(self.env["crm.lead"]._enter_batch_now)

    @api.model
    def _enter_batch_now(self):
        """The leads of the batch under way converted so far enter the pipeline now, and
        leave the batch (``_batch_pipeline_entry``); what they change is written before the
        commit goes on."""
        batch = ENTERING.get()
        if not batch:
            return
        self._enter_batch(batch)
        self.env.flush_all()

    @api.model
    def _enter_batch(self, batch):
        """The opportunities among the leads of ``batch`` (the records each converting
        ``write`` added) enter the pipeline together; ``batch`` is emptied."""
        leads = self.browse().union(*batch)
        batch.clear()
        leads.filtered(lambda lead: lead.type == "opportunity")._enter_pipeline()

    def _enter_pipeline(self, created=False):
        """Opportunities entering the pipeline - ``created``, or converted from a lead - take
        their entry phase (``_get_entry_phase``) since now (or, when created by the server
        with one, since the day it gave), a history row and the checklist of the phases up to
        it. A lead has no phase, no checklist and no gate until it is converted.

        Entering in a later phase (or in Won) leaves the gates of the earlier phases behind:
        refused to salespeople, allowed to Sales Managers (an import of deals already under
        way) and logged in the chatter with the items left open (``_check_pipeline_entry``).
        The superuser (data files, install, scheduled jobs) enters silently."""
        if not self:
            return
        missing = self._check_pipeline_entry()
        now = fields.Datetime.now()
        for phase, leads in self.grouped(lambda lead: lead._get_entry_phase()).items():
            if not phase:
                continue
            further = set(leads._not_yet_in(phase).ids)
            for (reaching, dated), group in leads.grouped(
                lambda lead, further=further: (
                    lead.id in further,
                    bool(created and lead.phase_date_in),
                )
            ).items():
                vals = self._phase_vals(phase, now, reaching)
                if dated:
                    del vals["phase_date_in"]  # the day the server gave it
                group.with_context(mail_notrack=True)._server_write(vals)
            for date_in, group in leads.grouped("phase_date_in").items():
                group._queue_phase_events("enter", date_in, phase)
        self.filtered(lambda lead: lead.phase_id and lead.outcome != "open")._queue_phase_events(
            "close", now
        )
        self._log_pipeline_entry(missing)

    def _follow_outcome(self, was_closed, now):
        """Won and lost deals leave their phase (their history row closes) but keep it; a deal
        restored, or moved back from Won, re-enters its phase since ``now``."""
        leads = self.filtered(lambda lead: lead.type == "opportunity" and lead.phase_id)
        closed = leads.filtered(lambda lead: lead.outcome != "open")
        closed._queue_phase_events("close", now)
        reopened = (leads - closed) & was_closed
        if reopened:
            reopened._server_write({"phase_date_in": now})
            for phase, group in reopened.grouped("phase_id").items():
                group._queue_phase_events("reopen", now, phase)

    def _ensure_checklist_lines(self):
        """Give each opportunity a line for every checklist item of the phases up to the
        furthest it has reached, so the rep can tick them off: at once."""
        self._queue_checklist()
        self._flush_phase_events()

    def _queue_checklist(self):
        """When next recorded, each opportunity gets the lines it lacks for the checklist items
        of the phases up to the furthest it has reached."""
        leads = self.filtered(lambda lead: lead.phase_reached_id and lead.type == "opportunity")
        for phase, group in leads.grouped("phase_reached_id").items():
            group._queue_phase_events("lines", phase=phase)
