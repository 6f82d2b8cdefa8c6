"""What selling cost in the period, per sales team, against the won deals and the cost
budgets: expenses entered on the opportunities and their activities done, valued at the cost
of their activity type (the cost-of-selling report, record rules applied)."""

from collections import defaultdict

from .figures import row_domain


class ForecastCost:
    def __init__(self, env, params):
        self.env = env
        self.params = params

    def domain(self, row=None):
        return [*self.params.period_domain("date"), *self.params.scope, *row_domain(row or {})]

    def by_team(self, won_rows):
        """{rows, total}: per team, cost, won deals (``won_rows``: the forecast's rows by
        team, or ``ForecastFigures.won_by_team()``), cost per won deal, cost / won revenue,
        budget and budget used."""
        p = self.params
        by_team = defaultdict(float)
        for team, company, amount in self.env["crm.selling.cost.report"]._read_group(
            self.domain(), ["team_id", "company_id"], ["amount:sum"]
        ):
            by_team[team.id or False] += p.convert(amount, company)
        won = {row["team_id"]: row for row in won_rows}
        team_ids = {team_id for team_id in (*by_team, *won) if team_id}
        budgets = {}
        if not p.user and team_ids:
            for team_id, amounts in (
                self.env["crm.sales.target"]
                ._get_target_amounts(
                    "team", team_ids, p.date_from, p.date_to, measure="cost_budget"
                )
                .items()
            ):
                budgets[team_id] = p.sum_converted(amounts)
        names = {team.id: team.name for team in self.env["crm.team"].browse(team_ids)}
        no_team = self.env._("No team")
        rows = []
        for team_id in sorted({*by_team, *won}, key=lambda team: names.get(team) or ""):
            figures = won.get(team_id, {})
            rows.append(
                _cost_row(
                    team_id,
                    names.get(team_id) or no_team,
                    by_team.get(team_id, 0.0),
                    figures.get("won_count", 0),
                    figures.get("won", 0.0),
                    budgets.get(team_id, 0.0),
                )
            )
        total = _cost_row(
            False,
            self.env._("Total"),
            *(sum(row[key] for row in rows) for key in ("cost", "won_count", "won", "budget")),
        )
        return {
            "rows": [row for row in rows if row["cost"] or row["won_count"] or row["budget"]],
            "total": total,
        }

    def drill(self, row):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cost of Selling"),
            "res_model": "crm.selling.cost.report",
            "views": [(False, "list"), (False, "pivot")],
            "domain": self.domain(row),
            "context": {"create": False},
        }


def _cost_row(team_id, name, cost, won_count, won, budget):
    return {
        "team_id": team_id,
        "name": name,
        "cost": cost,
        "won_count": won_count,
        "won": won,
        "cost_per_won": cost / won_count if won_count else None,
        "cost_ratio": 100.0 * cost / won if won else None,
        "budget": budget,
        "budget_used": 100.0 * cost / budget if budget else None,
    }
