from odoo import api, models


class CrmTeamMember(models.Model):
    _inherit = "crm.team.member"

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        members.crm_team_id._sync_member_targets()
        return members

    def write(self, vals):
        teams = self.crm_team_id
        res = super().write(vals)
        if {"crm_team_id", "user_id", "active"} & set(vals):
            (teams | self.crm_team_id)._sync_member_targets()
        return res

    def unlink(self):
        teams = self.crm_team_id
        res = super().unlink()
        teams._sync_member_targets()
        return res
