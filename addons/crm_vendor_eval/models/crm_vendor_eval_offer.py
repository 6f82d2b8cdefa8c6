from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

COST_FIELDS = (
    "licence_cost",
    "customisation_cost",
    "integration_cost",
    "training_cost",
    "maintenance_cost",
    "upgrade_cost",
    "hosting_cost",
)


class CrmVendorEvalOffer(models.Model):
    """What a vendor costs: initial cost and recurring cost per year, in company currency."""

    _name = "crm.vendor.eval.offer"
    _inherit = ["crm.suite.server.fields.mixin", "crm.vendor.eval.link.mixin"]
    _shown_links = ("evaluation_id",)
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

    @api.constrains(*COST_FIELDS)
    def _check_costs(self):
        for offer in self:
            for name in COST_FIELDS:
                if offer[name] < 0:
                    raise ValidationError(
                        _(
                            "Costs cannot be negative: %(cost)s of %(vendor)s.",
                            cost=self._fields[name]._description_string(self.env),
                            vendor=offer.vendor_id.display_name,
                        )
                    )

    @api.constrains("vendor_id", "evaluation_id")
    def _check_vendor(self):
        for offer in self:
            vendors = offer.evaluation_id.with_context(active_test=False).vendor_ids
            if offer.vendor_id not in vendors:
                raise ValidationError(
                    _(
                        "%(vendor)s is not one of the vendors of “%(evaluation)s”.",
                        vendor=offer.vendor_id.display_name,
                        evaluation=offer.evaluation_id.name,
                    )
                )

    @api.model
    def _get_fixed_fields(self):
        return super()._get_fixed_fields() | {"evaluation_id"}

    @api.model
    def _get_amount_fields(self):
        return super()._get_amount_fields() | set(COST_FIELDS)

    def _check_evaluation_open(self, evaluations):
        """Costs are part of what a decision stands on: frozen with it."""
        if self.env.su:
            return
        for evaluation in evaluations:
            if evaluation.state == "done":
                raise UserError(
                    _("“%s” is decided: reopen it to change its costs.", evaluation.name)
                )
            if evaluation.state == "cancel":
                raise UserError(
                    _("“%s” is cancelled: reset it to draft to change its costs.", evaluation.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        records = super().create(vals_list)
        # Checked on what is stored: the context's default_evaluation_id or a saved default
        # give the evaluation too.
        self._check_evaluation_open(records.evaluation_id)
        return records

    def write(self, vals):
        self._guard_server_fields([vals])
        self._check_evaluation_open(self.evaluation_id)
        return super().write(vals)

    @api.ondelete(at_uninstall=True)
    def _unlink_except_decided(self):
        if not self._is_module_uninstalling("crm_vendor_eval"):
            self._check_evaluation_open(self.evaluation_id)
