from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_stage import PHASE_ORDER, PROJECT_PHASES


class CrmPhaseChecklistItem(models.Model):
    _name = "crm.phase.checklist.item"
    _description = "Phase Checklist Item"
    _order = "phase_sequence, sequence, id"

    name = fields.Char(string="Deliverable", required=True, translate=True)
    phase = fields.Selection(PROJECT_PHASES, required=True, index=True)
    phase_sequence = fields.Integer(
        compute="_compute_phase_sequence", store=True, help="Pipeline order of the phase."
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
        help="Leave empty to use this item in every company.",
    )

    @api.depends("phase")
    def _compute_phase_sequence(self):
        for item in self:
            item.phase_sequence = PHASE_ORDER.get(item.phase, 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ticked(self):
        """A deliverable ticked off on an opportunity is part of its record: archive it."""
        ticked = dict(
            self.env["crm.lead.checklist.line"]
            .sudo()
            ._read_group(
                [("item_id", "in", self.ids), ("done", "=", True)], ["item_id"], ["__count"]
            )
        )
        if ticked:
            item, count = next(iter(ticked.items()))
            raise UserError(
                self.env._(
                    "Opportunities that ticked “%(item)s” off: %(count)s. Please archive it "
                    "instead of deleting it (Action → Archive): an archived item gates no move, "
                    "and the opportunities keep their ticks.",
                    item=item.name,
                    count=count,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        items._ensure_lines()
        return items

    def write(self, vals):
        res = super().write(vals)
        if vals.get("active") or "phase" in vals or "company_id" in vals:
            self.filtered("active")._ensure_lines()
        return res

    def _ensure_lines(self):
        """Opportunities already in the items' phases, in every company, get a line to tick
        off (new items, restored ones, items moved to another phase or company)."""
        if self:
            self.env["crm.lead"].sudo().search(
                [
                    ("type", "=", "opportunity"),
                    ("project_phase", "in", list(set(self.mapped("phase")))),
                ]
            )._ensure_checklist_lines()
