from odoo import api, models
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import is_module_uninstalling
from odoo.exceptions import UserError


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def _merge_dependences(self, opportunities):
        """Merging opportunities (crm deletes the merged ones after): their vendor evaluations
        under way follow to this one; a decided or cancelled evaluation keeps its opportunity
        (a decision stays decided), so the merge is refused while one of the merged ones has
        such an evaluation."""
        res = super()._merge_dependences(opportunities)
        Evaluation = self.env["crm.vendor.evaluation"].sudo().with_context(active_test=False)
        evaluations = Evaluation.search([("lead_id", "in", opportunities.ids)])
        closed = evaluations.filtered(lambda evaluation: evaluation.state in ("done", "cancel"))
        if closed:
            raise UserError(
                self.env._(
                    "“%(lead)s” is the opportunity of the vendor evaluation “%(evaluation)s”, "
                    "which is decided or cancelled and keeps it: ask an Evaluation Manager to "
                    "reopen it and link it to “%(head)s” before merging.",
                    lead=closed[0].lead_id.name,
                    evaluation=closed[0].name,
                    head=self.name,
                )
            )
        evaluations.write({"lead_id": self.id})
        return res

    @api.ondelete(at_uninstall=True)
    def _unlink_except_evaluated(self):
        """An opportunity vendor evaluations are linked to is archived, not deleted: a decided
        evaluation keeps its opportunity, and the others name it to their team."""
        if is_module_uninstalling(self.env, "crm_vendor_eval"):
            return
        Evaluation = self.env["crm.vendor.evaluation"].sudo().with_context(active_test=False)
        evaluation = Evaluation.search([("lead_id", "in", self.ids)], limit=1)
        if evaluation:
            raise UserError(
                self.env._(
                    "“%(lead)s” is the opportunity of the vendor evaluation “%(evaluation)s”: "
                    "archive it instead of deleting it.",
                    lead=evaluation.lead_id.name,
                    evaluation=evaluation.name,
                )
            )
