from odoo import _, api, fields, models
from odoo.exceptions import UserError


class CrmPhaseForceWizard(models.TransientModel):
    _name = "crm.phase.force.wizard"
    _description = "Force an Opportunity Past a Phase Gate"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", required=True)
    stage_id = fields.Many2one(
        "crm.stage",
        string="Move to Stage",
        required=True,
        domain="[('project_phase', '!=', False)]",
    )
    missing_items = fields.Text(
        string="Open Mandatory Items", compute="_compute_missing_items", readonly=True
    )
    reason = fields.Text(required=True, help="Why the move is allowed; logged in the chatter.")

    @api.depends("lead_id", "stage_id")
    def _compute_missing_items(self):
        for wizard in self:
            missing = {}
            if wizard.lead_id and wizard.stage_id.project_phase:
                missing = wizard.lead_id._get_phase_gate_missing(wizard.stage_id.project_phase)
            wizard.missing_items = "\n".join(
                item.name for items in missing.values() for item in items
            )

    def action_confirm(self):
        self.ensure_one()
        if not self.reason or not self.reason.strip():
            raise UserError(_("Give the reason for forcing the move."))
        self.lead_id.with_context(crm_phase_force_reason=self.reason.strip()).write(
            {"stage_id": self.stage_id.id}
        )
        return {"type": "ir.actions.act_window_close"}
