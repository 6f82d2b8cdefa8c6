from odoo import _, models
from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.exceptions import AccessError


class CrmVendorEvalGuardMixin(models.AbstractModel):
    """What users may write on the records of a vendor evaluation.

    Every field write is reachable over JSON-RPC by anyone the access rules let in, so the rule
    is held here and not by the views: a field the server computes (computed or related) or
    sets (``_server_fields``) is refused to every code path without superuser rights; a field
    given at creation (``_fixed_fields``) never changes afterwards; a model may also name the
    only fields users write at all (``_user_fields``)."""

    _name = "crm.vendor.eval.guard.mixin"
    _description = "Vendor Evaluation: fields set by the server"

    def _server_fields(self):
        """Stored fields only the server writes, on top of the computed ones (hook)."""
        return set()

    def _fixed_fields(self):
        """Fields users give at creation and never change afterwards (hook)."""
        return set()

    def _user_fields(self):
        """The only fields users may write at all (hook; by default every field but the
        server's)."""
        return set(self._fields)

    def _check_user_vals(self, vals, creating=False):
        if self.env.su:
            return
        allowed = self._user_fields()
        server = self._server_fields() | (set() if creating else self._fixed_fields())
        refused = []
        for name in vals:
            field = self._fields.get(name)
            if field is None:
                continue
            if name not in allowed or name in server or (field.compute and not field.inverse):
                refused.append(field._description_string(self.env))
        if refused:
            raise AccessError(
                _(
                    "These fields are set by the server and cannot be changed: %s.",
                    ", ".join(refused),
                )
            )

    def _vendor_eval_uninstalling(self):
        """True while crm_vendor_eval itself is being uninstalled (the flag of the ORM and the
        module's state on the server: a client cannot fake the latter)."""
        return bool(
            self.env.context.get(MODULE_UNINSTALL_FLAG)
            and self.env["ir.module.module"]
            .sudo()
            .search_count([("name", "=", "crm_vendor_eval"), ("state", "=", "to remove")], limit=1)
        )
