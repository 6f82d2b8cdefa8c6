from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools.sql import column_exists, create_column

from .crm_stage import DEFAULT_STALL_DAYS, PHASE_ORDER, PROJECT_PHASES, WON_STEP
from .server_guard import ServerGuard

FORECAST_CATEGORIES = [
    ("pipeline", "Pipeline"),
    ("best_case", "Best Case"),
    ("commit", "Commit"),
    ("omitted", "Omitted"),
]
# Where an open opportunity sits in the forecast until its rep says otherwise.
PHASE_FORECAST_CATEGORY = {
    "contact": "pipeline",
    "design": "pipeline",
    "proof": "best_case",
    "tender": "commit",
}

MANAGER_GROUP = "sales_team.group_sale_manager"


class CrmLead(ServerGuard, models.Model):
    _inherit = "crm.lead"

    project_phase = fields.Selection(
        PROJECT_PHASES,
        string="Phase",
        index=True,
        tracking=True,
        copy=False,
        help="Phase of project selling the opportunity is in. It follows the stage; won and "
        "lost opportunities keep the phase they reached.",
    )
    phase_date_in = fields.Datetime(
        string="In Phase Since", copy=False, help="When the opportunity entered its phase."
    )
    days_in_phase = fields.Integer(string="Days in Phase", compute="_compute_days_in_phase")
    is_stalled = fields.Boolean(
        string="Stalled",
        compute="_compute_days_in_phase",
        search="_search_is_stalled",
        help="Open opportunity that has spent more days in its phase than the phase allows "
        "(CRM Settings).",
    )
    phase_history_ids = fields.One2many(
        "crm.lead.phase.history", "lead_id", string="Phase History", copy=False
    )
    checklist_line_ids = fields.One2many(
        "crm.lead.checklist.line", "lead_id", string="Checklist", copy=False
    )
    checklist_done_count = fields.Integer(compute="_compute_checklist_counts")
    checklist_count = fields.Integer(compute="_compute_checklist_counts")
    problem_ids = fields.One2many("crm.lead.problem", "lead_id", string="Problems", copy=False)
    open_problem_count = fields.Integer(
        string="Open Problems", compute="_compute_open_problem_count"
    )
    phase_reached = fields.Selection(
        PROJECT_PHASES,
        string="Furthest Phase",
        readonly=True,
        copy=False,
        index=True,
        help="The furthest phase the opportunity has reached; its phase win rates count it "
        "for this phase and every earlier one.",
    )
    phase_probability = fields.Float(
        string="Phase Probability (%)",
        compute="_compute_phase_probability",
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
        [*FORECAST_CATEGORIES, ("won", "Closed Won")],
        string="Forecast",
        compute="_compute_forecast_category",
        store=True,
        index=True,
        help="The category of the forecast the opportunity counts in: the rep's choice, or the "
        "one of its phase (Contact and Solution Design: Pipeline, Solution Proof: Best Case, "
        "Tender: Commit). Won: Closed Won; lost: Omitted.",
    )
    forecast_probability = fields.Float(
        string="Forecast Probability (%)",
        compute="_compute_forecast_probability",
        store=True,
        digits=(5, 1),
        help="Probability the weighted forecast uses: the phase probability, or the rep's "
        "own when the rep chose the forecast category.",
    )
    forecast_revenue = fields.Monetary(
        string="Weighted Revenue",
        currency_field="company_currency",
        compute="_compute_forecast_probability",
        store=True,
        help="Expected revenue times forecast probability.",
    )
    date_won = fields.Date(
        string="Won On",
        compute="_compute_date_won",
        store=True,
        index=True,
        help="Day the opportunity was won (its closing date, else its move to a Won stage), in "
        "its salesperson's time zone: the forecast counts it as closed won in the period of "
        "this day.",
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

    @api.depends("phase_date_in", "project_phase", "stage_id", "active")
    def _compute_days_in_phase(self):
        now = fields.Datetime.now()
        limits = self._get_stall_days()
        for lead in self:
            days = (now - lead.phase_date_in).days if lead.phase_date_in else 0
            lead.days_in_phase = days
            lead.is_stalled = bool(
                lead.project_phase
                and lead.active
                and lead.type == "opportunity"
                and not lead.stage_id.is_won
                and days > limits[lead.project_phase]
            )

    def _search_is_stalled(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Operation not supported"))
        now = fields.Datetime.now()
        limits = self._get_stall_days()
        per_phase = [
            [("project_phase", "=", phase), ("phase_date_in", "<=", now - timedelta(days=days + 1))]
            for phase, days in limits.items()
        ]
        stalled = [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)]
        stalled += ["|"] * (len(per_phase) - 1) + [
            leaf for pair in per_phase for leaf in ["&", *pair]
        ]
        stalled = expression.normalize_domain(stalled)
        if (operator == "=") == value:
            return stalled
        return ["!", *stalled]

    def _compute_checklist_counts(self):
        counts = defaultdict(int)
        done = defaultdict(int)
        real = self._origin.filtered("id")
        if real:
            groups = self.env["crm.lead.checklist.line"]._read_group(
                [("lead_id", "in", real.ids)],
                ["lead_id", "phase", "done"],
                ["__count"],
            )
            for lead, phase, is_done, count in groups:
                counts[lead.id, phase] += count
                if is_done:
                    done[lead.id, phase] += count
        for lead in self:
            key = (lead._origin.id, lead.project_phase)
            lead.checklist_count = counts[key]
            lead.checklist_done_count = done[key]

    def _compute_open_problem_count(self):
        real = self._origin.filtered("id")
        counts = {}
        if real:
            counts = dict(
                self.env["crm.lead.problem"]._read_group(
                    [("lead_id", "in", real.ids), ("state", "=", "open")],
                    ["lead_id"],
                    ["__count"],
                )
            )
        for lead in self:
            lead.open_problem_count = counts.get(lead._origin, 0)

    @api.depends("project_phase", "team_id", "company_id")
    def _compute_phase_probability(self):
        WinRate = self.env["crm.phase.win.rate"]
        table = WinRate._get_rate_table()
        defaults = WinRate._get_default_win_rates()
        for lead in self:
            lead.phase_probability = (
                WinRate._lookup(
                    table, lead.company_id.id, lead.team_id.id, lead.project_phase, defaults
                )
                if lead.project_phase
                else 0.0
            )

    @api.depends("forecast_category_manual", "project_phase", "active", "stage_id.is_won")
    def _compute_forecast_category(self):
        defaults = self._get_phase_forecast_categories()
        for lead in self:
            if not lead.active:
                lead.forecast_category = "omitted"
            elif lead.stage_id.is_won:
                lead.forecast_category = "won"
            else:
                lead.forecast_category = lead.forecast_category_manual or defaults.get(
                    lead.project_phase, "pipeline"
                )

    @api.depends(
        "forecast_category",
        "forecast_category_manual",
        "phase_probability",
        "probability",
        "expected_revenue",
        "company_currency",
    )
    def _compute_forecast_probability(self):
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
            lead.forecast_revenue = currency.round(revenue) if currency else revenue

    @api.depends("date_closed", "date_last_stage_update", "forecast_category")
    def _compute_date_won(self):
        for lead in self:
            # Won deals imported without a closing date count from their move to Won.
            when = lead.date_closed or lead.date_last_stage_update
            if lead.forecast_category == "won" and when:
                tz = lead.user_id.tz or self.env.user.tz or "UTC"
                lead.date_won = fields.Datetime.context_timestamp(
                    lead.with_context(tz=tz), when
                ).date()
            else:
                lead.date_won = False

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

    def _auto_init(self):
        """Create the forecast columns with SQL so that installing on a database with many
        opportunities does not compute them record by record; ``_init_forecast_fields`` fills
        them set-based (on install and by the migration)."""
        for column, column_type in (
            ("phase_reached", "varchar"),
            ("phase_probability", "float8"),
            ("forecast_category", "varchar"),
            ("forecast_probability", "float8"),
            ("forecast_revenue", "numeric"),
            ("date_won", "date"),
        ):
            if not column_exists(self.env.cr, "crm_lead", column):
                create_column(self.env.cr, "crm_lead", column, column_type)
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_vals(vals_list)
        leads = super(CrmLead, self._without_server_defaults()).create(vals_list)
        leads.filtered(lambda lead: lead.type == "opportunity")._enter_pipeline(created=True)
        return leads

    def write(self, vals):
        self._guard_vals([vals])
        if not self.env.su:
            self._check_phase_gate(vals)
        entering = leaving = self.browse()
        if vals.get("type") == "opportunity":
            entering = self.filtered(lambda lead: lead.type != "opportunity")
        elif vals.get("type") == "lead":
            leaving = self.filtered(lambda lead: lead.type == "opportunity")
        new_phase = self._phase_from_vals(vals)
        moving = self.browse()
        if new_phase:
            moving = (self - entering - leaving).filtered(
                lambda lead: lead.type == "opportunity" and lead.project_phase != new_phase
            )
        res = super().write(vals)
        now = fields.Datetime.now()
        if moving:
            super(CrmLead, moving).write({"project_phase": new_phase, "phase_date_in": now})
            further = moving.filtered(
                lambda lead: PHASE_ORDER[new_phase] > PHASE_ORDER.get(lead.phase_reached, -1)
            )
            if further:
                super(CrmLead, further).write({"phase_reached": new_phase})
            moving._close_phase_history(now)
            moving._open_phase_history()
            moving._ensure_checklist_lines()
        if leaving:
            leaving._close_phase_history(now)
            super(CrmLead, leaving).write({"project_phase": False, "phase_date_in": False})
        if entering:
            entering._enter_pipeline()
        if "stage_id" in vals or "active" in vals:
            (self - entering - leaving)._sync_phase_history_with_outcome()
        if "company_id" in vals:
            self._ensure_checklist_lines()
        return res

    # ------------------------------------------------------------------ actions

    def action_force_phase_move(self):
        self.ensure_one()
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Force Stage Change"),
            "res_model": "crm.phase.force.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    def action_open_problems(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Problems"),
            "res_model": "crm.lead.problem",
            "view_mode": "list,form",
            "domain": [("lead_id", "=", self.id)],
            "context": {"default_lead_id": self.id, "search_default_open": 1},
        }

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

    # ------------------------------------------------------------------ business

    @api.model
    def _get_server_fields(self):
        """The phase follows the stage; the furthest phase, the time in the phase and the
        forecast follow the phase, the probabilities and the revenue: none is a user's to
        write (they feed the whole team's win rates and forecast)."""
        return super()._get_server_fields() | {
            "project_phase",
            "phase_date_in",
            "phase_reached",
            "phase_probability",
            "forecast_category",
            "forecast_probability",
            "forecast_revenue",
            "date_won",
        }

    @api.model
    def _get_server_fields_hint(self):
        return self.env._(
            "The phase follows the stage: move the opportunity to a stage of another phase. To "
            "put it in another forecast category, set Forecast Category."
        )

    @api.model
    def _get_bounded_amount_fields(self):
        return (*super()._get_bounded_amount_fields(), "expected_revenue")

    @api.model
    def _get_phase_forecast_categories(self):
        """Forecast category of an open opportunity in each phase, unless its rep sets one."""
        return dict(PHASE_FORECAST_CATEGORY)

    @api.model
    def _get_stall_days(self):
        """Days allowed in each phase before an opportunity counts as stalled."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        limits = {}
        for phase, default in DEFAULT_STALL_DAYS.items():
            try:
                limits[phase] = int(
                    get_param(f"crm_project_stages.stall_days_{phase}", default) or default
                )
            except ValueError:
                limits[phase] = default
        return limits

    def _phase_from_vals(self, vals):
        """The phase a write moves the opportunities to, or None when it does not move them.
        Only the server writes ``project_phase`` (a stage's new mapping); users move stages."""
        if vals.get("project_phase"):
            return vals["project_phase"]
        if vals.get("stage_id"):
            return self.env["crm.stage"].browse(vals["stage_id"]).project_phase or None
        return None

    def _get_phase_step(self):
        """Where the opportunity stands on the way to Won (see ``crm.stage._get_phase_step``):
        its phase, or the Won step once won."""
        self.ensure_one()
        if self.stage_id.is_won:
            return WON_STEP
        return PHASE_ORDER.get(self.project_phase, 0)

    def _get_phase_gate_missing(self, target, entering=False):
        """Mandatory checklist items still open that stand between each opportunity and step
        ``target`` (a phase's position, or ``WON_STEP``): those of the phases it would leave
        by moving forward, or, ``entering`` the pipeline there, those of every earlier phase.
        {lead: items}; moving back is never gated."""
        start = {lead: 0 if entering else lead._get_phase_step() for lead in self}
        forward = self.filtered(lambda lead: start[lead] < target)
        if not forward:
            return {}
        items = (
            self.env["crm.phase.checklist.item"]
            .sudo()
            .search(
                [
                    ("mandatory", "=", True),
                    ("company_id", "in", [*forward.company_id.ids, False]),
                    ("phase_sequence", "<", target),
                ]
            )
        )
        done = {
            (line.lead_id.id, line.item_id.id)
            for line in self.env["crm.lead.checklist.line"]
            .sudo()
            .search([("lead_id", "in", forward.ids), ("done", "=", True)])
        }
        missing = {}
        for lead in forward:
            open_items = items.filtered(
                lambda item, lead=lead: (
                    start[lead] <= item.phase_sequence
                    and (not item.company_id or item.company_id == lead.company_id)
                    and (lead.id, item.id) not in done
                )
            )
            if open_items:
                missing[lead] = open_items
        return missing

    def _check_phase_gate(self, vals):
        """Refuse a user's forward move of opportunities (to a later phase, or to Won) while
        mandatory items of the phases they leave are open. Nothing a client sends opens the
        gate: the phase itself is a server field, and the only way past open items is a Sales
        Manager's ``_force_phase_move`` (the *Force Stage* wizard), which logs the reason."""
        if not vals.get("stage_id"):
            return
        stage = self.env["crm.stage"].browse(vals["stage_id"])
        target = stage._get_phase_step()
        if target is None:
            return
        staying = self.filtered(
            lambda lead: lead.type == "opportunity" and vals.get("type", lead.type) == lead.type
        )
        missing = staying._get_phase_gate_missing(target)
        if missing:
            raise UserError(self._phase_gate_refusal(missing, target, stage))

    def _phase_target_label(self, target, stage):
        if target == WON_STEP:
            return stage.name
        return self._phase_labels()[PROJECT_PHASES[target][0]]

    @api.model
    def _phase_labels(self):
        return dict(self._fields["project_phase"]._description_selection(self.env))

    def _phase_item_lines(self, items):
        labels = self._phase_labels()
        return "\n".join(f"  • {labels[item.phase]}: {item.name}" for item in items)

    def _phase_gate_refusal(self, missing, target, stage):
        labels = self._phase_labels()
        target_label = self._phase_target_label(target, stage)
        blocks = []
        for lead, items in missing.items():
            block = (
                self.env._(
                    "“%(lead)s” cannot move to %(target)s: these mandatory items of the phases "
                    "it leaves are open:",
                    lead=lead.name,
                    target=target_label,
                )
                + "\n"
                + self._phase_item_lines(items)
            )
            current = lead._get_phase_step()
            ahead = [
                labels[phase]
                for phase in dict.fromkeys(items.mapped("phase"))
                if PHASE_ORDER[phase] > current
            ]
            if ahead:
                block += "\n" + self.env._(
                    "The items of %(phases)s are on the checklist once the opportunity is in "
                    "that phase: move it there first, one phase at a time.",
                    phases=", ".join(ahead),
                )
            blocks.append(block)
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "Tick the open items off in the checklist of the opportunity's Project Phases "
                "tab, or ask a Sales Manager to force the move (Force Stage, with a reason)."
            )
        )

    def _enter_pipeline(self, created=False):
        """Opportunities entering the pipeline - ``created``, or converted from a lead - take
        the phase of their stage (Contact for a stage outside the phases) since now (or, when
        created by the server with one, since the day it gave), a history row and the
        checklist of the phases up to it. A lead has no phase, no checklist and no gate until
        it is converted.

        Entering in a later phase (or in Won) leaves the gates of the earlier phases behind:
        refused to salespeople, allowed to Sales Managers (an import of deals already under
        way) and logged in the chatter with the items left open. The superuser (data files,
        install, scheduled jobs) enters silently."""
        if not self:
            return
        missing = {}
        for stage, leads in self.grouped("stage_id").items():
            target = stage._get_phase_step()
            if target:
                missing.update(leads._get_phase_gate_missing(target, entering=True))
        if missing and not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self._phase_entry_refusal(missing))
        now = fields.Datetime.now()
        for phase, leads in self.grouped(
            lambda lead: lead.stage_id.project_phase or "contact"
        ).items():
            super(CrmLead, leads.with_context(mail_notrack=True)).write({"project_phase": phase})
            undated = leads.filtered(lambda lead: not (created and lead.phase_date_in))
            if undated:
                super(CrmLead, undated).write({"phase_date_in": now})
            further = leads.filtered(
                lambda lead, phase=phase: (
                    PHASE_ORDER[phase] > PHASE_ORDER.get(lead.phase_reached, -1)
                )
            )
            if further:
                super(CrmLead, further).write({"phase_reached": phase})
        self._open_phase_history()
        self._sync_phase_history_with_outcome()
        self._ensure_checklist_lines()
        if missing and not self.env.su:
            for lead, items in missing.items():
                target = lead.stage_id._get_phase_step()
                lead.message_post(
                    body=Markup("<p>%s</p><ul>%s</ul>")
                    % (
                        self.env._(
                            "Entered the pipeline in %(target)s by %(user)s, with these "
                            "mandatory items of the earlier phases open:",
                            target=self._phase_target_label(target, lead.stage_id),
                            user=self.env.user.name,
                        ),
                        Markup().join(Markup("<li>%s</li>") % item.name for item in items),
                    ),
                    subtype_xmlid="mail.mt_note",
                )

    def _phase_entry_refusal(self, missing):
        blocks = []
        for lead, items in missing.items():
            target = lead.stage_id._get_phase_step()
            blocks.append(
                self.env._(
                    "“%(lead)s” cannot start in %(target)s: these mandatory items of the "
                    "earlier phases are not done:",
                    lead=lead.name,
                    target=self._phase_target_label(target, lead.stage_id),
                )
                + "\n"
                + self._phase_item_lines(items)
            )
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "An opportunity starts in %(first)s and moves on as the items of each phase "
                "are done: create it in a stage of %(first)s (a lead: move it to such a stage "
                "before converting it), or ask a Sales Manager to create it in this stage.",
                first=self._phase_labels()[PROJECT_PHASES[0][0]],
            )
        )

    def _force_phase_move(self, stage, reason):
        """Move the opportunities to ``stage`` although mandatory items are open: the Sales
        Manager's override, the only way past the phase gate besides ticking the items off.
        The open items and the reason are logged in each opportunity's chatter."""
        self._check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for forcing the move."))
        self.check_access("write")
        target = stage._get_phase_step()
        missing = self._get_phase_gate_missing(target) if target is not None else {}
        labels = self._phase_labels()
        for lead, items in missing.items():
            lead.message_post(
                body=Markup("<p>%s</p><ul>%s</ul><p>%s</p>")
                % (
                    self.env._(
                        "Phase gate overridden by %(user)s: moved from %(old)s to %(new)s "
                        "with these mandatory items open:",
                        user=self.env.user.name,
                        old=labels.get(lead.project_phase, ""),
                        new=self._phase_target_label(target, stage),
                    ),
                    Markup().join(Markup("<li>%s</li>") % item.name for item in items),
                    self.env._("Reason: %s", reason),
                ),
                subtype_xmlid="mail.mt_note",
            )
        # As superuser: past the gate this user has just been allowed through.
        self.sudo().write({"stage_id": stage.id})

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only Sales Managers can force an opportunity past a phase gate.")
            )

    @api.model
    def _init_project_phases(self):
        """Give every opportunity already in the database its phase (from its stage), a history
        row and the checklist of the phases it has reached. Runs once, on install, in a few
        set-based statements: a deployment may hold hundreds of thousands of leads."""
        self.env.flush_all()
        cr = self.env.cr
        # Won deals reached the tender; deals in stages without a phase start in contact. Leads
        # (not yet opportunities) get no phase: they enter one when converted.
        cr.execute(
            """
            UPDATE crm_lead l
               SET project_phase = COALESCE(
                       (SELECT COALESCE(s.project_phase, CASE WHEN s.is_won THEN 'tender' END)
                          FROM crm_stage s WHERE s.id = l.stage_id),
                       'contact'),
                   phase_date_in = COALESCE(l.date_last_stage_update, l.create_date,
                                            now() at time zone 'UTC')
             WHERE l.project_phase IS NULL AND l.type = 'opportunity'
            """
        )
        cr.execute(
            """
            INSERT INTO crm_lead_phase_history
                   (lead_id, phase, date_in, date_out, user_id, company_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT l.id, l.project_phase, l.phase_date_in,
                   CASE WHEN NOT l.active OR s.is_won
                        THEN GREATEST(l.phase_date_in, COALESCE(l.date_closed, l.write_date)) END,
                   l.user_id, l.company_id,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM crm_lead l
              LEFT JOIN crm_stage s ON s.id = l.stage_id
             WHERE l.project_phase IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM crm_lead_phase_history h WHERE h.lead_id = l.id)
            """,
            {"uid": self.env.uid},
        )
        cr.execute(
            """
            INSERT INTO crm_lead_checklist_line
                   (lead_id, item_id, phase, phase_sequence, sequence, done, company_id,
                    create_uid, create_date, write_uid, write_date)
            SELECT l.id, i.id, i.phase, i.phase_sequence, i.sequence, false, l.company_id,
                   %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
              FROM crm_lead l
              LEFT JOIN crm_stage s ON s.id = l.stage_id
              JOIN crm_phase_checklist_item i
                ON i.active
               AND i.phase_sequence <
                   array_position(%(phases)s::varchar[], l.project_phase::varchar)
               AND (i.company_id IS NULL OR i.company_id = l.company_id)
             WHERE l.active AND l.type = 'opportunity' AND NOT COALESCE(s.is_won, false)
            ON CONFLICT (lead_id, item_id) DO NOTHING
            """,
            {"uid": self.env.uid, "phases": list(PHASE_ORDER)},
        )
        self.env.invalidate_all()
        self._init_forecast_fields()

    @api.model
    def _init_forecast_fields(self):
        """Furthest phase, forecast category and probabilities of the opportunities already in
        the database, set-based (install, and the migration to 18.0.1.1.0), then the phase
        win rates from their history."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            """
            UPDATE crm_lead l
               SET phase_reached = r.phase
              FROM (SELECT h.lead_id,
                           (array_agg(h.phase ORDER BY array_position(%(phases)s::varchar[],
                                                                      h.phase::varchar) DESC))[1]
                               AS phase
                      FROM crm_lead_phase_history h
                     GROUP BY h.lead_id) r
             WHERE r.lead_id = l.id AND l.phase_reached IS NULL
            """,
            {"phases": list(PHASE_ORDER)},
        )
        cr.execute(
            "UPDATE crm_lead SET phase_reached = project_phase "
            "WHERE phase_reached IS NULL AND project_phase IS NOT NULL"
        )
        categories = self._get_phase_forecast_categories()
        cr.execute(
            """
            UPDATE crm_lead l
               SET forecast_category = CASE
                       WHEN NOT l.active THEN 'omitted'
                       WHEN s.is_won THEN 'won'
                       WHEN l.forecast_category_manual IS NOT NULL THEN l.forecast_category_manual
                       ELSE COALESCE(c.category, 'pipeline') END
              FROM crm_lead l2
              LEFT JOIN crm_stage s ON s.id = l2.stage_id
              LEFT JOIN unnest(%(phases)s::varchar[], %(categories)s::varchar[])
                        AS c(phase, category) ON c.phase = l2.project_phase
             WHERE l2.id = l.id AND l.forecast_category IS NULL
            """,
            {"phases": list(categories), "categories": list(categories.values())},
        )
        cr.execute(
            """
            UPDATE crm_lead l
               SET date_won = (COALESCE(l.date_closed, l.date_last_stage_update) AT TIME ZONE 'UTC'
                               AT TIME ZONE COALESCE(NULLIF(p.tz, ''), 'UTC'))::date
              FROM crm_lead l2
              LEFT JOIN res_users u ON u.id = l2.user_id
              LEFT JOIN res_partner p ON p.id = u.partner_id
             WHERE l2.id = l.id AND l.forecast_category = 'won' AND l.date_won IS NULL
               AND COALESCE(l.date_closed, l.date_last_stage_update) IS NOT NULL
            """
        )
        self.env.invalidate_all()
        self.env["crm.phase.win.rate"]._recompute_win_rates()
        self._apply_phase_win_rates(open_only=False)

    @api.model
    def _apply_phase_win_rates(self, open_only=True):
        """Write the phase probability of the last win-rate computation on the opportunities
        (open ones only, unless ``open_only`` is false), and the forecast probability and
        weighted revenue that follow from it, in one statement; only rows that change."""
        self.env.flush_all()
        defaults = self.env["crm.phase.win.rate"]._get_default_win_rates()
        self.env.cr.execute(
            """
            WITH eff AS (
                SELECT l.id,
                       COALESCE(t.win_rate, c.win_rate, d.rate, 0) AS rate,
                       COALESCE(cur.decimal_places, 2) AS digits
                  FROM crm_lead l
                  LEFT JOIN crm_stage s ON s.id = l.stage_id
                  LEFT JOIN res_company co ON co.id = l.company_id
                  LEFT JOIN res_currency cur ON cur.id = co.currency_id
                  LEFT JOIN unnest(%(phases)s::varchar[], %(defaults)s::float8[]) AS d(phase, rate)
                         ON d.phase = l.project_phase
                  LEFT JOIN crm_phase_win_rate t
                         ON t.team_id = l.team_id AND t.phase = l.project_phase
                        AND COALESCE(t.company_id, 0) = COALESCE(l.company_id, 0)
                  LEFT JOIN crm_phase_win_rate c
                         ON c.team_id IS NULL AND c.phase = l.project_phase
                        AND COALESCE(c.company_id, 0) = COALESCE(l.company_id, 0)
                 WHERE l.project_phase IS NOT NULL
                   AND (NOT %(open_only)s OR (l.active AND NOT COALESCE(s.is_won, false)))
            ), new AS (
                SELECT eff.id, eff.rate, eff.digits,
                       CASE WHEN l.forecast_category = 'won' THEN 100.0
                            WHEN l.forecast_category = 'omitted' THEN 0.0
                            WHEN l.forecast_category_manual IS NOT NULL THEN l.probability
                            ELSE eff.rate END AS probability
                  FROM eff JOIN crm_lead l ON l.id = eff.id
            )
            UPDATE crm_lead l
               SET phase_probability = new.rate,
                   forecast_probability = new.probability,
                   forecast_revenue = ROUND((COALESCE(l.expected_revenue, 0)
                                             * new.probability / 100.0)::numeric, new.digits)
              FROM new
             WHERE new.id = l.id
               AND (l.phase_probability IS DISTINCT FROM new.rate
                    OR l.forecast_probability IS DISTINCT FROM new.probability
                    OR l.forecast_revenue IS NULL)
            """,
            {
                "phases": list(defaults),
                "defaults": list(defaults.values()),
                "open_only": open_only,
            },
        )
        self.env["crm.lead"].invalidate_model(
            ["phase_probability", "forecast_probability", "forecast_revenue"]
        )

    def _sync_phase_history_with_outcome(self):
        """Won and lost deals leave their phase (their history row closes) but keep it; a deal
        restored, or moved back from Won, re-enters its phase."""
        History = self.env["crm.lead.phase.history"].sudo()
        open_rows = History.search([("lead_id", "in", self.ids), ("date_out", "=", False)])
        closed = self.filtered(lambda lead: not lead.active or lead.stage_id.is_won)
        now = fields.Datetime.now()
        open_rows.filtered(lambda row: row.lead_id in closed).write({"date_out": now})
        reopened = (self - closed - open_rows.lead_id).filtered("project_phase")
        if reopened:
            reopened.sudo().write({"phase_date_in": now})  # a server field
            reopened._open_phase_history()

    def _close_phase_history(self, when):
        self.env["crm.lead.phase.history"].sudo().search(
            [("lead_id", "in", self.ids), ("date_out", "=", False)]
        ).write({"date_out": when})

    def _open_phase_history(self):
        self.env["crm.lead.phase.history"].sudo().create(
            [
                {
                    "lead_id": lead.id,
                    "phase": lead.project_phase,
                    "date_in": lead.phase_date_in or fields.Datetime.now(),
                    "user_id": lead.user_id.id,
                }
                for lead in self
                if lead.project_phase
            ]
        )

    def _ensure_checklist_lines(self):
        """Give each opportunity a line for every checklist item of the phases it has reached
        (its phase and the earlier ones), so the rep can tick them off."""
        leads = self.filtered(lambda lead: lead.project_phase and lead.type == "opportunity")
        if not leads:
            return
        reached = max(PHASE_ORDER[phase] for phase in leads.mapped("project_phase"))
        items = (
            self.env["crm.phase.checklist.item"]
            .sudo()
            .search(
                [
                    ("phase_sequence", "<=", reached),
                    ("company_id", "in", [*leads.company_id.ids, False]),
                ]
            )
        )
        Line = self.env["crm.lead.checklist.line"].sudo()
        existing = {
            (lead.id, item.id)
            for lead, item in Line._read_group(
                [("lead_id", "in", leads.ids)], ["lead_id", "item_id"]
            )
        }
        Line.create(
            [
                {"lead_id": lead.id, "item_id": item.id}
                for lead in leads
                for item in items
                if item.phase_sequence <= PHASE_ORDER[lead.project_phase]
                and (not item.company_id or item.company_id == lead.company_id)
                and (lead.id, item.id) not in existing
            ]
        )
