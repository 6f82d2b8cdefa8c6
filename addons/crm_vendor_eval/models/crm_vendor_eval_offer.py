from odoo import api, fields, models


class CrmVendorEvalOffer(models.Model):
    """What a vendor costs: initial cost and recurring cost per year, in company currency."""

    _name = "crm.vendor.eval.offer"
    _description = "Vendor Cost of Ownership"
    _order = "evaluation_id, tco, id"

    evaluation_id = fields.Many2one(
        "crm.vendor.evaluation", required=True, ondelete="cascade", index=True
    )
    vendor_id = fields.Many2one("res.partner", string="Vendor", required=True)
    currency_id = fields.Many2one(related="evaluation_id.currency_id")
    licence_cost = fields.Monetary(string="Licences")
    customisation_cost = fields.Monetary(string="Customisation")
    integration_cost = fields.Monetary(string="Integration")
    training_cost = fields.Monetary(string="Training")
    maintenance_cost = fields.Monetary(string="Maintenance / Year")
    upgrade_cost = fields.Monetary(string="Upgrades / Year")
    hosting_cost = fields.Monetary(string="Hosting / Year")
    initial_cost = fields.Monetary(compute="_compute_tco", store=True)
    recurring_cost = fields.Monetary(string="Recurring / Year", compute="_compute_tco", store=True)
    tco = fields.Monetary(
        string="Total Cost of Ownership",
        compute="_compute_tco",
        store=True,
        help="Initial cost plus the recurring cost of every year of the horizon.",
    )
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    _sql_constraints = [
        ("vendor_unique", "UNIQUE(evaluation_id, vendor_id)", "One cost line per vendor."),
    ]

    @api.depends(
        "licence_cost",
        "customisation_cost",
        "integration_cost",
        "training_cost",
        "maintenance_cost",
        "upgrade_cost",
        "hosting_cost",
        "evaluation_id.horizon_years",
    )
    def _compute_tco(self):
        for offer in self:
            offer.initial_cost = (
                offer.licence_cost
                + offer.customisation_cost
                + offer.integration_cost
                + offer.training_cost
            )
            offer.recurring_cost = offer.maintenance_cost + offer.upgrade_cost + offer.hosting_cost
            offer.tco = offer.initial_cost + offer.recurring_cost * (
                offer.evaluation_id.horizon_years or 0
            )
