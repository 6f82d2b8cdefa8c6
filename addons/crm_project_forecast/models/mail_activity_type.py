from odoo import fields, models


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    crm_selling_cost = fields.Float(
        string="Selling Cost per Activity",
        digits="Product Price",
        help="What one activity of this type done on an opportunity costs (time of the sales "
        "team), in the opportunity's company currency; counted in the cost of selling.",
    )
