from odoo import _, api, fields, models


class CrmVendorEvalSubmit(models.TransientModel):
    """The confirmation before a scoring sheet is submitted: it names how many lines are
    still empty (they count as not scored, never as zero) and that nothing changes after."""

    _name = "crm.vendor.eval.submit"
    _inherit = ["crm.vendor.eval.link.mixin"]
    _shown_links = ("assignment_id",)
    _description = "Submit a Vendor Scoring Sheet"

    assignment_id = fields.Many2one(
        "crm.vendor.eval.assignment", string="Scoring Sheet", required=True, ondelete="cascade"
    )
    # Read as the user (the team sees each other's progress), not as superuser: a form's
    # onchange computes them of any sheet id it is given.
    line_count = fields.Integer(related="assignment_id.line_count", compute_sudo=False)
    unscored_count = fields.Integer(related="assignment_id.unscored_count", compute_sudo=False)
    summary = fields.Char(compute="_compute_summary")

    @api.depends("line_count", "unscored_count")
    def _compute_summary(self):
        for wizard in self:
            if wizard.unscored_count:
                wizard.summary = _(
                    "%(unscored)s of %(total)s criteria on your sheet are not scored.",
                    unscored=wizard.unscored_count,
                    total=wizard.line_count,
                )
            else:
                wizard.summary = _("All %s criteria on your sheet are scored.", wizard.line_count)

    @api.model_create_multi
    def create(self, vals_list):
        """The confirmation of one's own open sheet only: it shows the sheet's evaluation,
        evaluator and progress (related fields, read as superuser), which would otherwise be
        read of any sheet by its id."""
        wizards = super().create(vals_list)
        if not self.env.su:
            wizards.assignment_id.sudo()._check_can_submit()
        return wizards

    def write(self, vals):
        res = super().write(vals)
        if "assignment_id" in vals and not self.env.su:
            self.assignment_id.sudo()._check_can_submit()
        return res

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
