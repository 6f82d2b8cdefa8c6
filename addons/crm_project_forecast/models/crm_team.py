from odoo import api, models
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import is_module_uninstalling
from odoo.exceptions import UserError


class CrmTeam(models.Model):
    _inherit = "crm.team"

    @api.ondelete(at_uninstall=True)
    def _unlink_except_targets(self):
        """A team's targets and budgets are the plan its results are measured against: the
        team is archived, not deleted, while it has some."""
        if is_module_uninstalling(self.env, "crm_project_forecast"):
            return
        Target = self.env["crm.sales.target"].sudo().with_context(active_test=False)
        used = Target.search([("team_id", "in", self.ids)], limit=1).team_id
        if used:
            raise UserError(
                self.env._(
                    "The sales team “%s” has sales targets or selling cost budgets: archive it "
                    "instead of deleting it (its targets stay in the forecast), or delete its "
                    "targets first (CRM → Configuration → Sales Targets).",
                    used.name,
                )
            )

    def unlink(self):
        # PostgreSQL takes a deleted team off its deals (crm's "set null") and deletes its win
        # rates, without a write of the ORM: the deals' forecast follows, with the rates of
        # their company, as if the team had been written off them.
        deals = (
            self.env["crm.lead"]
            .sudo()
            .with_context(active_test=False)
            .search([("team_id", "in", self.ids)])
        )
        res = super().unlink()
        if deals:
            deals.invalidate_recordset(["team_id"])
            deals.modified(["team_id"])
        return res

    def _sync_member_targets(self):
        """Team targets that add up their members follow a change of membership."""
        if self:
            self.env["crm.sales.target"].sudo().search(
                [("team_id", "in", self.ids), ("from_members", "=", True)]
            )._recompute_from_members()
