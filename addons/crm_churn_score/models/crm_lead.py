from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    partner_churn_risk = fields.Selection(
        string="Customer Churn Risk",
        related="partner_id.commercial_partner_id.churn_risk",
        help="Churn risk of the customer company, from the latest score.",
    )
    partner_churn_score = fields.Float(
        string="Customer Churn Score",
        related="partner_id.commercial_partner_id.churn_score",
        digits=(5, 1),
    )

    def write(self, vals):
        vals = self.env["res.partner"]._check_churn_fields_write(
            vals, {"partner_churn_risk", "partner_churn_score"}
        )
        return super().write(vals)
