from odoo import api, fields, models
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import (
    MAX_AMOUNT_TEXT,
    within_amount_bounds,
)
from odoo.exceptions import AccessError, ValidationError

# Who sets what an activity costs the sales team: Odoo lets the managers of other apps
# (projects, fleet, time off...) write activity types too.
COST_GROUPS = "sales_team.group_sale_manager,base.group_system"


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    crm_selling_cost = fields.Float(
        string="Selling Cost per Activity",
        digits="Product Price",
        groups=COST_GROUPS,
        # Read where it is shown (the activity type's form and list) and in SQL (the cost of
        # selling), not with every read of an activity type: Odoo checks the groups of each
        # field it reads with a record, at every such read (an activity on a card, a message).
        prefetch="crm_selling_cost",
        copy=False,
        help="What one activity of this type done on an opportunity costs (time of the sales "
        "team), in the opportunity's company currency; counted in the cost of selling.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_selling_cost(vals_list)
        if not self._may_set_selling_cost():
            # Nor through a default (the call's context, one's own saved default), which Odoo
            # fills after this check: the type starts without a cost, for a Sales Manager to set.
            vals_list = [{**vals, "crm_selling_cost": 0.0} for vals in vals_list]
        return super().create(vals_list)

    def write(self, vals):
        self._check_selling_cost([vals])
        return super().write(vals)

    @api.model
    def _check_selling_cost(self, vals_list):
        """Before the write (a number too large for its rounding is a server error in it): a
        cost per activity is a finite number from 0 to ``MAX_AMOUNT``, as the expenses', set
        by a Sales Manager or an administrator (Odoo checks the field's groups on a write, not
        on a create)."""
        for vals in vals_list:
            cost = vals.get("crm_selling_cost")
            if cost and not self._may_set_selling_cost():
                raise AccessError(
                    self.env._(
                        "Only Sales Managers set the selling cost per activity of an activity type."
                    )
                )
            if not within_amount_bounds(cost) or float(cost or 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "The selling cost per activity must be a number from 0 to %(max)s.",
                        max=MAX_AMOUNT_TEXT,
                    )
                )

    @api.model
    def _may_set_selling_cost(self):
        return self._fields["crm_selling_cost"].is_accessible(self.env)
