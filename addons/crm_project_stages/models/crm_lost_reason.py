from odoo import fields, models


class CrmLostReason(models.Model):
    _inherit = "crm.lost.reason"

    is_cancellation = fields.Boolean(
        string="Project Cancelled",
        help="The customer dropped the project: nobody won it. Opportunities lost for this "
        "reason are cancelled, not lost: they count neither as won nor as lost in the phase "
        "win rates.",
    )
