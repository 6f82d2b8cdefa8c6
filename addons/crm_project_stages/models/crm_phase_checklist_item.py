from odoo import api, fields, models

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

    @api.model_create_multi
    def create(self, vals_list):
        items = super().create(vals_list)
        # Opportunities already in (or past) the item's phase get a line to tick off.
        self.env["crm.lead"].search(
            [
                ("type", "=", "opportunity"),
                ("project_phase", "in", list(set(items.mapped("phase")))),
            ]
        )._ensure_checklist_lines()
        return items
