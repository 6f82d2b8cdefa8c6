from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

SCORES = [
    ("0", "0 - Absent"),
    ("1", "1 - Poor"),
    ("2", "2 - Weak"),
    ("3", "3 - Adequate"),
    ("4", "4 - Good"),
    ("5", "5 - Excellent"),
]


class CrmVendorEvalScore(models.Model):
    """What one evaluator gives one vendor on one criterion (0-5), with a comment."""

    _name = "crm.vendor.eval.score"
    _inherit = ["crm.suite.server.fields.mixin", "crm.vendor.eval.link.mixin"]
    _shown_links = ("evaluation_id", "assignment_id", "criterion_id")
    _description = "Vendor Evaluation Score"
    _order = (
        "evaluation_id, evaluator_id, category_sequence, category_id, criterion_sequence, "
        "criterion_id, vendor_id, id"
    )

    evaluation_id = fields.Many2one(
        "crm.vendor.evaluation", required=True, readonly=True, ondelete="cascade", index=True
    )
    assignment_id = fields.Many2one(
        "crm.vendor.eval.assignment",
        string="Scoring Sheet",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
    )
    evaluator_id = fields.Many2one(
        "res.users", string="Evaluator", required=True, readonly=True, index=True
    )
    vendor_id = fields.Many2one(
        "res.partner", string="Vendor", required=True, readonly=True, index=True
    )
    criterion_id = fields.Many2one(
        "crm.vendor.eval.criterion",
        string="Criterion",
        required=True,
        readonly=True,
        ondelete="restrict",
    )
    category_id = fields.Many2one(related="criterion_id.category_id", store=True, string="Category")
    category_sequence = fields.Integer(
        related="criterion_id.category_id.sequence", store=True, string="Category Sequence"
    )
    criterion_sequence = fields.Integer(related="criterion_id.sequence", store=True)
    # Read as the user: a form's onchange computes it of any criterion id it is given (as
    # superuser, another company's guide would be shown).
    guide = fields.Text(related="criterion_id.guide", string="Scoring Guide", compute_sudo=False)
    score = fields.Selection(SCORES, help="0 (absent) to 5 (excellent); empty: not scored.")
    score_value = fields.Float(
        compute="_compute_scored", store=True, aggregator="avg", digits=(16, 2)
    )
    scored = fields.Boolean(compute="_compute_scored", store=True, index=True)
    comment = fields.Char()
    submitted = fields.Boolean(
        compute="_compute_submitted",
        store=True,
        index=True,
        help="The evaluator has submitted: the line is locked.",
    )
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    _sql_constraints = [
        (
            "line_unique",
            "UNIQUE(evaluation_id, evaluator_id, vendor_id, criterion_id)",
            "An evaluator scores a vendor once per criterion.",
        ),
    ]

    @api.depends("score")
    def _compute_scored(self):
        for line in self:
            line.scored = bool(line.score)
            line.score_value = float(line.score) if line.score else 0.0

    @api.depends("assignment_id.state")
    def _compute_submitted(self):
        for line in self:
            line.submitted = line.assignment_id.state == "submitted"

    @api.model
    def _get_user_fields(self):
        return {"score", "comment"}

    @api.model_create_multi
    def create(self, vals_list):
        # Lines are made by the server when scoring starts (and refused to users by access).
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        if not self.env.su:
            for line in self.sudo():
                if line.evaluator_id.id != self.env.uid:
                    raise AccessError(_("Only the evaluator changes their own scores."))
                if line.evaluation_id.state != "scoring":
                    raise UserError(
                        _("Scores can only change while the evaluation is being scored.")
                    )
                if line.submitted:
                    raise UserError(_("These scores were submitted: they cannot change any more."))
        return super().write(vals)

    @api.ondelete(at_uninstall=True)
    def _unlink_except_submitted(self):
        if self._is_module_uninstalling("crm_vendor_eval"):
            return
        if any(line.submitted for line in self):
            raise UserError(_("Submitted scores are never deleted."))
