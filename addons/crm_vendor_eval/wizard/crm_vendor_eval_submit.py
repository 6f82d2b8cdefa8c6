from odoo import api, fields, models


class CrmVendorEvalSubmit(models.TransientModel):
    """The confirmation before a scoring sheet is submitted: it names how many lines are
    still empty (they count as not scored, never as zero) and that nothing changes after."""

    _name = "crm.vendor.eval.submit"
    _description = "Submit a Vendor Scoring Sheet"

    assignment_id = fields.Many2one(
        "crm.vendor.eval.assignment", string="Scoring Sheet", required=True, ondelete="cascade"
    )
    line_count = fields.Integer(related="assignment_id.line_count")
    unscored_count = fields.Integer(related="assignment_id.unscored_count")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("assignment_id"):
            self.env["crm.vendor.eval.assignment"].browse(
                values["assignment_id"]
            )._check_can_submit()
        return values

    def action_submit(self):
        """Submits through the sheet's own action: only its evaluator, while it is open."""
        self.ensure_one()
        self.assignment_id.action_submit()
        return {"type": "ir.actions.act_window_close"}
