"""The rows of the long sheets of the workbook, streamed from the database in batches (record
rules applied) with names instead of ids: every opportunity behind the forecast, and every
deal at risk. Memory does not grow with the number of opportunities."""

from odoo import fields
from odoo.addons.crm_project_stages import phase_sql
from odoo.tools import SQL

from .. import forecast_sql

STREAM_BATCH = 20000


class ForecastExport:
    def __init__(self, env, params, figures):
        self.env = env
        self.params = params
        self.figures = figures

    def _stream(self, domain, columns):
        """Batches of rows of ``columns`` (SQL over the opportunities, id first) of the
        opportunities matching ``domain``, in id order."""
        Lead = self.env["crm.lead"]
        last = 0
        while True:
            query = Lead._search([*domain, ("id", ">", last)], limit=STREAM_BATCH, order="id")
            self.env.cr.execute(query.select(*columns))
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    @staticmethod
    def _columns(*names):
        return [SQL.identifier("crm_lead", name) for name in names]

    def _deal_rows(self, figure, columns, rest):
        """(name, customer, salesperson, team, phase, *rest(values, names)) of the
        opportunities of ``figure``, ``values`` being those of the SQL ``columns``."""
        names = self._name_maps()
        batches = self._stream(
            self.figures.lead_domain(figure),
            [
                *self._columns("id", "name", "partner_id", "user_id", "team_id", "phase_id"),
                *columns,
            ],
        )
        for batch in batches:
            partners = self._partner_names(batch)
            for _lead_id, name, partner_id, user_id, team_id, phase_id, *values in batch:
                yield (
                    name,
                    partners.get(partner_id, ""),
                    names["users"].get(user_id, ""),
                    names["teams"].get(team_id, ""),
                    names["phases"].get(phase_id, ""),
                    *rest(values, names),
                )

    def detail_rows(self):
        """(name, customer, salesperson, team, phase, forecast category, forecast date,
        expected revenue, probability, weighted, currency) of every opportunity of the
        forecast of the period."""

        def rest(values, names):
            category, day, revenue, probability, weighted, company_id = values
            return (
                names["categories"].get(category, ""),
                day,
                revenue,
                probability,
                weighted,
                names["currencies"].get(company_id, ""),
            )

        columns = [
            SQL("crm_lead.forecast_category"),
            SQL("crm_lead.forecast_date"),
            SQL("COALESCE(crm_lead.expected_revenue, 0)"),
            SQL("COALESCE(crm_lead.forecast_probability, 0)"),
            forecast_sql.forecast_amount("crm_lead"),
            SQL("crm_lead.company_id"),
        ]
        yield from self._deal_rows("forecast", columns, rest)

    def risk_rows(self):
        """(name, customer, salesperson, team, phase, days in phase, stalled, open problems,
        expected closing, overdue, revenue, weighted, currency) of the deals at risk."""
        today, now = self.params.today, fields.Datetime.now()

        def rest(values, names):
            date_in, stalled, problems, deadline, revenue, weighted, company_id = values
            return (
                (now - date_in).days if date_in else 0,
                bool(stalled),
                problems,
                deadline,
                bool(deadline and deadline < today),
                revenue,
                weighted,
                names["currencies"].get(company_id, ""),
            )

        columns = [
            SQL("crm_lead.phase_date_in"),
            phase_sql.is_stalled("crm_lead"),
            SQL(
                "(SELECT count(*) FROM crm_lead_problem pb "
                "WHERE pb.lead_id = crm_lead.id AND pb.state = 'open')"
            ),
            SQL("crm_lead.date_deadline"),
            SQL("COALESCE(crm_lead.expected_revenue, 0)"),
            SQL("COALESCE(crm_lead.forecast_revenue, 0)"),
            SQL("crm_lead.company_id"),
        ]
        yield from self._deal_rows("at_risk", columns, rest)

    def _name_maps(self):
        def names(model):
            return {
                record.id: record.name
                for record in self.env[model].with_context(active_test=False).search([])
            }

        return {
            "users": names("res.users"),
            "teams": names("crm.team"),
            "phases": names("crm.project.phase"),
            "currencies": {
                company.id: company.currency_id.name
                for company in self.env["res.company"].sudo().search([])
            },
            "categories": dict(
                self.env["crm.lead"]._fields["forecast_category"]._description_selection(self.env)
            ),
        }

    def _partner_names(self, batch):
        """Customers' names of a batch of rows (customer id third), in one query."""
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .browse(list({row[2] for row in batch if row[2]}))
        )
        partners.fetch(["complete_name"])
        names = {partner.id: partner.complete_name for partner in partners}
        partners.invalidate_recordset()
        return names
