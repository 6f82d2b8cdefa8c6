from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmPhaseChecklistItem(models.Model):
    _name = "crm.phase.checklist.item"
    _description = "Phase Checklist Item"
    _order = "phase_sequence, sequence, id"

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
        help="Leave empty to use this item in every company.",
    )

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
        if vals.get("active") or "phase_id" in vals or "company_id" in vals:
            self.filtered("active")._ensure_lines()
        return res

    def _ensure_lines(self):
        """Opportunities already in the items' phases, in every company, get a line to tick
        off (new items, restored ones, items moved to another phase or company)."""
        if self:
            self.env["crm.lead"].sudo().search(
                [("type", "=", "opportunity"), ("phase_id", "in", self.phase_id.ids)]
            )._ensure_checklist_lines()

    def _applies_to_company(self, company):
        """Whether the item (and its phase) is used in ``company``."""
        self.ensure_one()
        return not (self.company_id and self.company_id != company) and not (
            self.phase_id.company_id and self.phase_id.company_id != company
        )

    def _applies_to(self, lead):
        """Whether an opportunity in its phase has a line for this item."""
        self.ensure_one()
        return self.phase_sequence <= lead.phase_sequence and self._applies_to_company(
            lead.company_id
        )
