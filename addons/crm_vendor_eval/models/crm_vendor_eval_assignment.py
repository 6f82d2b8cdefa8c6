from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmVendorEvalAssignment(models.Model):
    """A team member's part of an evaluation: how far they are, and whether they submitted."""

    _name = "crm.vendor.eval.assignment"
    _description = "Vendor Evaluation Assignment"
    _order = "evaluation_id, user_id"

    evaluation_id = fields.Many2one(
        "crm.vendor.evaluation", required=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one("res.users", string="Evaluator", required=True, index=True)
    state = fields.Selection(
        [("open", "To Score"), ("submitted", "Submitted")], default="open", required=True
    )
    date_submitted = fields.Datetime(string="Submitted On", readonly=True)
    score_ids = fields.One2many("crm.vendor.eval.score", "assignment_id", string="Scoring Sheet")
    evaluation_state = fields.Selection(related="evaluation_id.state", string="Evaluation Status")
    scored_count = fields.Integer(string="Scored", compute="_compute_progress")
    line_count = fields.Integer(string="To Score", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress", help="Share of the lines scored (%).")
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    _sql_constraints = [
        ("member_unique", "UNIQUE(evaluation_id, user_id)", "A member is on the team once.")
    ]

    def write(self, vals):
        if "state" in vals and not self.env.su:
            raise UserError(_("Submit the scores with the Submit button."))
        return super().write(vals)

    def _compute_progress(self):
        counts = {}
        for assignment, scored, count in (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group(
                [("assignment_id", "in", self.ids)], ["assignment_id", "scored"], ["__count"]
            )
        ):
            total, done = counts.get(assignment.id, (0, 0))
            counts[assignment.id] = (total + count, done + (count if scored else 0))
        for assignment in self:
            total, done = counts.get(assignment.id, (0, 0))
            assignment.line_count = total
            assignment.scored_count = done
            assignment.progress = 100.0 * done / total if total else 0.0

    def action_submit(self):
        for assignment in self:
            if assignment.user_id != self.env.user and not self.env.user.has_group(
                "crm_vendor_eval.crm_vendor_eval_group_manager"
            ):
                raise UserError(_("Only the evaluator can submit their scores."))
            if assignment.evaluation_id.state != "scoring":
                raise UserError(_("The evaluation is not being scored."))
        self.sudo().write({"state": "submitted", "date_submitted": fields.Datetime.now()})
        lines = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            .search(
                [
                    ("evaluation_id", "in", self.evaluation_id.ids),
                    ("evaluator_id", "in", self.user_id.ids),
                ]
            )
        )
        lines.filtered(
            lambda line: (
                (line.evaluation_id, line.evaluator_id)
                in {(a.evaluation_id, a.user_id) for a in self}
            )
        ).write({"submitted": True})
        self.evaluation_id.sudo()._compute_results()
