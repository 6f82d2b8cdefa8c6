from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.float_utils import float_compare

WEIGHTS_CHECK = "crm_vendor_eval.template_weights"


class CrmVendorEvalTemplate(models.Model):
    _name = "crm.vendor.eval.template"
    _inherit = ["crm.suite.server.fields.mixin", "crm.company.scope.mixin"]
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

    @api.depends("category_ids.weight", "category_ids.active", "category_ids.criterion_ids")
    def _compute_total_weight(self):
        for template in self:
            categories = template.category_ids.filtered("active")
            template.total_weight = sum(categories.mapped("weight"))
            template.criterion_count = len(categories.criterion_ids.filtered("active"))

    def _check_weights(self):
        """The weights of the active categories add up to 100."""
        for template in self.filtered("active"):
            active = template.category_ids.filtered("active")
            if active and float_compare(template.total_weight, 100.0, 2) != 0:
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

    def _check_weights_at_commit(self):
        """Check the weights of templates whose categories change on their own, once the whole
        change is made: when the transaction is flushed before its commit (and at every
        savepoint). A save of the template form moves weight between categories one line
        after the other: no intermediate state counts, and the template checks itself at the
        end of its own create or write. The check belongs to the server: no context or
        argument of a client skips it."""
        if not self or self._is_module_uninstalling("crm_vendor_eval"):
            return
        precommit = self.env.cr.precommit
        if WEIGHTS_CHECK not in precommit.data:
            precommit.data[WEIGHTS_CHECK] = set()
            env = self.env

            @precommit.add
            def check_weights():
                ids = precommit.data.pop(WEIGHTS_CHECK, set())
                # In the order of creation: the same refusal first whatever the set's order.
                env["crm.vendor.eval.template"].sudo().browse(sorted(ids)).exists()._check_weights()

        precommit.data[WEIGHTS_CHECK].update(self.ids)

    def _get_scope_companies(self):
        """A template applies in the companies of the evaluations that use it: a shared one
        moved into a company, or changed, by a manager of another company would take it from
        those evaluations (their sheets, comparison and export read it)."""
        used = self.env["crm.vendor.evaluation"].sudo().with_context(active_test=False)
        groups = used._read_group([("template_id", "in", self.ids)], ["company_id"])
        return super()._get_scope_companies().union(*(company for (company,) in groups))

    @api.ondelete(at_uninstall=True)
    def _unlink_except_in_use(self):
        used = self.env["crm.vendor.evaluation"].sudo().with_context(active_test=False)
        for template in self:
            if used.search_count([("template_id", "=", template.id)], limit=1):
                raise UserError(
                    _(
                        "“%s” is used by vendor evaluations: archive it instead of deleting it.",
                        template.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        templates = super().create(vals_list)
        templates._check_weights()  # the categories given with the template are all in
        return templates

    def write(self, vals):
        self._guard_server_fields([vals])
        res = super().write(vals)
        if {"category_ids", "active"} & set(vals):
            self._check_weights()  # every line of the form is saved by now
        return res

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for template, vals in zip(self, vals_list, strict=True):
            if "name" not in (default or {}):
                vals["name"] = _("%s (copy)", template.name)
        return vals_list


class CrmVendorEvalCategory(models.Model):
    _name = "crm.vendor.eval.category"
    _inherit = [
        "crm.suite.server.fields.mixin",
        "crm.vendor.eval.meaning.mixin",
        "crm.company.scope.mixin",
        "crm.vendor.eval.link.mixin",
    ]
    _company_scope_paths = ("template_id.company_id",)
    _shown_links = ("template_id",)
    _description = "Vendor Evaluation Category"
    _order = "template_id, sequence, id"
    _score_field = "category_id"

    template_id = fields.Many2one(
        "crm.vendor.eval.template", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="template_id.company_id", store=True, index=True)
    active = fields.Boolean(
        default=True,
        help="Archived, the category is left out of evaluations that start later; evaluations "
        "that scored it keep it.",
    )
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

    def _get_scope_companies(self):
        """A category is its template's: it applies where the template does (its company, and
        those of the evaluations that use it)."""
        return self.sudo().template_id._get_scope_companies()

    def _used_criteria(self):
        """The criteria of these categories (archived too) that evaluations have scored."""
        criteria = self.with_context(active_test=False).criterion_ids
        return criteria._used()

    @api.model
    def _meaning_fields(self):
        """What the scores of the category's criteria mean: frozen once scores are submitted."""
        return {"name", "description"}

    @api.ondelete(at_uninstall=True)
    def _unlink_except_in_use(self):
        for category in self:
            if category._used_criteria():
                raise UserError(
                    _(
                        "“%s” is used by vendor evaluations: archive it instead of deleting it.",
                        category.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        categories = super().create(vals_list)
        categories.template_id._check_weights_at_commit()
        return categories

    def write(self, vals):
        self._guard_server_fields([vals])
        if {"weight", "template_id"} & set(vals) and not self.env.su:
            for category in self:
                if (
                    category._get_changed_fields(vals, ("weight", "template_id"))
                    and category._used_criteria()
                ):
                    raise UserError(
                        _(
                            "“%s” is scored in evaluations that have started: its weight cannot "
                            "change. Duplicate the template to change the weights.",
                            category.name,
                        )
                    )
        templates = self.template_id
        res = super().write(vals)
        if {"weight", "template_id", "active"} & set(vals):
            (templates | self.template_id)._check_weights_at_commit()
        return res

    def unlink(self):
        templates = self.template_id
        res = super().unlink()
        templates.exists()._check_weights_at_commit()
        return res


class CrmVendorEvalCriterion(models.Model):
    _name = "crm.vendor.eval.criterion"
    _inherit = [
        "crm.suite.server.fields.mixin",
        "crm.vendor.eval.meaning.mixin",
        "crm.company.scope.mixin",
        "crm.vendor.eval.link.mixin",
    ]
    _company_scope_paths = ("category_id.template_id.company_id",)
    _shown_links = ("category_id",)
    _description = "Vendor Evaluation Criterion"
    _order = "category_id, sequence, id"
    _score_field = "criterion_id"

    category_id = fields.Many2one(
        "crm.vendor.eval.category", required=True, ondelete="cascade", index=True
    )
    template_id = fields.Many2one(related="category_id.template_id", store=True, index=True)
    company_id = fields.Many2one(related="template_id.company_id", store=True, index=True)
    active = fields.Boolean(
        default=True,
        help="Archived, the criterion is left out of evaluations that start later; evaluations "
        "that scored it keep it.",
    )
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

    def _get_scope_companies(self):
        """A criterion is its template's: it applies where the template does."""
        return self.sudo().category_id.template_id._get_scope_companies()

    def _used(self):
        """The criteria among these that evaluations have scored (a line on a scoring sheet)."""
        if not self:
            return self
        groups = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group([("criterion_id", "in", self.ids)], ["criterion_id"])
        )
        return self.browse([criterion.id for (criterion,) in groups])

    @api.model
    def _meaning_fields(self):
        """What a score on the criterion means: frozen once scores on it are submitted (its
        category and weight are locked as soon as it is scored)."""
        return {"name", "guide"}

    @api.ondelete(at_uninstall=True)
    def _unlink_except_in_use(self):
        used = self._used()
        if used:
            raise UserError(
                _(
                    "“%s” is used by vendor evaluations: archive it instead of deleting it.",
                    used[0].name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        if {"weight", "category_id"} & set(vals) and not self.env.su:
            used = self.filtered(
                lambda criterion: criterion._get_changed_fields(vals, ("weight", "category_id"))
            )._used()
            if used:
                raise UserError(
                    _(
                        "“%s” is scored in evaluations that have started: its weight cannot "
                        "change. Duplicate the template to change the weights.",
                        used[0].name,
                    )
                )
        return super().write(vals)
