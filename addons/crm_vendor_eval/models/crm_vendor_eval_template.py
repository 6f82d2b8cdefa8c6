from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.float_utils import float_compare


class CrmVendorEvalTemplate(models.Model):
    _name = "crm.vendor.eval.template"
    _description = "Vendor Evaluation Template"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True, help="Leave empty to share the template between companies."
    )
    category_ids = fields.One2many(
        "crm.vendor.eval.category", "template_id", string="Categories", copy=True
    )
    total_weight = fields.Float(compute="_compute_total_weight", digits=(16, 2))
    criterion_count = fields.Integer(compute="_compute_total_weight")

    @api.depends("category_ids.weight", "category_ids.criterion_ids")
    def _compute_total_weight(self):
        for template in self:
            template.total_weight = sum(template.category_ids.mapped("weight"))
            template.criterion_count = len(template.category_ids.criterion_ids)

    @api.constrains("category_ids")
    def _check_weights(self):
        for template in self:
            if template.category_ids and float_compare(template.total_weight, 100.0, 2) != 0:
                # Formatted outside _(): the term extractor cannot read an f-string argument.
                total = format(template.total_weight, "g")
                raise ValidationError(
                    _(
                        "The category weights of “%(template)s” add up to %(total)s; they must "
                        "add up to 100.",
                        template=template.name,
                        total=total,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Categories created through the template are checked once, on the whole template.
        return (
            super(CrmVendorEvalTemplate, self.with_context(vendor_eval_weights_later=True))
            .create(vals_list)
            .with_context(vendor_eval_weights_later=False)
        )

    def write(self, vals):
        return super(
            CrmVendorEvalTemplate, self.with_context(vendor_eval_weights_later=True)
        ).write(vals)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for template, vals in zip(self, vals_list, strict=True):
            if "name" not in (default or {}):
                vals["name"] = _("%s (copy)", template.name)
        return vals_list


class CrmVendorEvalCategory(models.Model):
    _name = "crm.vendor.eval.category"
    _description = "Vendor Evaluation Category"
    _order = "template_id, sequence, id"

    template_id = fields.Many2one(
        "crm.vendor.eval.template", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="template_id.company_id", store=True, index=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(
        required=True, digits=(16, 2), help="Share of the total score (the categories add to 100)."
    )
    description = fields.Text(string="What Is Looked At", translate=True)
    criterion_ids = fields.One2many(
        "crm.vendor.eval.criterion", "category_id", string="Criteria", copy=True
    )

    _sql_constraints = [
        ("weight_positive", "CHECK(weight >= 0)", "A category weight cannot be negative.")
    ]

    @api.constrains("weight", "template_id")
    def _check_template_weights(self):
        """A category edited on its own keeps its template at 100; edited through the template
        form, the template checks the total once all its lines are saved."""
        if not self.env.context.get("vendor_eval_weights_later"):
            self.template_id._check_weights()

    def unlink(self):
        templates = self.template_id
        res = super().unlink()
        if not self.env.context.get("vendor_eval_weights_later"):
            templates.exists()._check_weights()
        return res


class CrmVendorEvalCriterion(models.Model):
    _name = "crm.vendor.eval.criterion"
    _description = "Vendor Evaluation Criterion"
    _order = "category_id, sequence, id"

    category_id = fields.Many2one(
        "crm.vendor.eval.category", required=True, ondelete="cascade", index=True
    )
    template_id = fields.Many2one(related="category_id.template_id", store=True, index=True)
    company_id = fields.Many2one(related="template_id.company_id", store=True, index=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(
        default=1.0,
        digits=(16, 2),
        help="Weight of the criterion inside its category (relative to the others).",
    )
    guide = fields.Text(
        string="Scoring Guide",
        translate=True,
        help="What a 0, a 3 and a 5 mean for this criterion.",
    )

    _sql_constraints = [
        ("weight_positive", "CHECK(weight > 0)", "A criterion weight must be positive.")
    ]
