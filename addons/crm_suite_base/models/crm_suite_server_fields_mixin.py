import math
from contextlib import contextmanager
from contextvars import ContextVar

from odoo import api, models
from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.exceptions import AccessError, ValidationError

# The largest amount (in absolute value) a bounded field may hold: far above any real deal, far
# below what a float sum of a million of them can overflow to.
MAX_AMOUNT = 10**15
MAX_AMOUNT_TEXT = f"{MAX_AMOUNT:,}"


# The values server code adds to a user's write (``server_values``): a Python context variable,
# out of any client's reach (unlike Odoo's context), holding (model, values, field names).
def is_module_uninstalling(env, module):
    """True while ``module`` itself is being uninstalled: the ORM's flag and the module's
    state on the server. Odoo skips the ``@api.ondelete(at_uninstall=False)`` guards of any
    ``unlink`` whose context holds the flag (``_force_unlink``), which any client can send:
    the suite's guards are ``at_uninstall=True`` and step aside on this only."""
    return bool(
        env.context.get(MODULE_UNINSTALL_FLAG)
        and env["ir.module.module"]
        .sudo()
        .search_count([("name", "=", module), ("state", "=", "to remove")], limit=1)
    )


SERVER_VALUES = ContextVar("crm_suite_server_values", default=())


@contextmanager
def server_values(model, names, vals):
    """Within the block, the guards of ``model`` (``_guard_server_fields``) let its fields
    ``names`` through in the values ``vals`` - that very dictionary, and no other: for server
    code that adds values of its own to a user's values it has guarded, and passes them down
    with ``super().write(vals)`` (where the guards of the addons below would refuse them). Any
    other write within the block (an automated action writing the same model, say) is guarded
    as usual."""
    token = SERVER_VALUES.set((*SERVER_VALUES.get(), (model, vals, frozenset(names))))
    try:
        yield
    finally:
        SERVER_VALUES.reset(token)


def within_amount_bounds(value):
    """True when ``value`` is a finite number (or empty) no larger than ``MAX_AMOUNT`` in
    absolute value."""
    try:
        amount = float(value or 0.0)
    except (TypeError, ValueError):
        return False
    return math.isfinite(amount) and abs(amount) <= MAX_AMOUNT


class CrmSuiteServerFieldsMixin(models.AbstractModel):
    """What the server alone writes on a model, held in one place.

    Every field write is reachable over JSON-RPC by anyone the access rules let in, so the rule
    is held here and not by the views. A model inheriting this mixin calls
    ``self._guard_server_fields(vals_list, creating=True)`` first in its ``create`` and
    ``self._guard_server_fields([vals])`` first in its ``write``, before it adds values of its own:

    - the server's fields (``_get_server_written_fields()`` and, unless ``_server_fields_computed``
      is False, every read-only computed field) are refused to every caller without superuser
      rights, with an ``AccessError`` naming them in the user's language;
    - the fields of ``_get_fixed_fields()`` are given at creation and never change afterwards;
    - a model may name the only fields users write at all (``_get_user_fields()``);
    - the amounts of ``_get_amount_fields()`` are finite numbers within
      ``MAX_AMOUNT``, whoever writes them (``ValidationError``).

    ``default_<field>`` keys of the context and saved defaults (``ir.default``) are ignored for
    the fields users may not give at creation (a client's context or one's own saved default is
    no way around the rule). Server code writes these fields as
    superuser (``sudo()``), below the check (``super()``), or adds them to a user's values it
    has checked within ``server_values``."""

    _name = "crm.suite.server.fields.mixin"
    _description = "CRM Suite: fields only the server writes"

    # Every read-only computed field of the model is the server's (the suite's own models). A
    # model of Odoo extended with the mixin (res.partner, crm.lead) sets this to False, since
    # Odoo's own code writes some of its computed fields, and names its own computed fields in
    # _get_server_written_fields(): the hooks of several addons extending one model then add up.
    _server_fields_computed = True

    # ------------------------------------------------------------------ hooks

    @api.model
    def _get_server_written_fields(self):
        """Stored fields only the server writes, on top of the computed ones (hook)."""
        return set()

    @api.model
    def _get_computed_server_fields(self):
        """Computed fields users never write: every read-only computed field without an
        inverse, related fields included, unless ``_server_fields_computed`` is False."""
        if not self._server_fields_computed:
            return set()
        return {
            name
            for name, field in self._fields.items()
            if field.compute and not field.inverse and field.readonly
        }

    @api.model
    def _get_fixed_fields(self):
        """Fields users give at creation and never change afterwards (hook)."""
        return set()

    @api.model
    def _get_user_fields(self):
        """The only fields users write at all, or None for every field that is not the
        server's (hook)."""
        return None

    @api.model
    def _get_refusal_hints(self, names):
        """What users can do instead of writing the refused fields ``names``: translated
        sentences appended to the refusal (hook: each addon adds its own)."""
        return []

    @api.model
    def _get_amount_fields(self):
        """Amounts that must be finite and within ``MAX_AMOUNT``, whoever writes them
        (hook)."""
        return set()

    # ------------------------------------------------------------------ the rule

    @api.model
    def _get_refused_fields(self, names, creating=False):
        """Those of the field ``names`` that a user may not write (at creation when
        ``creating``)."""
        if not names:
            return set()
        server = self._get_server_written_fields() | self._get_computed_server_fields()
        if not creating:
            server = server | self._get_fixed_fields()
        allowed = self._get_user_fields()
        return {
            name
            for name in names
            if name in self._fields
            and (name in server or (allowed is not None and name not in allowed))
        }

    @api.model
    def _guard_server_fields(self, vals_list, creating=False):
        """Refuse, before anything is written, the values a user may not write (unless
        superuser) and amounts out of bounds (whoever writes them).

        :param vals_list: the values of ``create`` or ``[vals]`` of ``write``
        :param creating: True in ``create`` (the fixed fields are given then)
        :raise AccessError: naming the server's fields written
        :raise ValidationError: an amount is not a finite number within ``MAX_AMOUNT``"""
        if not self.env.su:
            granted = [
                (given, names) for model, given, names in SERVER_VALUES.get() if model == self._name
            ]
            refused = self._get_refused_fields(
                {
                    name
                    for vals in vals_list
                    for name in vals
                    if not any(given is vals and name in names for given, names in granted)
                },
                creating,
            )
            if refused and not creating:
                # A fixed field written with the value it has (an exported file imported
                # back, a client sending the whole record) changes nothing.
                fixed = refused & self._get_fixed_fields()
                refused -= fixed - set(self._get_changed_fields(vals_list[0], fixed))
            if refused:
                raise AccessError(self._get_refusal_message(refused))
        for name in self._get_amount_fields():
            for vals in vals_list:
                if name in vals and not within_amount_bounds(vals[name]):
                    raise ValidationError(self._get_amount_message(name))

    def _get_changed_fields(self, vals, names):
        """Those of the field ``names`` that ``vals`` (of a ``write``) would change on one of
        these records at least: a value written again as it is (an exported file imported back,
        a client sending the whole record) changes nothing, and a lock on the field has nothing
        to refuse. Values of one2many and many2many fields (commands) count as changes. In the
        order of ``names``."""
        changed = []
        for name in names:
            if name not in vals:
                continue
            field = self._fields[name]
            if field.type in ("one2many", "many2many"):
                changed.append(name)
                continue
            new = field.convert_to_cache(vals[name], self, validate=False)
            if any(
                field.convert_to_cache(record[name], record, validate=False) != new
                for record in self
            ):
                changed.append(name)
        return changed

    @api.model
    def _get_refusal_message(self, names):
        """The refusal of ``names``, in the user's language: their labels, then the hints."""
        labels = sorted({self._fields[name]._description_string(self.env) for name in names})
        message = self.env._(
            "These fields are set by the server and cannot be changed: %s.", ", ".join(labels)
        )
        return " ".join([message, *self._get_refusal_hints(set(names))])

    @api.model
    def _get_amount_message(self, name):
        return self.env._(
            "%(field)s must be a number between -%(max)s and %(max)s.",
            field=self._fields[name]._description_string(self.env),
            max=MAX_AMOUNT_TEXT,
        )

    @api.model
    def default_get(self, fields):
        """Defaults without any of fields users may not give at creation, for every caller
        (server code passes values): neither the context's ``default_<field>`` keys nor saved
        defaults (``ir.default``: any user saves their own, for any field, and Odoo adds them
        after ``create`` has checked the values); such a field keeps the default of its
        definition, if any."""
        names = {key[8:] for key in self.env.context if key.startswith("default_")}
        ignored = {f"default_{name}" for name in self._get_refused_fields(names, creating=True)}
        model = self
        if ignored:
            context = {key: value for key, value in self.env.context.items() if key not in ignored}
            model = self.with_env(self.env(context=context))
        defaults = super(CrmSuiteServerFieldsMixin, model).default_get(fields)
        saved = self.env["ir.default"]._get_model_defaults(self._name)
        for name in self._get_refused_fields(saved.keys() & defaults.keys(), creating=True):
            field = self._fields[name]
            if field.default:
                defaults[name] = field.default(model)
            else:
                del defaults[name]
        return defaults

    # ------------------------------------------------------------------ uninstall

    @api.model
    def _is_module_uninstalling(self, module):
        """True while ``module`` itself is being uninstalled: the ORM's flag and the module's
        state on the server (a client can send the former, not fake the latter). Lets an
        addon's ``@api.ondelete(at_uninstall=True)`` guards step aside for its own removal."""
        return is_module_uninstalling(self.env, module)
