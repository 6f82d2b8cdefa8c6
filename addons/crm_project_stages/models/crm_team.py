from odoo import models

from .crm_project_cached_mixin import clear_tables


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

    def unlink(self):
        # PostgreSQL empties the team of its stages (crm's "set null") and drops rows of the
        # tables kept in the workers' cache that name it, without a write of the ORM: the
        # tables are read again (the first stage shared by every team may be one of the team's).
        res = super().unlink()
        clear_tables(self.env)
        return res
