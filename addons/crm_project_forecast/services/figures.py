"""The figures of the forecast against the targets: totals, by sales team and by salesperson,
the deals without a closing date. Aggregated in SQL through ``_read_group`` over the stored
forecast columns of the opportunities (record rules apply: a salesperson sees their own)."""

from collections import defaultdict

from odoo.exceptions import UserError
from odoo.osv import expression

from ..forecast_sql import OPEN_CATEGORIES

FORECAST_CATEGORIES = ("won", *OPEN_CATEGORIES)
LEAD_FIGURES = ("won", *OPEN_CATEGORIES, "weighted", "forecast", "undated", "at_risk")


class ForecastFigures:
    def __init__(self, env, params):
        self.env = env
        self.params = params

    # ------------------------------------------------------------------ domains

    def figure_domain(self, figure):
        """The opportunities behind a figure, in the period."""
        in_period = self.params.period_domain("forecast_date")
        if figure == "won" or figure in OPEN_CATEGORIES:
            return [("forecast_category", "=", figure), *in_period]
        if figure == "weighted":
            return [("forecast_category", "in", OPEN_CATEGORIES), *in_period]
        if figure == "forecast":
            return [("forecast_category", "in", FORECAST_CATEGORIES), *in_period]
        if figure == "undated":
            return [("forecast_category", "in", OPEN_CATEGORIES), ("date_deadline", "=", False)]
        if figure == "at_risk":
            return [("forecast_category", "in", OPEN_CATEGORIES), *self.at_risk_domain()]
        raise UserError(self.env._("Unknown figure: %s", figure))

    def at_risk_domain(self):
        """Open opportunities that need the manager's attention: stalled in their phase,
        blocked by an open problem, or past their expected closing date."""
        return [
            "|",
            "|",
            ("is_stalled", "=", True),
            ("problem_ids.state", "=", "open"),
            ("date_deadline", "<", self.params.today),
        ]

    def lead_domain(self, figure, row=None):
        """The opportunities of a figure in the scope, narrowed to a line of a table."""
        return expression.AND(
            [self.params.lead_scope, self.figure_domain(figure), row_domain(row or {})]
        )

    # ------------------------------------------------------------------ figures

    def forecast(self):
        """{totals, by_team, by_user} for the period, in the current company's currency."""
        convert = self.params.convert
        Lead = self.env["crm.lead"]
        groups = Lead._read_group(
            self.lead_domain("forecast"),
            ["team_id", "user_id", "company_id", "forecast_category"],
            ["__count", "expected_revenue:sum", "forecast_revenue:sum"],
        )
        totals = _empty_figures()
        by_team = defaultdict(_empty_figures)
        by_user = defaultdict(_empty_figures)
        for team, user, company, category, count, revenue, weighted in groups:
            amount, weighted = convert(revenue, company), convert(weighted, company)
            for bucket in (totals, by_team[team], by_user[user]):
                if category == "won":
                    bucket["won"] += amount
                    bucket["won_count"] += count
                else:
                    bucket[category] += amount
                    bucket["weighted"] += weighted
                    bucket["open_count"] += count
        undated_count, undated_amount = 0, 0.0
        for company, count, revenue in Lead._read_group(
            self.lead_domain("undated"), ["company_id"], ["__count", "expected_revenue:sum"]
        ):
            undated_count += count
            undated_amount += convert(revenue, company)
        self._add_targets(totals, by_team, by_user)
        no_team, unassigned = self.env._("No team"), self.env._("Unassigned")
        return {
            "totals": dict(
                _finish(totals), undated_count=undated_count, undated_amount=undated_amount
            ),
            "by_team": [
                dict(_finish(figures), team_id=team.id or False, name=team.name or no_team)
                for team, figures in sorted(by_team.items(), key=lambda item: item[0].name or "")
            ],
            "by_user": [
                dict(_finish(figures), user_id=user.id or False, name=user.name or unassigned)
                for user, figures in sorted(by_user.items(), key=lambda item: item[0].name or "")
            ],
        }

    def _add_targets(self, totals, by_team, by_user):
        """The targets of the period: each salesperson's and each team's; the total is the
        chosen salesperson's, else the teams' (the manager's plan), else the salespeople's."""
        p = self.params
        Target = self.env["crm.sales.target"]
        Team, User = self.env["crm.team"], self.env["res.users"]
        if p.user:
            user_ids = p.user.ids
        elif p.team:
            user_ids = list({*p.team.member_ids.ids, *(user.id for user in by_user if user)})
        else:
            user_ids = None
        for user_id, amounts in Target._get_target_amounts(
            "user", user_ids, p.date_from, p.date_to
        ).items():
            by_user[User.browse(user_id)]["target"] += p.sum_converted(amounts)
        team_total = 0.0
        if not p.user:
            for team_id, amounts in Target._get_target_amounts(
                "team", p.team.ids if p.team else None, p.date_from, p.date_to
            ).items():
                amount = p.sum_converted(amounts)
                by_team[Team.browse(team_id)]["target"] += amount
                team_total += amount
        if p.user:
            totals["target"] = by_user[p.user]["target"]
        elif team_total:
            totals["target"] = team_total
        else:
            totals["target"] = sum(figures["target"] for figures in by_user.values())


def row_domain(row):
    """A line of a table: its sales team or salesperson (false: none)."""
    return [(field, "=", row[field] or False) for field in ("team_id", "user_id") if field in row]


def _empty_figures():
    return {
        "target": 0.0,
        "won": 0.0,
        "commit": 0.0,
        "best_case": 0.0,
        "pipeline": 0.0,
        "weighted": 0.0,
        "won_count": 0,
        "open_count": 0,
    }


def _finish(figures):
    figures = dict(figures)
    figures["forecast"] = figures["won"] + figures["weighted"]
    figures["gap"] = figures["target"] - figures["forecast"]
    figures["attainment"] = (
        100.0 * figures["won"] / figures["target"] if figures["target"] else None
    )
    return figures
