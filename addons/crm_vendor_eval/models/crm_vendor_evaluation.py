from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CrmVendorEvaluation(models.Model):
    _name = "crm.vendor.evaluation"
    _description = "CRM Vendor Evaluation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(required=True, tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("in_progress", "In Progress"),
            ("done", "Decided"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
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
    decision_vendor_id = fields.Many2one("res.partner", string="Chosen Vendor", tracking=True)
    decision_reason = fields.Text(string="Reason for the Decision")
    description = fields.Html()

    @api.depends("vendor_ids")
    def _compute_vendor_count(self):
        for evaluation in self:
            evaluation.vendor_count = len(evaluation.vendor_ids)

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

    def action_start(self):
        for evaluation in self:
            if evaluation.state != "draft":
                raise UserError(_("Only a draft evaluation can start."))
            if len(evaluation.vendor_ids) < 1:
                raise UserError(_("Add at least one vendor before starting the evaluation."))
        self.write({"state": "in_progress"})

    def action_decide(self):
        for evaluation in self:
            if evaluation.state != "in_progress":
                raise UserError(_("Only an evaluation in progress can be decided."))
            if not evaluation.decision_vendor_id or not evaluation.decision_reason:
                raise UserError(_("Choose the vendor and give the reason for the decision."))
        self.write({"state": "done"})

    def action_cancel(self):
        self.write({"state": "cancel"})

    def action_reset_to_draft(self):
        self.write({"state": "draft"})
