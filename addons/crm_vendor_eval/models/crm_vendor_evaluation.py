from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..comparison_xlsx import build_comparison_workbook
from ..scoring import rank_vendors

MANAGER_GROUP = "crm_vendor_eval.crm_vendor_eval_group_manager"


class CrmVendorEvaluation(models.Model):
    _name = "crm.vendor.evaluation"
    _description = "CRM Vendor Evaluation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
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
        default="draft",
        required=True,
        tracking=True,
        index=True,
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
    decision_vendor_id = fields.Many2one("res.partner", string="Chosen Vendor", tracking=True)
    decision_reason = fields.Text(string="Reason for the Decision")
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

    @api.constrains("kind", "lead_id")
    def _check_bid_opportunity(self):
        for evaluation in self.filtered(lambda e: e.kind == "bid"):
            lead = evaluation.lead_id
            if not lead:
                raise ValidationError(_("Link a competitive bid to its opportunity."))
            if "project_phase" in lead._fields and lead.project_phase != "tender":
                raise ValidationError(
                    _(
                        "A competitive bid belongs to an opportunity in the Tender phase; "
                        "“%s” is not in it.",
                        lead.name,
                    )
                )

    def write(self, vals):
        locked = {"template_id", "vendor_ids", "member_ids", "offer_ids"}
        if locked & set(vals) and any(e.state in ("done", "cancel") for e in self):
            raise UserError(_("A decided or cancelled evaluation is locked."))
        if {"template_id", "vendor_ids", "member_ids"} & set(vals):
            res = super().write(vals)
            self.filtered(lambda e: e.state == "scoring")._prepare_scoring()
            return res
        return super().write(vals)

    # ------------------------------------------------------------------ actions

    def action_start(self):
        for evaluation in self:
            if evaluation.state != "draft":
                raise UserError(_("Only a draft evaluation can start."))
            if not evaluation.vendor_ids:
                raise UserError(_("Add at least one vendor before starting the evaluation."))
            if not evaluation.member_ids:
                raise UserError(_("Add the evaluation team before starting the evaluation."))
        self.write({"state": "scoring"})
        self._prepare_scoring()

    def action_compute_results(self):
        self._compute_results()

    def action_decide(self):
        for evaluation in self:
            if evaluation.state != "scoring":
                raise UserError(_("Only an evaluation being scored can be decided."))
            if not evaluation.decision_vendor_id or not evaluation.decision_reason:
                raise UserError(_("Choose the vendor and give the reason for the decision."))
        self._compute_results()
        self.write({"state": "done"})
        for evaluation in self:
            evaluation._post_ranking()

    def action_cancel(self):
        self.write({"state": "cancel"})

    def action_reset_to_draft(self):
        if self.filtered(lambda e: e.state != "cancel"):
            raise UserError(_("Only a cancelled evaluation can go back to draft."))
        self.write({"state": "draft"})

    def action_export_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_vendor_eval/comparison/{self.id}/xlsx",
            "target": "self",
        }

    # ------------------------------------------------------------------ business

    def _prepare_scoring(self):
        """One assignment per team member and one empty score line per member, vendor and
        criterion (lines of vendors, members or criteria no longer in it are removed)."""
        Score = self.env["crm.vendor.eval.score"].sudo()
        Assignment = self.env["crm.vendor.eval.assignment"].sudo()
        for evaluation in self.sudo():
            assigned = evaluation.assignment_ids
            assigned.filtered(lambda a, e=evaluation: a.user_id not in e.member_ids).unlink()
            Assignment.create(
                [
                    {"evaluation_id": evaluation.id, "user_id": member.id}
                    for member in evaluation.member_ids - assigned.exists().user_id
                ]
            )
            assignment_of = {a.user_id.id: a.id for a in evaluation.assignment_ids}
            criteria = evaluation.template_id.category_ids.criterion_ids
            existing = {
                (s.evaluator_id.id, s.vendor_id.id, s.criterion_id.id): s
                for s in evaluation.score_ids
            }
            wanted = {
                (member.id, vendor.id, criterion.id)
                for member in evaluation.member_ids
                for vendor in evaluation.vendor_ids
                for criterion in criteria
            }
            Score.browse([s.id for key, s in existing.items() if key not in wanted]).unlink()
            Score.create(
                [
                    {
                        "evaluation_id": evaluation.id,
                        "assignment_id": assignment_of[member],
                        "evaluator_id": member,
                        "vendor_id": vendor,
                        "criterion_id": criterion,
                    }
                    for member, vendor, criterion in sorted(wanted - set(existing))
                ]
            )

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

    def _compute_results(self):
        """Store per vendor the weighted total, category scores, spread, rank and costs."""
        Result = self.env["crm.vendor.eval.result"].sudo()
        for evaluation in self:
            evaluation.sudo().result_ids.unlink()
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
            (
                category.id,
                category.weight,
                [(criterion.id, criterion.weight) for criterion in category.criterion_ids],
            )
            for category in self.template_id.category_ids
        ]
        return rank_vendors(self.vendor_ids.ids, categories, given)

    def _post_ranking(self):
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
        self.message_post(
            body=Markup(
                "<p>%s</p><table class='table table-sm'><thead><tr><th>#</th><th>%s</th>"
                "<th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table><p>%s</p>"
            )
            % (
                _("Decision: %(vendor)s.", vendor=self.decision_vendor_id.display_name),
                _("Vendor"),
                _("Weighted total"),
                _("Spread"),
                rows,
                _("Reason: %s", self.decision_reason),
            ),
            subtype_xmlid="mail.mt_note",
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
                    for criterion in category.criterion_ids
                ],
            )
            for category in self.template_id.category_ids
        ]

    def _render_comparison(self):
        if not self.id or not self.result_ids:
            return False
        return self.env["ir.qweb"]._render(
            "crm_vendor_eval.comparison_matrix",
            {
                "evaluation": self,
                "results": self.result_ids.sorted("rank"),
                "rows": self._comparison_rows(),
            },
        )

    def _comparison_xlsx(self):
        """The comparison of the form as .xlsx bytes: the same figures as on the screen."""
        self.ensure_one()
        results = self.result_ids.sorted("rank")
        by_vendor = [result.vendor_id.id for result in results]
        categories = [
            (
                category.name,
                [(result.category_scores or {}).get(str(category.id)) for result in results],
                [
                    (criterion.name, [averages.get(v) for v in by_vendor])
                    for criterion, averages in lines
                ],
            )
            for category, lines in self._comparison_rows()
        ]
        labels = {
            "sheet": _("Comparison"),
            "criterion": _("Criterion"),
            "total": _("Weighted total (0-100)"),
            "spread": _("Spread between evaluators"),
            "missing": _("Criteria not scored"),
            "tco": _("Total cost of ownership"),
            "strongest": _("Strongest category"),
            "weakest": _("Weakest category"),
        }
        totals = {
            "total": results.mapped("total"),
            "spread": results.mapped("spread"),
            "missing": results.mapped("missing_count"),
            "tco": results.mapped("tco"),
            "strongest": [r.strongest_category_id.name or "" for r in results],
            "weakest": [r.weakest_category_id.name or "" for r in results],
        }
        return build_comparison_workbook(
            self.name, labels, results.mapped("vendor_id.display_name"), categories, totals
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
            evaluation.assignment_ids.action_submit()
