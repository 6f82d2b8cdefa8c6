from odoo import models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _action_assign_leads(self, force_quota=False, creation_delta_days=7):
        # Odoo converts and assigns the leads one at a time: their phase history and checklists
        # are recorded once for all of them (crm.lead._hold_phase_events).
        with self.env["crm.lead"]._hold_phase_events():
            return super()._action_assign_leads(
                force_quota=force_quota, creation_delta_days=creation_delta_days
            )
