from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.addons.crm_suite_base.xlsx import Currency
from odoo.exceptions import AccessError, UserError, ValidationError

from ..comparison_xlsx import build_comparison_workbook
from ..scoring import rank_vendors

MANAGER_GROUP = "crm_vendor_eval.crm_vendor_eval_group_manager"
SCORING_ACTIVITY = "crm_vendor_eval.mail_activity_type_vendor_scoring"


class CrmVendorEvaluation(models.Model):
    _name = "crm.vendor.evaluation"
    _description = "CRM Vendor Evaluation"
    _inherit = ["mail.thread", "mail.activity.mixin", "crm.suite.server.fields.mixin"]
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
        help="The CRM vendors or implementation partners evaluated (contacts of the shared "
        "customer master).",
    )
    vendor_count = fields.Integer(compute="_compute_vendor_count")
    lead_id = fields.Many2one("crm.lead", string="Opportunity", index=True)
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
        }

    def _decision_fields(self):
        """What a decision stands on: frozen while the evaluation is decided or cancelled."""
        return {
            "template_id",
            "kind",
            "lead_id",
            "vendor_ids",
            "member_ids",
            "offer_ids",
            "horizon_years",
            "decision_vendor_id",
            "decision_reason",
            "company_id",
        }

    def _check_not_frozen(self, vals):
        names = [name for name in vals if name in self._decision_fields()]
        if not names:
            return
        labels = ", ".join(self._fields[name]._description_string(self.env) for name in names)
        for evaluation in self:
            if evaluation.state == "done":
                raise UserError(
                    _(
                        "“%(evaluation)s” is decided: reopen it to change %(fields)s.",
                        evaluation=evaluation.name,
                        fields=labels,
                    )
                )
            if evaluation.state == "cancel":
                raise UserError(
                    _(
                        "“%(evaluation)s” is cancelled: reset it to draft to change %(fields)s.",
                        evaluation=evaluation.name,
                        fields=labels,
                    )
                )

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

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        if not self.env.su:
            self._check_not_frozen(vals)
        if "template_id" in vals:
            started = self.sudo().filtered("assignment_ids")
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

    def action_compute_results(self):
        self._check_manager()
        for evaluation in self:
            if evaluation.state == "done":
                raise UserError(
                    _(
                        "“%s” is decided: its results are frozen. Reopen it to update them.",
                        evaluation.name,
                    )
                )
            if evaluation.state != "scoring":
                raise UserError(_("Results are updated while the evaluation is being scored."))
        self._compute_results()

    def action_decide(self):
        self._check_manager()
        for evaluation in self:
            if evaluation.state != "scoring":
                raise UserError(_("Only an evaluation being scored can be decided."))
            if not evaluation.decision_vendor_id or not evaluation.decision_reason:
                raise UserError(_("Choose the vendor and give the reason for the decision."))
        self._compute_results()
        self.sudo().write({"state": "done"})
        self.assignment_ids._close_scoring_activities()
        for evaluation in self:
            evaluation._post_ranking()

    def action_reopen(self):
        """Take a decision back: scores, costs and results change again until the next
        decision. Logged in the chatter, in the company's language."""
        self._check_manager()
        if any(evaluation.state != "done" for evaluation in self):
            raise UserError(_("Only a decided evaluation can be reopened."))
        self.sudo().write({"state": "scoring"})
        for evaluation in self:
            env = evaluation._company_lang_env()
            evaluation._message_log(
                body=Markup("<p>%s</p>")
                % env._(
                    "%(user)s reopened the decision on %(vendor)s.",
                    user=self.env.user.name,
                    vendor=evaluation.decision_vendor_id.display_name,
                )
            )
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

    def action_export_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_vendor_eval/comparison/{self.id}/xlsx",
            "target": "self",
        }

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

    def _company_lang_env(self):
        """The environment to write generated texts of the evaluation in (chatter posts read
        by the whole team): the language of the company's partner, else the current one."""
        lang = self.company_id.partner_id.lang or self.env.lang
        return self.with_context(lang=lang).env

    def _check_comparison_access(self):
        """The comparison (screen, Excel, PDF) is for managers and for members who have
        submitted their own scores: before that it would bias their scoring."""
        self.check_access("read")
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        for evaluation in self.sudo():
            if not evaluation.assignment_ids.filtered(
                lambda a: a.user_id == self.env.user and a.state == "submitted"
            ):
                raise AccessError(
                    _("You see the comparison once you have submitted your own scores.")
                )

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

    def _compute_results(self):
        """Store per vendor the weighted total, category scores, spread, rank, coverage and
        costs, from the submitted sheets (private: the managers' *Update Results*, the
        decision and each submission come through here; never on a decided evaluation)."""
        Result = self.env["crm.vendor.eval.result"].sudo()
        for evaluation in self.sudo().filtered(lambda e: e.state == "scoring"):
            evaluation.result_ids.unlink()
            ranking = evaluation._rank()
            offers = {offer.vendor_id.id: offer for offer in evaluation.offer_ids}
            Result.create(
                [
                    {
                        "evaluation_id": evaluation.id,
                        "vendor_id": row["vendor_id"],
                        "rank": row["rank"],
                        "total": row["total"],
                        "spread": row["spread"],
                        "coverage": row["coverage"],
                        "missing_count": row["missing"],
                        "strongest_category_id": row["strongest"],
                        "weakest_category_id": row["weakest"],
                        "category_scores": row["categories"],
                        "evaluator_coverage": row["evaluators"],
                        "tco": offers[row["vendor_id"]].tco if row["vendor_id"] in offers else 0.0,
                    }
                    for row in ranking
                ]
            )

    def _rank(self):
        """Ranking from the submitted scoring sheets: a sheet still being filled in counts
        for nobody (sudo: results gather every evaluator who has submitted)."""
        self.ensure_one()
        groups = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group(
                [("evaluation_id", "=", self.id), ("scored", "=", True), ("submitted", "=", True)],
                ["vendor_id", "criterion_id", "evaluator_id"],
                ["score_value:avg"],
            )
        )
        given = [
            (vendor.id, criterion.id, evaluator.id, score)
            for vendor, criterion, evaluator, score in groups
        ]
        categories = [
            (category.id, category.weight, [(c.id, c.weight) for c in criteria])
            for category, criteria in self._categories()
        ]
        evaluators = self.sudo().assignment_ids.filtered(lambda a: a.state == "submitted")
        return rank_vendors(self.vendor_ids.ids, categories, given, evaluators.user_id.ids)

    def _post_ranking(self):
        """The decision in the chatter, in the company's language (the whole team reads it).
        Logged, not sent: it needs no email address of the manager."""
        env = self._company_lang_env()
        rows = Markup().join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (
                result.rank,
                result.vendor_id.display_name,
                f"{result.total:.1f}",
                f"{result.spread:.1f}",
            )
            for result in self.result_ids.sorted("rank")
        )
        self._message_log(
            body=Markup(
                "<p>%s</p><table class='table table-sm'><thead><tr><th>#</th><th>%s</th>"
                "<th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table><p>%s</p>"
            )
            % (
                env._("Decision: %(vendor)s.", vendor=self.decision_vendor_id.display_name),
                env._("Vendor"),
                env._("Weighted total"),
                env._("Spread"),
                rows,
                env._("Reason: %s", self.decision_reason),
            ),
        )

    def _comparison_rows(self):
        """(category, [(criterion, {vendor_id: average or None})]) for the matrix."""
        self.ensure_one()
        averages = {
            (vendor.id, criterion.id): score
            for vendor, criterion, score in self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group(
                [("evaluation_id", "=", self.id), ("scored", "=", True), ("submitted", "=", True)],
                ["vendor_id", "criterion_id"],
                ["score_value:avg"],
            )
        }
        return [
            (
                category,
                [
                    (criterion, {v.id: averages.get((v.id, criterion.id)) for v in self.vendor_ids})
                    for criterion in criteria
                ],
            )
            for category, criteria in self._categories()
        ]

    def _evaluator_rows(self, results):
        """[(evaluator name, [coverage % per result's vendor])] of the submitted sheets (none for
        results computed before the coverage was kept)."""
        if not any(result.evaluator_coverage for result in results):
            return []
        sheets = self.sudo().assignment_ids.filtered(lambda a: a.state == "submitted")
        return [
            (
                sheet.user_id.name,
                [
                    (result.evaluator_coverage or {}).get(str(sheet.user_id.id), 0.0)
                    for result in results
                ],
            )
            for sheet in sheets
        ]

    def _comparison_labels(self):
        """The captions of the comparison, defined once for the screen, the printed report
        and the Excel workbook, in the reader's language."""
        _ = self.env._
        return {
            "criterion": _("Criterion"),
            "weight": _("Weight"),
            "rank": _("Rank"),
            "total": _("Weighted total (0-100)"),
            "spread": _("Spread between evaluators"),
            "missing": _("Criteria not scored"),
            "tco": _("Total cost of ownership"),
            "strongest": _("Strongest category"),
            "weakest": _("Weakest category"),
            "coverage": _("Criteria scored by each evaluator (%)"),
            "sheet": _("Comparison"),
            "detail_sheet": _("Scores by evaluator"),
            "evaluator": _("Evaluator"),
            "vendor": _("Vendor"),
            "category": _("Category"),
            "score": _("Score (0-5)"),
            "comment": _("Comment"),
        }

    def _render_comparison(self):
        if not self.id or not self.result_ids:
            return False
        results = self.result_ids.sorted("rank")
        return self.env["ir.qweb"]._render(
            "crm_vendor_eval.comparison_matrix",
            {
                "evaluation": self,
                "results": results,
                "rows": self._comparison_rows(),
                "evaluator_rows": self._evaluator_rows(results),
                "labels": self._comparison_labels(),
            },
        )

    def _comparison_xlsx(self):
        """The comparison of the form as .xlsx bytes: the same figures as on the screen, and
        each evaluator's submitted scores on a sheet of their own."""
        self.ensure_one()
        results = self.result_ids.sorted("rank")
        by_vendor = [result.vendor_id.id for result in results]
        categories = [
            (
                category.name,
                category.weight,
                [(result.category_scores or {}).get(str(category.id)) for result in results],
                [
                    (criterion.name, criterion.weight, [averages.get(v) for v in by_vendor])
                    for criterion, averages in lines
                ],
            )
            for category, lines in self._comparison_rows()
        ]
        totals = {
            "rank": results.mapped("rank"),
            "total": results.mapped("total"),
            "spread": results.mapped("spread"),
            "missing": results.mapped("missing_count"),
            "tco": results.mapped("tco"),
            "strongest": [r.strongest_category_id.name or "" for r in results],
            "weakest": [r.weakest_category_id.name or "" for r in results],
        }
        lines = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            .search([("evaluation_id", "=", self.id), ("submitted", "=", True)])
        )
        details = [
            (
                line.evaluator_id.name,
                line.vendor_id.display_name,
                line.category_id.name,
                line.criterion_id.name,
                line.score_value if line.scored else None,
                line.comment or "",
            )
            for line in lines
        ]
        currency = self.currency_id
        return build_comparison_workbook(
            self.name,
            self._comparison_labels(),
            results.mapped("vendor_id.display_name"),
            categories,
            totals,
            self._evaluator_rows(results),
            details,
            Currency(currency.symbol, currency.position, currency.decimal_places),
        )

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
