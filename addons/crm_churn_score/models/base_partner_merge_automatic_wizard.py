from odoo import models

from .res_partner import MERGING


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        """The kept partner takes no churn score from the merged ones as a value..."""
        token = MERGING.set(True)
        try:
            return super()._update_values(src_partners, dst_partner)
        finally:
            MERGING.reset(token)

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """...its current score is the latest row of the history it now holds."""
        result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        self.env["res.partner"].browse(partner_ids).exists().sudo()._refresh_churn_score()
        return result
