from odoo import api, models
from odoo.exceptions import ValidationError

TENDER = "tender"


class CrmVendorEvaluation(models.Model):
    _inherit = "crm.vendor.evaluation"

    @api.constrains("kind", "lead_id")
    def _check_bid_in_tender(self):
        """A competitive bid scores our company against competitors on a tender: its
        opportunity is in the Tender phase of project selling."""
        for evaluation in self.filtered(lambda e: e.kind == "bid" and e.lead_id):
            lead = evaluation.lead_id
            if lead.phase_id.code != TENDER:
                raise ValidationError(
                    self.env._(
                        "A competitive bid belongs to an opportunity in the Tender phase; “%s” "
                        "is not in it.",
                        lead.name,
                    )
                )
