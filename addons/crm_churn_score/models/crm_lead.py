from odoo import api, fields, models

LEAD_CHURN_FIELDS = frozenset({"partner_churn_risk", "partner_churn_score"})


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.suite.server.fields.mixin"]
    # Odoo's own code writes computed fields of opportunities: the churn fields are named below.
    _server_fields_computed = False

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

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        return super().write(vals)

    @api.model
    def _get_server_written_fields(self):
        return super()._get_server_written_fields() | LEAD_CHURN_FIELDS

    @api.model
    def _get_refusal_hints(self, names):
        return self.env["res.partner"]._churn_score_hint(
            super()._get_refusal_hints(names), names, LEAD_CHURN_FIELDS
        )
