from odoo import api, fields, models


class CrmVendorEvalResult(models.Model):
    """A vendor's standing in an evaluation, computed from the scores given."""

    _name = "crm.vendor.eval.result"
    _inherit = ["crm.suite.server.fields.mixin", "crm.vendor.eval.link.mixin"]
    _shown_links = ("evaluation_id", "strongest_category_id", "weakest_category_id")
    _description = "Vendor Evaluation Result"
    _order = "evaluation_id, rank, id"

    evaluation_id = fields.Many2one(
        "crm.vendor.evaluation", required=True, ondelete="cascade", index=True
    )
    vendor_id = fields.Many2one("res.partner", string="Vendor", required=True)
    rank = fields.Integer()
    total = fields.Float(string="Weighted Total", digits=(16, 1), help="0 to 100.")
    spread = fields.Float(
        digits=(16, 1), help="Range of the totals the evaluators give the vendor each on their own."
    )
    coverage = fields.Float(digits=(16, 1), help="Share of the criteria scored (%).")
    missing_count = fields.Integer(
        string="Missing", help="Criteria nobody scored: left out of the total, not counted as zero."
    )
    strongest_category_id = fields.Many2one("crm.vendor.eval.category", string="Strongest")
    weakest_category_id = fields.Many2one("crm.vendor.eval.category", string="Weakest")
    category_scores = fields.Json(help="{category id: 0-100 or null}")
    evaluator_coverage = fields.Json(
        help="{evaluator id: share of the criteria they scored for the vendor (%)}"
    )
    lowest_evaluator_coverage = fields.Float(
        string="Lowest Evaluator Coverage",
        compute="_compute_lowest_evaluator_coverage",
        digits=(16, 1),
        help="Share of the criteria scored by the evaluator who scored the fewest (%).",
    )
    currency_id = fields.Many2one(related="evaluation_id.currency_id")
    tco = fields.Monetary(string="Total Cost of Ownership")
    score_per_cost = fields.Float(
        string="Points per 100k",
        compute="_compute_score_per_cost",
        digits=(16, 2),
        help="Weighted total per 100,000 of total cost of ownership.",
    )
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    @api.depends("evaluator_coverage")
    def _compute_lowest_evaluator_coverage(self):
        for result in self:
            result.lowest_evaluator_coverage = min((result.evaluator_coverage or {}).values(),
                                                   default=0.0)  # fmt: skip

    @api.depends("total", "tco")
    def _compute_score_per_cost(self):
        for result in self:
            result.score_per_cost = result.total / (result.tco / 100_000.0) if result.tco else 0.0

    @api.model
    def _get_user_fields(self):
        return set()  # computed by the evaluation, from the submitted scores

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        return super().write(vals)
