from odoo import fields, models

from .crm_stage import DEFAULT_STALL_DAYS


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_stall_days_contact = fields.Integer(
        string="Stalled after (Contact)",
        config_parameter="crm_project_stages.stall_days_contact",
        default=DEFAULT_STALL_DAYS["contact"],
    )
    crm_stall_days_design = fields.Integer(
        string="Stalled after (Solution Design)",
        config_parameter="crm_project_stages.stall_days_design",
        default=DEFAULT_STALL_DAYS["design"],
    )
    crm_stall_days_proof = fields.Integer(
        string="Stalled after (Solution Proof)",
        config_parameter="crm_project_stages.stall_days_proof",
        default=DEFAULT_STALL_DAYS["proof"],
    )
    crm_stall_days_tender = fields.Integer(
        string="Stalled after (Tender)",
        config_parameter="crm_project_stages.stall_days_tender",
        default=DEFAULT_STALL_DAYS["tender"],
    )
