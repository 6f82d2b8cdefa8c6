from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

COST_TYPES = [
    ("travel", "Travel"),
    ("presales", "Presales Consulting"),
    ("demo", "Demo / Proof of Concept"),
    ("bid", "Bid Preparation"),
    ("entertainment", "Entertainment"),
    ("other", "Other"),
]


class CrmLeadCost(models.Model):
    _name = "crm.lead.cost"
    _inherit = ["crm.suite.server.fields.mixin", "crm.lead.company.mixin"]
    _description = "Opportunity Selling Expense"
    _order = "date desc, id desc"

    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(string="Description", required=True)
    cost_type = fields.Selection(COST_TYPES, string="Type", required=True, default="other")
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    amount = fields.Monetary(currency_field="currency_id", required=True)
    user_id = fields.Many2one(
        "res.users", string="Spent By", default=lambda self: self.env.user, index=True
    )
    currency_id = fields.Many2one(related="lead_id.company_currency")

    @api.constrains("amount")
    def _check_amount(self):
        if any(cost.amount < 0 for cost in self):
            raise ValidationError(_("A selling expense cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        return super().write(vals)

    @api.model
    def _get_amount_fields(self):
        return super()._get_amount_fields() | {"amount"}

    @api.model
    def _get_fixed_fields(self):
        """An expense stays on the opportunity it was spent for: moving it to another one
        would put it where its writer may not enter one (the rules check a write before it)
        and change that deal's cost of selling."""
        return super()._get_fixed_fields() | {"lead_id"}

    @api.model
    def _get_refusal_hints(self, names):
        hints = super()._get_refusal_hints(names)
        if "lead_id" in names:
            hints.append(
                self.env._(
                    "An expense stays on the opportunity it was spent for: enter a new one on "
                    "the other opportunity."
                )
            )
        return hints
