"""The results of a vendor evaluation: ranking from the submitted sheets, the comparison
matrix (screen, printed report) and its Excel workbook."""

from odoo import _, models
from odoo.addons.crm_suite_base.xlsx import Currency
from odoo.exceptions import AccessError, UserError

from ..comparison_xlsx import build_comparison_workbook
from ..const import MANAGER_GROUP
from ..scoring import rank_vendors


class CrmVendorEvaluation(models.Model):
    _inherit = "crm.vendor.evaluation"

    # ------------------------------------------------------------------ actions

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

    def action_export_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/crm_vendor_eval/comparison/{self.id}/xlsx",
            "target": "self",
        }

    # ------------------------------------------------------------------ business

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
