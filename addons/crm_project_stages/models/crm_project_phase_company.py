from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmProjectPhaseCompany(models.Model):
    """The limit of a phase in one company, where it differs from the phase's."""

    _name = "crm.project.phase.company"
    _inherit = ["crm.project.cached.mixin", "crm.company.scope.mixin"]  # _get_stall_limits
    _description = "Project Phase Limit per Company"
    _order = "phase_id, company_id"
    _company_scope_paths = ("company_id", "phase_id.company_id")

    phase_id = fields.Many2one(
        "crm.project.phase", string="Phase", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one("res.company", string="Company", required=True, index=True)
    stall_days = fields.Integer(string="Stalled After (days)", required=True)

    _sql_constraints = [
        (
            "phase_company_unique",
            "UNIQUE(phase_id, company_id)",
            "A phase has one limit per company.",
        ),
    ]

    @api.constrains("stall_days")
    def _check_stall_days(self):
        if any(line.stall_days < 0 for line in self):
            raise ValidationError(self.env._("Stall days cannot be negative."))
