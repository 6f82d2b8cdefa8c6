from odoo import api, fields, models

LEAD_CHURN_FIELDS = frozenset({"partner_churn_risk", "partner_churn_score"})
# What an opportunity shows of a customer the user may not read (as of no customer).
NO_SCORE = {"partner_churn_risk": False, "partner_churn_score": 0.0}


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
        help="Latest churn risk score (0-100).",
    )

    def onchange(self, values, field_names, fields_spec):
        """The customer's score only if the user may read the customer: a form's onchange
        computes the related fields (read as superuser, like every related field) of any
        customer id it is given, another company's customers' included. Checked here, once
        per onchange, and not in the fields: the pipeline reads them on every card of saved
        opportunities, whose customers the user sees (Odoo shows a linked record's name
        alike)."""
        result = super().onchange(values, field_names, fields_spec)
        shown = LEAD_CHURN_FIELDS & set(result.get("value", {}))
        if shown and not self.env.su:
            partner = result["value"].get("partner_id", values.get("partner_id"))
            if isinstance(partner, dict):
                partner = partner.get("id")
            customer = self.env["res.partner"].sudo().browse(partner or ()).exists()
            customer = customer.commercial_partner_id.with_env(self.env)
            if customer and not customer._filtered_access("read"):
                for name in shown:
                    result["value"][name] = NO_SCORE[name]
        return result

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
