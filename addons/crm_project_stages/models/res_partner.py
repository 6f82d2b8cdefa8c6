from collections import defaultdict

from odoo import _, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    open_project_ids = fields.Many2many(
        "crm.lead",
        string="Open Projects",
        compute="_compute_open_project_ids",
        help="Open opportunities of this customer (its company and contacts), with their phase.",
    )
    open_project_count = fields.Integer(compute="_compute_open_project_ids")

    def _get_open_project_domain(self):
        return [
            ("type", "=", "opportunity"),
            ("outcome", "=", "open"),
            ("partner_id", "child_of", self.commercial_partner_id.ids),
        ]

    def _compute_open_project_ids(self):
        real = self._origin.filtered("id")
        by_commercial = defaultdict(lambda: self.env["crm.lead"])
        if real:
            leads = self.env["crm.lead"].search(
                real._get_open_project_domain(), order="phase_sequence, date_deadline, id"
            )
            for lead in leads:
                by_commercial[lead.partner_id.commercial_partner_id.id] |= lead
        for partner in self:
            projects = by_commercial[partner._origin.commercial_partner_id.id]
            partner.open_project_ids = projects
            partner.open_project_count = len(projects)

    def action_view_open_projects(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action.update(
            {
                "name": _("Open Projects"),
                "domain": self._get_open_project_domain(),
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
                "context": {
                    "group_by": ["phase_id"],
                    "default_partner_id": self.id,
                    "default_type": "opportunity",
                },
            }
        )
        return action
