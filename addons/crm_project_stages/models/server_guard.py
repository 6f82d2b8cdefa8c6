import math

from odoo import api
from odoo.exceptions import UserError, ValidationError

# The largest amount (in absolute value) an opportunity, a target or an expense may hold: far
# above any real deal, far below what a float sum of a million of them can overflow to.
MAX_AMOUNT = 10**15
MAX_AMOUNT_TEXT = f"{MAX_AMOUNT:,}"


class ServerGuard:
    """What the server alone writes, checked in one place for the models whose classes mix
    this in (a plain Python mixin: it adds no model; ``create``/``write`` call
    ``_guard_vals`` before writing anything).

    ``_get_server_fields()`` names the fields the server computes or records (the phase, the
    forecast, who ticked an item): a user's ``create`` or ``write`` naming one is refused, and
    ``default_<field>`` keys of the context are ignored. Internal code writes them as superuser
    (``sudo()``) or below the check (``super()``). ``_get_bounded_amount_fields()`` names the
    amounts that must stay within ``MAX_AMOUNT`` whoever writes them."""

    __slots__ = ()  # the layout of Odoo's record classes

    @api.model
    def _get_server_fields(self):
        return frozenset()

    @api.model
    def _get_server_fields_hint(self):
        """What the user can do instead, appended to the refusal."""
        return ""

    @api.model
    def _get_bounded_amount_fields(self):
        return ()

    @api.model
    def _guard_vals(self, vals_list):
        """Refuse values a user may not write (server fields, unless superuser) and amounts out
        of bounds (NaN and infinities included), before anything is written."""
        if not self.env.su:
            written = {name for vals in vals_list for name in vals} & self._get_server_fields()
            if written:
                labels = sorted(
                    self._fields[name]._description_string(self.env) for name in written
                )
                message = self.env._(
                    "These fields are set by the server and cannot be written: %s.",
                    ", ".join(labels),
                )
                hint = self._get_server_fields_hint()
                raise UserError(f"{message} {hint}" if hint else message)
        for name in self._get_bounded_amount_fields():
            for vals in vals_list:
                if name not in vals:
                    continue
                try:
                    amount = float(vals[name] or 0.0)
                except (TypeError, ValueError) as error:
                    raise ValidationError(self._amount_bound_message(name)) from error
                if not (math.isfinite(amount) and abs(amount) <= MAX_AMOUNT):
                    raise ValidationError(self._amount_bound_message(name))

    @api.model
    def _amount_bound_message(self, name):
        return self.env._(
            "%(field)s must be a number between -%(max)s and %(max)s.",
            field=self._fields[name]._description_string(self.env),
            max=MAX_AMOUNT_TEXT,
        )

    @api.model
    def _without_server_defaults(self):
        """This model without the context's defaults for server fields (a client's
        ``default_project_phase`` is not a way to set the phase)."""
        keys = {f"default_{name}" for name in self._get_server_fields()}
        if not keys & set(self.env.context):
            return self
        context = {key: value for key, value in self.env.context.items() if key not in keys}
        return self.with_env(self.env(context=context))
