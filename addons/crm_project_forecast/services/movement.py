"""How the forecast of the period moved since a snapshot, opportunity by opportunity: new in
the forecast, pulled in from a later period, grown, won, shrunk, slipped to a later period,
lost (or omitted), left (deleted, moved out of the scope or earlier). One query over the frozen
lines and the opportunities, both read by their stored forecast date and amounts."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL

from .. import forecast_sql
from .labels import MOVEMENTS, movement_labels


class ForecastMovement:
    def __init__(self, env, params):
        self.env = env
        self.params = params

    def snapshot(self):
        """The snapshot chosen, else the latest taken before today (a week ago with the
        weekly job), else the latest."""
        if self.params.snapshot:
            return self.params.snapshot
        Snapshot = self.env["crm.forecast.snapshot"]
        today = fields.Datetime.to_datetime(self.params.today)
        return Snapshot.search([("date", "<", today)], limit=1) or Snapshot.search([], limit=1)

    def _comparison_snapshots(self, snapshot):
        """The snapshot of each company the user works in, as it stood on the day of
        ``snapshot`` (the weekly job freezes every company in one run)."""
        Snapshot = self.env["crm.forecast.snapshot"]
        day_after = fields.Datetime.to_datetime(snapshot.date.date()) + timedelta(days=1)
        found = Snapshot
        for company in self.env.companies:
            found |= Snapshot.search(
                [("company_id", "=", company.id), ("date", "<", day_after)], limit=1
            )
        return found | snapshot

    def compare(self, limit=50):
        """{snapshot, summary by movement, count, lines (``limit`` of them, the largest
        first; all when None), net value and weighted change}."""
        snapshot = self.snapshot()
        labels = movement_labels(self.env)
        summary = {
            kind: {"type": kind, "label": labels[kind], "count": 0, "value": 0.0, "weighted": 0.0}
            for kind in MOVEMENTS
        }
        result = {
            "snapshot": snapshot
            and {
                "id": snapshot.id,
                "name": snapshot.name,
                "date": fields.Datetime.to_string(snapshot.date),
            },
            "summary": list(summary.values()),
            "count": 0,
            "lines": [],
        }
        if not snapshot:
            return result
        convert = self.params.convert
        Company = self.env["res.company"]
        lines = []
        for row in self.rows(snapshot):
            lead_id, name, user, team, company, kind = row[:6]
            old_date, old_rev, old_w, new_date, new_rev, new_w = row[6:]
            company = Company.browse(company)
            value = convert((new_rev or 0.0) - (old_rev or 0.0), company)
            weighted = convert((new_w or 0.0) - (old_w or 0.0), company)
            entry = summary[kind]
            entry["count"] += 1
            entry["value"] += value
            entry["weighted"] += weighted
            lines.append(
                {
                    "id": lead_id,
                    "name": name,
                    "user_id": user,
                    "team_id": team,
                    "type": kind,
                    "label": labels[kind],
                    "old_date": old_date and fields.Date.to_string(old_date),
                    "old_revenue": convert(old_rev or 0.0, company),
                    "new_date": new_date and fields.Date.to_string(new_date),
                    "new_revenue": convert(new_rev or 0.0, company),
                    "value": value,
                    "weighted": weighted,
                }
            )
        lines.sort(key=lambda line: (-abs(line["value"]), line["id"] or 0))
        users = self._names("res.users", {line["user_id"] for line in lines})
        teams = self._names("crm.team", {line["team_id"] for line in lines})
        for line in lines:
            line["user"] = users.get(line["user_id"], "")
            line["team"] = teams.get(line["team_id"], "")
        result["count"] = len(lines)
        result["lines"] = lines[:limit] if limit else lines
        result["net_value"] = sum(row["value"] for row in summary.values())
        result["net_weighted"] = sum(row["weighted"] for row in summary.values())
        return result

    def _names(self, model, ids):
        return {record.id: record.name for record in self.env[model].browse(ids - {False, None})}

    def rows(self, snapshot):
        """(lead, name, user, team, company, movement, old date, old revenue, old weighted,
        new date, new revenue, new weighted) of every opportunity in the period's forecast at
        the snapshot or now, that moved."""
        Line = self.env["crm.forecast.snapshot.line"]
        old_query = Line._search(
            [("snapshot_id", "in", self._comparison_snapshots(snapshot).ids), *self.params.scope]
        )
        new_query = (
            self.env["crm.lead"].with_context(active_test=False)._search(self.params.lead_scope)
        )
        self.env.cr.execute(
            SQL(
                """
                WITH old AS (
                    SELECT COALESCE(o.lead_id, -o.id) AS lead_id, o.name, o.user_id, o.team_id,
                           o.company_id, o.forecast_category, o.forecast_date AS d,
                           COALESCE(o.expected_revenue, 0) AS rev, %(old_amount)s AS w
                      FROM crm_forecast_snapshot_line o
                     WHERE o.id IN %(old)s
                ), new AS (
                    SELECT n.id AS lead_id, n.name, n.user_id, n.team_id, n.company_id,
                           n.forecast_category, n.forecast_date AS d,
                           COALESCE(n.expected_revenue, 0) AS rev, %(new_amount)s AS w, n.active
                      FROM crm_lead n
                     WHERE n.id IN %(new)s
                ), joined AS (
                    SELECT o.lead_id AS o_id, n.lead_id AS n_id,
                           COALESCE(n.name, o.name) AS name,
                           COALESCE(n.user_id, o.user_id) AS user_id,
                           COALESCE(n.team_id, o.team_id) AS team_id,
                           COALESCE(n.company_id, o.company_id) AS company_id,
                           o.forecast_category AS o_cat, o.d AS o_d, o.rev AS o_rev, o.w AS o_w,
                           n.forecast_category AS n_cat, n.d AS n_d, n.rev AS n_rev, n.w AS n_w,
                           n.active AS n_active,
                           (o.lead_id IS NOT NULL AND o.d BETWEEN %(from)s AND %(to)s) AS o_in,
                           (n.lead_id IS NOT NULL AND n.active
                            AND n.forecast_category <> 'omitted'
                            AND n.d BETWEEN %(from)s AND %(to)s) AS n_in
                      FROM old o
                      FULL JOIN new n ON n.lead_id = o.lead_id
                )
                SELECT COALESCE(n_id, o_id), name, user_id, team_id, company_id,
                       CASE
                         WHEN o_in AND n_in THEN
                           CASE WHEN o_cat <> 'won' AND n_cat = 'won' THEN 'won'
                                WHEN n_rev > o_rev THEN 'grew'
                                WHEN n_rev < o_rev THEN 'shrank'
                                ELSE 'unchanged' END
                         WHEN n_in THEN
                           CASE WHEN o_id IS NOT NULL AND o_d > %(to)s THEN 'pulled_in'
                                ELSE 'entered' END
                         ELSE
                           CASE WHEN n_id IS NULL THEN 'left'
                                WHEN NOT n_active OR n_cat = 'omitted' THEN 'lost'
                                WHEN n_d > %(to)s THEN 'slipped'
                                ELSE 'left' END
                       END AS movement,
                       o_d, CASE WHEN o_in THEN o_rev ELSE 0 END,
                       CASE WHEN o_in THEN o_w ELSE 0 END,
                       n_d, CASE WHEN n_in THEN n_rev ELSE 0 END,
                       CASE WHEN n_in THEN n_w ELSE 0 END
                  FROM joined
                 WHERE o_in OR n_in
                """,
                old=old_query.subselect(),
                new=new_query.subselect(),
                old_amount=forecast_sql.forecast_amount("o"),
                new_amount=forecast_sql.forecast_amount("n"),
                to=self.params.date_to,
                **{"from": self.params.date_from},
            )
        )
        return [row for row in self.env.cr.fetchall() if row[5] != "unchanged"]

    def drill(self, row):
        kind = row.get("type")
        if kind not in MOVEMENTS:
            raise UserError(self.env._("Unknown movement."))
        snapshot = self.snapshot()
        ids = [r[0] for r in self.rows(snapshot) if r[5] == kind] if snapshot else []
        return [("id", "in", ids)], movement_labels(self.env)[kind]
