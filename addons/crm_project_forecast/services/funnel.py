"""The funnel of the period: per phase, the opportunities that entered it in the period, how
many are still there, moved on, were won or lost there, how long they stayed; and the deals
lost in the period by the phase they were lost in and their reason. One query over the funnel
report (record rules apply), one ``_read_group`` over the lost deals."""

from odoo.exceptions import UserError
from odoo.tools import SQL

FUNNEL_KINDS = ("entered", "current", "moved_on", "won", "lost_here")
FUNNEL_SUMS = ("entered", "current", "moved_on", "won", "lost_here", "days")
FUNNEL_COLUMNS = {
    "entered": "entered_count",
    "current": "current_count",
    "moved_on": "moved_on_count",
    "won": "won_count",
    "lost_here": "lost_here_count",
    "days": "days_in_phase",
}


class ForecastFunnel:
    def __init__(self, env, params):
        self.env = env
        self.params = params

    def domain(self):
        return [*self.params.datetime_domain("date_entered"), *self.params.scope]

    def phases(self, extra=None):
        """The phases of the funnel, in order: those of the companies looked at, and any
        other (``extra``) a row was found for."""
        Phase = self.env["crm.project.phase"]
        phases = Phase.search([]) | (extra or Phase)
        return phases.sorted(lambda phase: (phase.sequence, phase.id))

    def rows(self):
        """Per phase: entered, still there, moved on, won, lost there, average and median
        days in the phase, value (values are added up per company, then converted)."""
        Funnel = self.env["crm.funnel.report"]
        query = Funnel._search(self.domain())

        def column(name):
            return SQL.identifier(Funnel._table, name)

        phase, company = column("phase_id"), column("company_id")
        query.groupby = SQL("GROUPING SETS ((%s, %s), (%s))", phase, company, phase)
        self.env.cr.execute(
            query.select(
                phase,
                company,
                SQL("GROUPING(%s) = 1", company),
                *(SQL("sum(%s)", column(FUNNEL_COLUMNS[key])) for key in FUNNEL_SUMS),
                SQL("sum(%s)", column("value")),
                SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", column("days_in_phase")),
            )
        )
        sums, medians = {}, {}
        Company = self.env["res.company"]
        for phase_id, company_id, per_phase, *values, value, median in self.env.cr.fetchall():
            if per_phase:
                medians[phase_id] = median
                continue
            row = sums.setdefault(phase_id, dict.fromkeys((*FUNNEL_SUMS, "value"), 0))
            for key, amount in zip(FUNNEL_SUMS, values, strict=True):
                row[key] += amount or 0
            row["value"] += self.params.convert(value or 0.0, Company.browse(company_id))
        phases = self.phases(self.env["crm.project.phase"].browse(list(sums)))
        result = []
        for phase in phases:
            row = sums.get(phase.id) or dict.fromkeys((*FUNNEL_SUMS, "value"), 0)
            entered = row["entered"]
            result.append(
                {
                    "phase_id": phase.id,
                    "phase": phase.code or str(phase.id),
                    "label": phase.name,
                    "entered": entered,
                    "current": row["current"],
                    "moved_on": row["moved_on"],
                    "won": row["won"],
                    "lost_here": row["lost_here"],
                    "conversion_next": 100.0 * row["moved_on"] / entered if entered else None,
                    "conversion_won": 100.0 * row["won"] / entered if entered else None,
                    "avg_days": row["days"] / entered if entered else None,
                    "median_days": medians.get(phase.id),
                    "value": float(row["value"]),
                }
            )
        return result

    def lost_domain(self):
        """The deals lost (or cancelled) in the period."""
        return [
            *self.params.lead_scope,
            ("outcome", "in", ("lost", "cancelled")),
            *self.params.datetime_domain("date_closed"),
        ]

    def lost(self):
        """Deals lost (or cancelled) in the period, by the phase they were lost in and their
        lost reason."""
        domain = self.lost_domain()
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                domain,
                ["phase_id", "lost_reason_id", "company_id"],
                ["__count", "expected_revenue:sum"],
            )
        )
        found = self.env["crm.project.phase"].browse([group[0].id for group in groups if group[0]])
        by_phase = {
            phase: {
                "phase_id": phase.id,
                "phase": phase.code or str(phase.id),
                "label": phase.name,
                "count": 0,
                "value": 0.0,
                "reasons": {},
            }
            for phase in self.phases(found)
        }
        no_reason = self.env._("No reason given")
        for phase, reason, company, count, revenue in groups:
            row = by_phase.get(phase)
            if row is None:
                continue
            amount = self.params.convert(revenue, company)
            row["count"] += count
            row["value"] += amount
            name = reason.name or no_reason
            entry = row["reasons"].setdefault(
                name, {"reason": name, "reason_id": reason.id, "count": 0, "value": 0.0}
            )
            entry["count"] += count
            entry["value"] += amount
        for row in by_phase.values():
            row["reasons"] = sorted(
                row["reasons"].values(), key=lambda reason: (-reason["count"], reason["reason"])
            )
        return list(by_phase.values())

    def drill(self, row):
        """The funnel rows of one phase (``phase_id``, or the ``phase`` code) and kind."""
        kind = row.get("kind") or "entered"
        phase = self.env["crm.project.phase"].browse(row.get("phase_id") or [])
        if not phase and row.get("phase"):
            phase = self.env["crm.project.phase"].search([("code", "=", row["phase"])], limit=1)
        if not phase.exists() or kind not in FUNNEL_KINDS:
            raise UserError(self.env._("Unknown funnel figure."))
        domain = [*self.domain(), ("phase_id", "=", phase.id)]
        if kind != "entered":
            domain.append((FUNNEL_COLUMNS[kind], "=", 1))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Funnel: %s", phase.name),
            "res_model": "crm.funnel.report",
            "views": [(False, "list")],
            "domain": domain,
            "context": {"create": False},
        }
