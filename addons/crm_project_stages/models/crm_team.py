from odoo import models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _sync_member_targets(self):
        """Team targets that add up their members follow a change of membership."""
        if self:
            self.env["crm.sales.target"].sudo().search(
                [("team_id", "in", self.ids), ("from_members", "=", True)]
            )._recompute_from_members()
