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
        team_rows = [
            dict(_finish(figures), team_id=team.id or False, name=team.name or no_team)
            for team, figures in sorted(by_team.items(), key=lambda item: item[0].name or "")
        ]
        user_rows = [
            dict(_finish(figures), user_id=user.id or False, name=user.name or unassigned)
            for user, figures in sorted(by_user.items(), key=lambda item: item[0].name or "")
        ]
        data = {
            "totals": dict(
                _finish(totals), undated_count=undated_count, undated_amount=undated_amount
            ),
            "by_team": team_rows,
            "by_user": user_rows,
            # Each table's total row adds up its rows; the headline total's target follows
            # its own rule (see _add_targets): a note says so where they differ.
            "by_team_total": _finish(_sum_rows(by_team.values(), not self.params.user)),
            "by_user_total": _finish(_sum_rows(by_user.values())),
        }
        data["notes"] = self._table_notes(data)
        return data

    def _table_notes(self, data):
        """{table: the key of the note under it, or False}: where a table's total target is
        not the Target figure, and why (``labels.table_note_labels``)."""
        target = data["totals"]["target"]

        def differs(total):
            return abs((total["target"] or 0.0) - target) >= 0.005

        if self.params.user:
            return {"by_team": "user_view", "by_user": False}
        return {
            "by_team": differs(data["by_team_total"]) and "no_team_target",
            "by_user": differs(data["by_user_total"]) and "team_plan",
        }

    def won_by_team(self):
        """[{team_id, won_count, won}] of every team with a deal in the forecast of the
        period (the Closed Won figure of each row of the forecast by sales team)."""
        rows = {}
        for team, company, category, count, revenue in self.env["crm.lead"]._read_group(
            self.lead_domain("forecast"),
            ["team_id", "company_id", "forecast_category"],
            ["__count", "expected_revenue:sum"],
        ):
            row = rows.setdefault(team.id or False, {"won_count": 0, "won": 0.0})
            if category == "won":
                row["won_count"] += count
                row["won"] += self.params.convert(revenue, company)
        return [dict(row, team_id=team_id) for team_id, row in rows.items()]

    def _add_targets(self, totals, by_team, by_user):
        """The targets of the period: each salesperson's and each team's; the total is the
        chosen salesperson's, else the teams' (the manager's plan), else the salespeople's.
        With a salesperson chosen the teams' rows have no target (None): a salesperson's
        target is not split by team."""
        p = self.params
        Team, User = self.env["crm.team"], self.env["res.users"]
        for user_id, amount in self._target_amounts("user", self.target_user_ids(by_user)):
            by_user[User.browse(user_id)]["target"] += amount
        team_total = 0.0
        if not p.user:
            for team_id, amount in self._target_amounts("team", p.team.ids or None):
                by_team[Team.browse(team_id)]["target"] += amount
                team_total += amount
        if p.user:
            totals["target"] = by_user[p.user]["target"]
            for figures in by_team.values():
                figures["target"] = None
        elif team_total:
            totals["target"] = team_total
        else:
            totals["target"] = sum(figures["target"] for figures in by_user.values())

    # ------------------------------------------------------------------ targets

    def target_user_ids(self, lead_users=None):
        """The salespeople whose targets the forecast shows: the one chosen, else the chosen
        team's members and whoever has a deal of the team in the forecast (``lead_users``,
        read when not given), else everybody (None)."""
        p = self.params
        if p.user:
            return p.user.ids
        if not p.team:
            return None
        if lead_users is None:
            lead_users = [
                user
                for [user] in self.env["crm.lead"]._read_group(
                    self.lead_domain("forecast"), ["user_id"]
                )
            ]
        return list({*p.team.member_ids.ids, *(user.id for user in lead_users if user)})

    def _select_targets(self, level, ids):
        return self.env["crm.sales.target"]._select_targets(
            level, ids, self.params.date_from, self.params.date_to
        )

    def _target_amounts(self, level, ids):
        """(user or team id, amount in the current company's currency) of the targets the
        forecast counts, one pair per company."""
        Company = self.env["res.company"]
        return [
            (entity_id, self.params.convert(amount, Company.browse(company_id)))
            for (entity_id, company_id), (amount, _ids) in self._select_targets(level, ids).items()
        ]

    def _counted(self, level, ids):
        selected = self._select_targets(level, ids)
        return self.env["crm.sales.target"].browse(
            sorted(i for _amount, target_ids in selected.values() for i in target_ids)
        )

    def _headline_targets(self):
        """(team targets, salesperson targets, the level the Target figure adds up)."""
        p = self.params
        users = self._counted("user", self.target_user_ids())
        if p.user:
            return self.env["crm.sales.target"], users, "user"
        teams = self._counted("team", p.team.ids or None)
        if any(amount for _team, amount in self._target_amounts("team", p.team.ids or None)):
            return teams, users, "team"
        return teams, users, "user"

    def counted_targets(self, row=None):
        """The sales targets behind the Target figure (``row``: of one team or salesperson
        line), the same the figure adds up."""
        p, row = self.params, row or {}
        Target = self.env["crm.sales.target"]
        if "user_id" in row:
            if not row["user_id"] or (p.user and row["user_id"] != p.user.id):
                return Target
            return self._counted("user", [row["user_id"]])
        if "team_id" in row:
            if p.user or not row["team_id"] or (p.team and row["team_id"] != p.team.id):
                return Target
            return self._counted("team", [row["team_id"]])
        teams, users, level = self._headline_targets()
        return teams if level == "team" else users

    def targets_action(self, row=None):
        """The sales targets behind the Target figure (or a line's target), in their list."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sales Targets of %s", self.params.period_info()["label"]),
            "res_model": "crm.sales.target",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.counted_targets(row).ids)],
            "context": {"create": False},
        }

    def analysis_action(self, row=None):
        """*Forecast Analysis* on the period and scope of the forecast (``row``: narrowed to
        one team or salesperson line): its opportunities next to the targets the forecast
        counts, filtered on the level of targets the Target figure adds up - the pivot's
        totals are the dashboard's figures. The salespeople's targets are there too, one
        filter away."""
        p, row = self.params, row or {}
        if "user_id" in row or "team_id" in row:
            targets = self.counted_targets(row)
            level = "user" if "user_id" in row or p.user else "team"
        else:
            teams, users, level = self._headline_targets()
            targets = teams | users
        opportunities = expression.AND(
            [[("row_type", "=", "opportunity")], p.scope, row_domain(row)]
        )
        domain = expression.AND(
            [
                p.period_domain("date"),
                expression.OR([opportunities, [("target_id", "in", targets.ids)]]),
            ]
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_project_forecast.crm_forecast_report_action"
        )
        names = [p.period_info()["label"], p.team.name, p.user.name]
        name = self.env._("Forecast Analysis: %s", ", ".join(name for name in names if name))
        action.update(
            name=name,
            display_name=name,
            domain=domain,
            context={f"search_default_{level}_targets": 1},
        )
        return action


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


def _sum_rows(rows, with_target=True):
    """The figures of table rows added up (without a target: None)."""
    total = _empty_figures()
    for row in rows:
        for key in total:
            total[key] += row[key] or 0
    if not with_target:
        total["target"] = None
    return total


def _finish(figures):
    """The figures derived from the others: forecast, gap, attainment (None without a
    target: a target that does not apply)."""
    figures = dict(figures)
    figures["forecast"] = figures["won"] + figures["weighted"]
    target = figures["target"]
    figures["gap"] = None if target is None else target - figures["forecast"]
    figures["attainment"] = 100.0 * figures["won"] / target if target else None
    return figures
