from odoo import models
from odoo.exceptions import AccessError


class CrmVendorEvalLinkMixin(models.AbstractModel):
    """A form's onchange shows the records its links name - their name, and the fields
    related to them (read as superuser, or from the cache the superuser's read filled) - of
    any id a client gives or a default fills in, without creating anything: refused for a
    link the user may not read (another evaluation, another evaluator's sheet, another
    company's category, criterion, template or opportunity). The link a record already has
    is shown as before."""

    _name = "crm.vendor.eval.link.mixin"
    _description = "Vendor Evaluations: links a form shows"

    # The many2one fields whose record the form shows (hook).
    _shown_links = ()

    def onchange(self, values, field_names, fields_spec):
        self._check_shown_links(values)
        result = super().onchange(values, field_names, fields_spec)
        # What the onchange filled in itself: the context's default_<field> keys, one's own
        # saved defaults.
        self._check_shown_links(result.get("value") or {})
        return result

    def _check_shown_links(self, values):
        if self.env.su:
            return
        for name in self._shown_links:
            value = values.get(name)
            if isinstance(value, dict):
                value = value.get("id")
            if not isinstance(value, int) or isinstance(value, bool) or not value:
                continue
            if self and value in self.sudo()[name].ids:
                continue
            field = self._fields[name]
            if not self.env[field.comodel_name].browse(value).has_access("read"):
                raise AccessError(
                    self.env._(
                        "%(field)s: you can only choose a record you can open yourself.",
                        field=field._description_string(self.env),
                    )
                )
