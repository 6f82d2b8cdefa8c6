from odoo import api, fields, models


class CrmPhaseForceWizard(models.TransientModel):
    _name = "crm.phase.force.wizard"
    _description = "Force an Opportunity Past a Phase Gate"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", required=True)
    stage_id = fields.Many2one(
        "crm.stage",
        string="Move to Stage",
        required=True,
        domain="['|', ('phase_id', '!=', False), ('is_won', '=', True)]",
    )
    missing_items = fields.Text(
        string="Open Mandatory Items", compute="_compute_missing_items", readonly=True
    )
    reason = fields.Text(required=True, help="Why the move is allowed; logged in the chatter.")

    @api.depends("lead_id", "stage_id")
    def _compute_missing_items(self):
        for wizard in self:
            missing = {}
            target = wizard.stage_id._get_phase_step()
            if wizard.lead_id and target is not None:
                missing = wizard.lead_id._get_phase_gate_missing(target)
            wizard.missing_items = "\n".join(
                item.name for items in missing.values() for item in items
            )

    @api.model_create_multi
    def create(self, vals_list):
        """A force of an opportunity the manager may change: the wizard shows the deal's name
        and open items (computed as the server), which would otherwise be read of any deal,
        another salesperson's or another company's, by its id."""
        wizards = super().create(vals_list)
        wizards.lead_id.check_access("write")
        return wizards

    def action_confirm(self):
        self.ensure_one()
        self.lead_id._force_phase_move(self.stage_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
