from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import is_module_uninstalling
from odoo.exceptions import UserError

from .crm_project_cached_mixin import kept_for_transaction

# One active checklist item as the everyday paths read it (``_get_item_table``).
ItemRow = namedtuple("ItemRow", "id phase_id company_id mandatory sequence")


class CrmPhaseChecklistItem(models.Model):
    _name = "crm.phase.checklist.item"
    _inherit = ["crm.project.cached.mixin", "crm.company.scope.mixin"]
    _description = "Phase Checklist Item"
    _order = "phase_sequence, sequence, id"
    _cached_fields = frozenset(
        {"name", "active", "phase_id", "company_id", "mandatory", "sequence"}
    )
    _company_scope_paths = ("company_id", "phase_id.company_id")

    name = fields.Char(string="Deliverable", required=True, translate=True)
    phase_id = fields.Many2one(
        "crm.project.phase", string="Phase", required=True, index=True, ondelete="restrict"
    )
    phase_sequence = fields.Integer(
        related="phase_id.sequence", store=True, string="Phase Order", index=True
    )
    sequence = fields.Integer(default=10)
    mandatory = fields.Boolean(
        default=True,
        help="An opportunity cannot move to a later phase while a mandatory item of the phase "
        "it leaves is open (Sales Managers may force the move).",
    )
    description = fields.Text(translate=True, help="What the rep must have for this item.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index=True,
        ondelete="restrict",
        help="Leave empty to use this item in every company.",
    )

    @api.ondelete(at_uninstall=True)
    def _unlink_except_ticked(self):
        """A deliverable ticked off on an opportunity is part of its record: archive it."""
        if is_module_uninstalling(self.env, "crm_project_stages"):
            return
        # Of every company (a shared item's ticks are each company's): the refusal names the
        # item, not how many deals of other companies ticked it.
        ticked = (
            self.env["crm.lead.checklist.line"]
            .sudo()
            .search([("item_id", "in", self.ids), ("done", "=", True)], limit=1)
        )
        if ticked:
            raise UserError(
                self.env._(
                    "“%(item)s” is ticked off on opportunities. Please archive it instead of "
                    "deleting it (Action → Archive): an archived item gates no move, and the "
                    "opportunities keep their ticks.",
                    item=ticked.item_id.with_env(self.env).name,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._ensure_lines()
        return items

    def write(self, vals):
        res = super().write(vals)
        if vals.get("active") or "phase_id" in vals or "company_id" in vals:
            self.filtered("active")._ensure_lines()
        return res

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_item_table(self):
        """The active items as ``ItemRow`` tuples, in checklist order: what the phase gate and
        the checklist of a new or moved opportunity read, once per worker, kept until an item
        changes (and a phase: its order orders the items)."""
        items = self.sudo().search_fetch([], ["phase_id", "company_id", "mandatory", "sequence"])
        return tuple(
            ItemRow(item.id, item.phase_id.id, item.company_id.id, item.mandatory, item.sequence)
            for item in items
        )

    @api.model
    @tools.ormcache("self.env.lang")
    def _get_item_labels(self):
        """{item id: (name, mandatory)} of every item, archived ones too, in the language of
        the context: what the checklist of an opportunity shows of its items, kept like
        ``_get_item_table``."""
        items = self.sudo().with_context(active_test=False).search_fetch([], ["name", "mandatory"])
        return {item.id: (item.name, item.mandatory) for item in items}

    @api.model
    def _get_items_applying(self, company_id, up_to=None, before=None, mandatory=False):
        """The rows of ``_get_item_table`` used in the company ``company_id`` (their own and
        their phase's company), of the phases of sequence up to ``up_to`` or ``before``
        ``before``, mandatory only if ``mandatory``."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        rows = []
        for row in self._get_item_table():
            phase = phases[row.phase_id]
            if (
                (not mandatory or row.mandatory)
                and (up_to is None or phase["sequence"] <= up_to)
                and (before is None or phase["sequence"] < before)
                and row.company_id in (False, company_id)
                and phase["company_id"] in (False, company_id)
            ):
                rows.append(row)
        return rows

    def _ensure_lines(self):
        """Opportunities that have reached the items' phases, in every company, get a line to
        tick off (new items, restored ones, items moved to another phase or company)."""
        if self:
            self.env["crm.lead"].sudo().search(
                [
                    ("type", "=", "opportunity"),
                    ("phase_reached_sequence", ">=", min(self.mapped("phase_sequence"))),
                ]
            )._ensure_checklist_lines()
