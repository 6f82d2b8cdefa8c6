from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..const import MANAGER_GROUP


class CrmVendorEvaluation(models.Model):
    _name = "crm.vendor.evaluation"
    _description = "CRM Vendor Evaluation"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "crm.suite.server.fields.mixin",
        "crm.company.scope.mixin",
        "crm.vendor.eval.link.mixin",
    ]
    _shown_links = ("lead_id", "template_id")
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    kind = fields.Selection(
        [("selection", "Vendor Selection"), ("bid", "Competitive Bid")],
        default="selection",
        required=True,
        help="Competitive bid: score our own company against the competitors on the customer's "
        "published criteria, to see where the bid is weak before submitting it.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("scoring", "Scoring"),
            ("done", "Decided"),
            ("cancel", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
    )
    template_id = fields.Many2one(
        "crm.vendor.eval.template",
        string="Template",
        required=True,
        default=lambda self: self.env.ref(
            "crm_vendor_eval.template_crm_system", raise_if_not_found=False
        ),
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    member_ids = fields.Many2many(
        "res.users",
        "crm_vendor_evaluation_member_rel",
        "evaluation_id",
        "user_id",
        string="Evaluation Team",
        help="Each member scores every criterion for every vendor.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    vendor_ids = fields.Many2many(
        "res.partner",
        "crm_vendor_evaluation_partner_rel",
        "evaluation_id",
        "partner_id",
        string="Vendors",
        # A vendor's contact archived stays one of the vendors evaluated: in the scoring, the
        # ranking, the comparison and a decision taken on them.
        context={"active_test": False},
        help="The CRM vendors or implementation partners evaluated (contacts of the shared "
        "customer master).",
    )
    vendor_count = fields.Integer(compute="_compute_vendor_count")
    # An opportunity with evaluations is archived, not deleted (merged: see crm.lead).
    lead_id = fields.Many2one("crm.lead", string="Opportunity", index=True, ondelete="restrict")
    date_start = fields.Date(string="Start", default=fields.Date.context_today)
    date_deadline = fields.Date(string="Decision Due")
    horizon_years = fields.Integer(
        string="Cost Horizon (years)",
        default=5,
        help="Years of recurring cost counted in the total cost of ownership.",
    )
    assignment_ids = fields.One2many(
        "crm.vendor.eval.assignment", "evaluation_id", string="Progress", copy=False
    )
    score_ids = fields.One2many(
        "crm.vendor.eval.score", "evaluation_id", string="Scores", copy=False
    )
    my_assignment_state = fields.Selection(
        [("open", "To Score"), ("submitted", "Submitted")],
        compute="_compute_my_assignment_state",
    )
    offer_ids = fields.One2many("crm.vendor.eval.offer", "evaluation_id", string="Costs", copy=True)
    result_ids = fields.One2many(
        "crm.vendor.eval.result", "evaluation_id", string="Results", copy=False
    )
    comparison_html = fields.Html(
        string="Comparison", compute="_compute_comparison_html", sanitize=False
    )
    decision_vendor_id = fields.Many2one(
        "res.partner", string="Chosen Vendor", tracking=True, copy=False
    )
    decision_reason = fields.Text(string="Reason for the Decision", copy=False)
    date_decided = fields.Datetime(
        string="Decided On",
        readonly=True,
        copy=False,
        help="When the evaluation was last decided. Kept when the decision is reopened: an "
        "evaluation that was ever decided is never deleted.",
    )
    description = fields.Html()

    @api.depends("vendor_ids")
    def _compute_vendor_count(self):
        for evaluation in self:
            evaluation.vendor_count = len(evaluation.vendor_ids)

    @api.depends("assignment_ids.state", "assignment_ids.user_id")
    @api.depends_context("uid")
    def _compute_my_assignment_state(self):
        for evaluation in self:
            mine = evaluation.assignment_ids.filtered(lambda a: a.user_id.id == self.env.uid)
            evaluation.my_assignment_state = mine.state if mine else False

    @api.depends("result_ids")
    def _compute_comparison_html(self):
        for evaluation in self:
            evaluation.comparison_html = evaluation._render_comparison()

    @api.constrains("date_start", "date_deadline")
    def _check_dates(self):
        for evaluation in self:
            if (
                evaluation.date_start
                and evaluation.date_deadline
                and evaluation.date_deadline < evaluation.date_start
            ):
                raise ValidationError(_("The decision cannot be due before the evaluation starts."))

    @api.constrains("decision_vendor_id", "vendor_ids")
    def _check_decision_vendor(self):
        for evaluation in self:
            if (
                evaluation.decision_vendor_id
                and evaluation.decision_vendor_id not in evaluation.vendor_ids
            ):
                raise ValidationError(_("The chosen vendor must be one of the vendors evaluated."))

    @api.constrains("horizon_years")
    def _check_horizon(self):
        if any(evaluation.horizon_years < 0 for evaluation in self):
            raise ValidationError(_("The cost horizon cannot be negative."))

    @api.constrains("vendor_ids")
    def _check_vendors_with_costs(self):
        for evaluation in self:
            orphan = evaluation.offer_ids.vendor_id - evaluation.vendor_ids
            if orphan:
                raise ValidationError(
                    _(
                        "%(vendor)s has costs on “%(evaluation)s”: remove them before removing "
                        "the vendor.",
                        vendor=orphan[0].display_name,
                        evaluation=evaluation.name,
                    )
                )

    @api.constrains("kind", "lead_id")
    def _check_bid_opportunity(self):
        for evaluation in self.filtered(lambda e: e.kind == "bid"):
            lead = evaluation.lead_id
            if not lead:
                raise ValidationError(_("Link a competitive bid to its opportunity."))

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _get_server_written_fields(self):
        return super()._get_server_written_fields() | {
            "state",
            "assignment_ids",
            "score_ids",
            "result_ids",
            "date_decided",
        }

    def _check_submitted_work_kept(self, vendors_before):
        """A team or vendor change never throws submitted scores away."""
        for evaluation in self.sudo().with_context(active_test=False):
            submitted = evaluation.assignment_ids.filtered(lambda a: a.state == "submitted")
            if not submitted:
                continue
            gone = submitted.user_id - evaluation.member_ids
            if gone:
                raise UserError(
                    _(
                        "%(member)s has submitted scores on “%(evaluation)s”: a member who has "
                        "submitted stays on the team.",
                        member=gone[0].name,
                        evaluation=evaluation.name,
                    )
                )
            if set(evaluation.vendor_ids.ids) != vendors_before[evaluation.id]:
                raise UserError(
                    _(
                        "Scores were submitted on “%s”: its vendors can no longer change.",
                        evaluation.name,
                    )
                )

    def _check_links_readable(self, leads, templates):
        """A user links only an opportunity, and evaluates only on a template, they may open
        themselves: the evaluation shows them to whoever reads it (a many2one is not checked
        against the rules of its target: any opportunity's name, of any salesperson or
        company, or another company's template and criteria could be read through it).
        Checked on what is stored, the context's defaults or saved defaults included."""
        if self.env.su:
            return
        if leads and not leads.with_env(self.env).has_access("read"):
            raise AccessError(
                _(
                    "You can only link an opportunity you can open yourself: the evaluation "
                    "shows it to everyone who reads the evaluation."
                )
            )
        if templates and not templates.with_env(self.env).has_access("read"):
            raise AccessError(_("You can only use a template you can open yourself."))

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        records = super().create(vals_list)
        stored = records.sudo()
        records._check_links_readable(stored.lead_id, stored.template_id)
        return records

    def write(self, vals):
        self._guard_server_fields([vals])
        # The links it has stay, as the others.
        changed = self._get_changed_fields(vals, ["lead_id", "template_id"])
        self._check_links_readable(
            self.env["crm.lead"].browse(vals["lead_id"] or () if "lead_id" in changed else ()),
            self.env["crm.vendor.eval.template"].browse(
                vals["template_id"] or () if "template_id" in changed else ()
            ),
        )
        if not self.env.su:
            self._check_not_frozen(vals)
        if "template_id" in vals:
            started = self.sudo().filtered(
                lambda evaluation: (
                    (evaluation.state != "draft" or evaluation.assignment_ids)
                    and evaluation._get_changed_fields(vals, ["template_id"])
                )
            )
            if started:
                raise UserError(
                    _(
                        "The template of “%s” cannot change once scoring has started.",
                        started[0].name,
                    )
                )
        team_change = {"vendor_ids", "member_ids"} & set(vals)
        vendors_before = {
            evaluation.id: set(evaluation.vendor_ids.ids)
            for evaluation in (self.with_context(active_test=False) if team_change else ())
        }
        res = super().write(vals)
        if team_change:
            # The cache now holds what the write saw (active records only): read the team and
            # the vendors again, archived ones included.
            self.invalidate_recordset(["vendor_ids", "member_ids"])
            self._check_submitted_work_kept(vendors_before)
        if {"template_id", "vendor_ids", "member_ids"} & set(vals):
            self.filtered(lambda e: e.state == "scoring")._prepare_scoring()
        if "date_deadline" in vals:
            # The evaluators' to-dos follow the decision date (as the daily reminder does).
            self.assignment_ids._ensure_scoring_activity(reminder=True)
        return res

    @api.ondelete(at_uninstall=True)
    def _unlink_except_started(self):
        if self._is_module_uninstalling("crm_vendor_eval"):
            return
        if any(evaluation.state not in ("draft", "cancel") for evaluation in self):
            raise UserError(_("Only a draft or cancelled evaluation can be deleted."))
        kept = self._with_submitted_work()
        if kept:
            raise UserError(
                _(
                    "“%s” holds submitted scores or a decision: it cannot be deleted, so that "
                    "this work is kept. Cancel it instead: a cancelled evaluation stays, with its "
                    "scores and its chatter.",
                    kept[0].name,
                )
            )

    def _with_submitted_work(self):
        """The evaluations of ``self`` that someone's submitted work stands on: a submitted
        scoring sheet (with its scores), or a decision taken once, even if reopened since."""
        submitted = (
            self.env["crm.vendor.eval.assignment"]
            .sudo()
            ._read_group(
                [("evaluation_id", "in", self.ids), ("state", "=", "submitted")], ["evaluation_id"]
            )
        )
        scored = {evaluation.id for (evaluation,) in submitted}
        return self.sudo().filtered(lambda e: e.id in scored or e.date_decided)

    # ------------------------------------------------------------------ actions

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_("Only Evaluation Managers may do this."))

    def action_start(self):
        self._check_manager()
        for evaluation in self:
            if evaluation.state != "draft":
                raise UserError(_("Only a draft evaluation can start."))
            if not evaluation.vendor_ids:
                raise UserError(_("Add at least one vendor before starting the evaluation."))
            if not evaluation.member_ids:
                raise UserError(_("Add the evaluation team before starting the evaluation."))
            if not evaluation._get_criteria():
                raise UserError(
                    _("The template “%s” has no criteria to score.", evaluation.template_id.name)
                )
        self.sudo().write({"state": "scoring"})
        self._prepare_scoring()

    def action_cancel(self):
        self._check_manager()
        for evaluation in self:
            if evaluation.state == "done":
                raise UserError(
                    _("“%s” is decided: reopen it before cancelling it.", evaluation.name)
                )
        self.sudo().write({"state": "cancel"})
        self.assignment_ids._close_scoring_activities()

    def action_reset_to_draft(self):
        self._check_manager()
        if self.filtered(lambda e: e.state != "cancel"):
            raise UserError(_("Only a cancelled evaluation can go back to draft."))
        self.sudo().write({"state": "draft"})

    def action_open_my_assignment(self):
        self.ensure_one()
        mine = self.assignment_ids.filtered(lambda a: a.user_id == self.env.user)
        if not mine:
            raise UserError(_("You are not on the team of this evaluation."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.vendor.eval.assignment",
            "res_id": mine.id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------ business

    def _get_criteria(self):
        """The criteria the evaluation scores, in the template's order: once scoring has
        started, those of its scoring sheets (archived ones included: they were scored);
        before, the active criteria of its template."""
        self.ensure_one()
        used = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group([("evaluation_id", "=", self.id)], ["criterion_id"])
        )
        criteria = self.env["crm.vendor.eval.criterion"].with_context(active_test=False)
        if used:
            criteria = criteria.browse([criterion.id for (criterion,) in used])
        else:
            criteria |= self.with_context(active_test=True).template_id.category_ids.criterion_ids
        return criteria.sorted(
            lambda c: (c.category_id.sequence, c.category_id.id, c.sequence, c.id)
        )

    def _categories(self):
        """[(category, criteria)] of the evaluation, in order."""
        grouped = {}
        for criterion in self._get_criteria():
            grouped.setdefault(criterion.category_id, criterion.browse())
            grouped[criterion.category_id] |= criterion
        return list(grouped.items())

    def _prepare_scoring(self):
        """One scoring sheet per team member (archived members included) and one empty line
        per open sheet, vendor and criterion. Open sheets of users no longer on the team go,
        and lines of vendors no longer evaluated; a submitted sheet is never touched."""
        Score = self.env["crm.vendor.eval.score"].sudo()
        Assignment = self.env["crm.vendor.eval.assignment"].sudo()
        for evaluation in self.sudo().with_context(active_test=False):
            members = evaluation.member_ids
            evaluation.assignment_ids.filtered(
                lambda a, members=members: a.state == "open" and a.user_id not in members
            ).unlink()
            Assignment.create(
                [
                    {"evaluation_id": evaluation.id, "user_id": member.id}
                    for member in members - evaluation.assignment_ids.user_id
                ]
            )
            sheets = evaluation.assignment_ids.filtered(lambda a: a.state == "open")
            criteria = evaluation._get_criteria()
            existing = {
                (s.assignment_id.id, s.vendor_id.id, s.criterion_id.id): s for s in sheets.score_ids
            }
            wanted = {
                (sheet.id, vendor.id, criterion.id)
                for sheet in sheets
                for vendor in evaluation.vendor_ids
                for criterion in criteria
            }
            Score.browse([s.id for key, s in existing.items() if key not in wanted]).unlink()
            evaluator_of = {sheet.id: sheet.user_id.id for sheet in sheets}
            Score.create(
                [
                    {
                        "evaluation_id": evaluation.id,
                        "assignment_id": sheet,
                        "evaluator_id": evaluator_of[sheet],
                        "vendor_id": vendor,
                        "criterion_id": criterion,
                    }
                    for sheet, vendor, criterion in sorted(wanted - set(existing))
                ]
            )
            sheets._ensure_scoring_activity()

    def _demo_fill_scores(self):
        """Demo data only: every member scores every line (deterministically), submits."""
        for evaluation in self.sudo():
            vendors = evaluation.vendor_ids.ids
            for line in evaluation.score_ids:
                # later vendors score higher; categories and evaluators vary around that
                level = vendors.index(line.vendor_id.id) + 1
                wobble = (line.category_id.sequence + line.evaluator_id.id + level) % 3 - 1
                line.score = str(max(0, min(5, level + 1 + wobble)))
            evaluation.assignment_ids._submit()
