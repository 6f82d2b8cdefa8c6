from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_lead_cost import COST_TYPES


class CrmSellingCostReport(models.Model):
    """What selling costs, per opportunity: the expenses entered on it and its activities done,
    each valued at the selling cost of its activity type."""

    _name = "crm.selling.cost.report"
    _description = "Cost of Selling Analysis"
    _auto = False
    _rec_name = "name"
    _order = "date desc"

    name = fields.Char(string="Description", readonly=True)
    date = fields.Date(readonly=True)
    cost_source = fields.Selection(
        [("expense", "Expense"), ("activity", "Activity Done")], string="Source", readonly=True
    )
    cost_type = fields.Selection(
        [*COST_TYPES, ("activity", "Activity")], string="Type", readonly=True
    )
    activity_type_id = fields.Many2one("mail.activity.type", readonly=True)
    amount = fields.Monetary(string="Cost", readonly=True, currency_field="currency_id")
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)

    def _query(self):
        return SQL(
            """
            SELECT c.id * 2 AS id, c.name, c.date, 'expense' AS cost_source, c.cost_type,
                   NULL::int AS activity_type_id, c.amount, c.lead_id, l.user_id, l.team_id,
                   l.partner_id, l.company_id, co.currency_id
              FROM crm_lead_cost c
              JOIN crm_lead l ON l.id = c.lead_id
              LEFT JOIN res_company co ON co.id = l.company_id
            UNION ALL
            SELECT m.id * 2 + 1, NULL, m.date::date,
                   'activity', 'activity', t.id, t.crm_selling_cost, l.id, l.user_id,
                   l.team_id, l.partner_id, l.company_id, co.currency_id
              FROM mail_message m
              JOIN mail_activity_type t ON t.id = m.mail_activity_type_id
              JOIN crm_lead l ON l.id = m.res_id
              LEFT JOIN res_company co ON co.id = l.company_id
             WHERE m.model = 'crm.lead' AND m.message_type = 'notification'
               AND COALESCE(t.crm_selling_cost, 0) <> 0
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )
