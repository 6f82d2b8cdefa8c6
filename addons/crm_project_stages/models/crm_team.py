from odoo import models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _action_assign_leads(self, force_quota=False, creation_delta_days=7):
        # Odoo converts and assigns the leads one at a time: they enter the pipeline, and their
        # phase history and checklists are recorded, once for all of them.
        Lead = self.env["crm.lead"]
        with Lead._hold_phase_events(), Lead._batch_pipeline_entry():
            return super()._action_assign_leads(
                force_quota=force_quota, creation_delta_days=creation_delta_days
            )
