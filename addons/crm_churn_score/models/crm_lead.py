from odoo import api, fields, models

from .crm_churn_score import RISK_LEVELS

LEAD_CHURN_FIELDS = frozenset({"partner_churn_risk", "partner_churn_score"})


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.suite.server.fields.mixin"]
    # Odoo's own code writes computed fields of opportunities: the churn fields are named below.
    _server_fields_computed = False

    partner_churn_risk = fields.Selection(
        RISK_LEVELS,
        string="Customer Churn Risk",
        compute="_compute_partner_churn_risk",
        search="_search_partner_churn_risk",
        help="Churn risk of the customer company, from the latest score.",
    )
    partner_churn_score = fields.Float(
        string="Customer Churn Score",
        compute="_compute_partner_churn_score",
        search="_search_partner_churn_score",
        digits=(5, 1),
        help="Latest churn risk score (0-100).",
    )

    @api.depends("partner_id.commercial_partner_id.churn_risk")
    @api.depends_context("uid")
    def _compute_partner_churn_risk(self):
        """The risk of the customer company, to whoever may read the customer (a form's
        onchange computes it of any customer id it is given; a saved opportunity may be of a
        contact made of another company's customer)."""
        self.env["res.partner"]._set_customer_churn(
            self, {"partner_churn_risk": "churn_risk"}, partner="partner_id"
        )

    @api.depends("partner_id.commercial_partner_id.churn_score")
    @api.depends_context("uid")
    def _compute_partner_churn_score(self):
        self.env["res.partner"]._set_customer_churn(
            self, {"partner_churn_score": "churn_score"}, partner="partner_id"
        )

    def _search_partner_churn_risk(self, operator, value):
        return [("partner_id.commercial_partner_id.churn_risk", operator, value)]

    def _search_partner_churn_score(self, operator, value):
        return [("partner_id.commercial_partner_id.churn_score", operator, value)]

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
