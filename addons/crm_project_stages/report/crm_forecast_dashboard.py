import math
import os
import shutil
import tempfile
from collections import defaultdict
from datetime import date, datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from .. import forecast_xlsx, periods
from ..models.crm_stage import PHASE_ORDER
from ..models.server_guard import MAX_AMOUNT_TEXT

OPEN_CATEGORIES = ("pipeline", "best_case", "commit")
LEAD_FIGURES = ("won", *OPEN_CATEGORIES, "weighted", "forecast", "undated", "at_risk")
MOVEMENTS = ("entered", "pulled_in", "grew", "won", "shrank", "slipped", "lost", "left")
FUNNEL_KINDS = ("entered", "current", "moved_on", "won", "lost_here")
STREAM_BATCH = 20000
# Forecast dates lie between these days; a custom period spans at most MAX_CUSTOM_YEARS.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)
MAX_CUSTOM_YEARS = 10


class CrmForecastDashboard(models.AbstractModel):
    """The sales manager's forecast: figures against targets for a period, the funnel, the
    deals at risk, the movement since a snapshot and the cost of selling, for the screen
    (``get_dashboard_data``), its drill-downs (``action_drill``) and the Excel workbook
    (``_export_xlsx``, served by the download route only). Every figure is aggregated in SQL
    through the ORM (``_read_group`` or a query built by ``_search``), so record rules apply:
    a salesperson sees their own. Parameters are checked (``_parse_params``) and amounts are
    finite (``_check_finite``) before anything is answered."""

    _name = "crm.forecast.dashboard"
    _description = "Sales Forecast Dashboard"

    # ------------------------------------------------------------------ entry points

    @api.model
    def get_dashboard_data(self, params=None):
        p = self._parse_params(params)
        return self._check_finite(self._dashboard_data(p, self._currency_converter(), limit=50))

    @api.model
    def _dashboard_data(self, p, convert, limit):
        """Everything the dashboard shows; ``limit`` bounds the listed deals at risk and
        movement lines (None: all of them, for the workbook)."""
        forecast = self._get_forecast(p, convert)
        return {
            "params": self._params_out(p),
            "period": self._period_info(p),
            "currency_id": self.env.company.currency_id.id,
            "choices": self._get_choices(p),
            **forecast,
            "funnel": self._get_funnel(p, convert),
            "lost_by_phase": self._get_lost_by_phase(p, convert),
            "risk": self._get_risk_deals(p, convert, limit=50),
            "movement": self._get_movement(p, convert, limit=limit),
            "selling_cost": self._get_selling_cost(p, convert, forecast),
        }

    @api.model
    def action_drill(self, params, figure, row=None):
        """The records behind one figure of the dashboard: ``figure`` is a forecast figure
        (won, commit, best_case, pipeline, weighted, forecast, undated, at_risk), ``funnel``,
        ``movement`` or ``cost``; ``row`` narrows it to one line of a table (team_id, user_id,
        phase and kind, movement type)."""
        p = self._parse_params(params)
        row = self._parse_row(row)
        if not isinstance(figure, str):
            raise UserError(_("Unknown figure: %s", str(figure)[:40]))
        if figure == "funnel":
            return self._drill_funnel(p, row)
        if figure == "cost":
            return self._drill_cost(p, row)
        if figure == "movement":
            return self._drill_movement(p, row)
        if figure not in LEAD_FIGURES:
            raise UserError(_("Unknown figure: %s", figure))
        domain = expression.AND(
            [self._lead_scope(p), self._figure_domain(p, figure), self._row_domain(row)]
        )
        return self._lead_action(self._figure_labels()[figure], domain)

    @api.model
    def _export_xlsx(self, params=None):
        """The forecast workbook: (file name, binary file open on it, size). Only the download
        route calls it. The workbook is built in a temporary directory that is removed before
        returning, whatever happens: the open file keeps its content until the route's
        response closes it, and nothing stays on disk. Rows are streamed from the database in
        batches and written in xlsxwriter's constant-memory mode: memory does not grow with
        the number of opportunities."""
        p = self._parse_params(params)
        data = self._check_finite(self._dashboard_data(p, self._currency_converter(), limit=None))
        directory = tempfile.mkdtemp(prefix="crm_forecast_")
        try:
            path = os.path.join(directory, "forecast.xlsx")
            try:
                forecast_xlsx.write_forecast_workbook(
                    path,
                    data,
                    self._xlsx_labels(data),
                    detail_rows=self._stream_forecast_rows(p),
                    risk_rows=self._stream_risk_rows(p),
                    movement_rows=data["movement"]["lines"],
                    tmpdir=directory,
                )
            except forecast_xlsx.NotFiniteError as error:
                raise UserError(self._not_finite_message()) from error
            handle = open(path, "rb")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        filename = _("Sales forecast %s.xlsx", data["period"]["label"])
        return filename, handle, os.fstat(handle.fileno()).st_size

    # ------------------------------------------------------------------ parameters

    @api.model
    def _parse_params(self, params):
        """The dashboard's parameters, checked: period (type, date, end of a custom period),
        sales team, salesperson, snapshot, and the companies of the context. Anything else
        is refused with a message saying what is wrong."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise UserError(
                _(
                    "The forecast parameters must be a JSON object with period_type, date, "
                    "date_to, team_id, user_id and snapshot_id."
                )
            )
        self._check_context_companies()
        period_type = params.get("period_type") or "quarter"
        if not isinstance(period_type, str) or period_type not in periods.PERIOD_TYPES:
            raise UserError(_("Unknown period type: %s", str(period_type)[:40]))
        anchor = self._parse_date(params.get("date")) or fields.Date.context_today(self)
        end = self._parse_date(params.get("date_to"))
        if period_type == "custom" and not end:
            raise UserError(_("A custom period needs an end date."))
        try:
            date_from, date_to = periods.bounds(period_type, anchor, end)
        except ValueError as error:
            raise UserError(_("The end of the period must not be before its start.")) from error
        if period_type == "custom" and date_to > periods.add_years(date_from, MAX_CUSTOM_YEARS):
            raise UserError(_("A custom period spans at most %s years.", MAX_CUSTOM_YEARS))
        team = self._parse_record("crm.team", params.get("team_id"))
        if team is None:
            raise UserError(_("Unknown sales team: %s", str(params["team_id"])[:40]))
        user = self._parse_record("res.users", params.get("user_id"))
        if user is None:
            raise UserError(_("Unknown salesperson: %s", str(params["user_id"])[:40]))
        if "user_id" not in params and not self.env.user.has_group(
            "sales_team.group_sale_salesman_all_leads"
        ):
            # A salesperson who sees only their own opportunities sees their own forecast,
            # against their own target.
            user = self.env.user
        snapshot = self._parse_record("crm.forecast.snapshot", params.get("snapshot_id"))
        if snapshot is None:
            raise UserError(_("Unknown forecast snapshot: %s", str(params["snapshot_id"])[:40]))
        return {
            "period_type": period_type,
            "date_from": date_from,
            "date_to": date_to,
            "team": team,
            "user": user,
            "snapshot": snapshot,
        }

    @api.model
    def _parse_date(self, value):
        """A day of the forecast (YYYY-MM-DD) between MIN_DATE and MAX_DATE, or None."""
        if value in (None, False, ""):
            return None
        try:
            if not isinstance(value, (str, date)):
                raise TypeError(value)
            day = fields.Date.to_date(value)
        except (TypeError, ValueError) as error:
            raise UserError(_("The period must be given as dates (YYYY-MM-DD).")) from error
        if not MIN_DATE <= day <= MAX_DATE:
            raise UserError(
                _(
                    "Forecast dates lie between %(first)s and %(last)s.",
                    first=fields.Date.to_string(MIN_DATE),
                    last=fields.Date.to_string(MAX_DATE),
                )
            )
        return day

    @api.model
    def _parse_record(self, model, value):
        """The record of ``model`` with id ``value`` that the user may read (archived ones
        included: last year's team), an empty recordset for no value, None when ``value``
        is not the id of such a record."""
        Model = self.env[model].with_context(active_test=False)
        if value in (None, False, 0, ""):
            return Model.browse()
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
            return None
        return Model.search([("id", "=", value)]) or None

    @api.model
    def _parse_row(self, row):
        """The line of a table a drill-down narrows to: team, salesperson (ids or false),
        phase, funnel kind, movement type (texts)."""
        if row in (None, False):
            return {}
        if not isinstance(row, dict):
            raise UserError(_("The line of the figure is not valid."))
        clean = {}
        for key in ("team_id", "user_id"):
            if key not in row:
                continue
            value = row[key]
            if value is False or value is None:
                clean[key] = False
            elif isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
                clean[key] = value
            else:
                raise UserError(_("The line of the figure is not valid."))
        for key in ("phase", "kind", "type"):
            if key in row:
                if not isinstance(row[key], str):
                    raise UserError(_("The line of the figure is not valid."))
                clean[key] = row[key]
        return clean

    @api.model
    def _check_context_companies(self):
        """The companies selected in the client (``allowed_company_ids`` of the context) are
        a list of ids of the user's companies."""
        companies = self.env.context.get("allowed_company_ids")
        if companies is None:
            return
        if not isinstance(companies, list) or not all(
            isinstance(company, int) and not isinstance(company, bool) for company in companies
        ):
            raise UserError(_("The selected companies are not valid: a list of company ids."))
        if set(companies) - set(self.env.user._get_company_ids()):
            raise AccessError(_("You cannot see the forecast of these companies."))

    @api.model
    def _check_finite(self, data):
        """Every amount of ``data`` is a finite number, or a clear error instead of a JSON
        with Infinity (invalid) or a failed export."""
        stack = [data]
        while stack:
            value = stack.pop()
            if isinstance(value, float):
                if not math.isfinite(value):
                    raise UserError(self._not_finite_message())
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, (list, tuple)):
                stack.extend(value)
        return data

    @api.model
    def _not_finite_message(self):
        return _(
            "The amounts of this forecast are too large to add up. Expected revenues, targets, "
            "budgets and selling expenses are limited to %s: correct the amounts beyond it.",
            MAX_AMOUNT_TEXT,
        )

    @api.model
    def _params_out(self, p):
        return {
            "period_type": p["period_type"],
            "date": fields.Date.to_string(p["date_from"]),
            "date_to": fields.Date.to_string(p["date_to"]),
            "team_id": p["team"].id or False,
            "user_id": p["user"].id or False,
            "snapshot_id": p["snapshot"].id or False,
        }

    @api.model
    def _period_info(self, p):
        kind, start = p["period_type"], p["date_from"]
        if kind == "custom":
            label = f"{p['date_from']} / {p['date_to']}"
            previous = periods.shift(kind, start, -1, p["date_to"])
            following = periods.shift(kind, start, 1, p["date_to"])
            length = p["date_to"] - p["date_from"]
            previous_to, following_to = previous + length, following + length
        else:
            label = periods.key(kind, start)
            previous, following = periods.shift(kind, start, -1), periods.shift(kind, start, 1)
            previous_to = following_to = None
        return {
            "label": label,
            "date_from": fields.Date.to_string(p["date_from"]),
            "date_to": fields.Date.to_string(p["date_to"]),
            "previous": fields.Date.to_string(previous),
            "previous_to": previous_to and fields.Date.to_string(previous_to),
            "next": fields.Date.to_string(following),
            "next_to": following_to and fields.Date.to_string(following_to),
        }

    @api.model
    def _get_choices(self, p):
        teams = self.env["crm.team"].search_fetch([], ["name"], order="sequence, name")
        users = self.env["res.users"].search_fetch(
            [
                ("share", "=", False),
                ("groups_id", "in", self.env.ref("sales_team.group_sale_salesman").ids),
            ],
            ["name"],
            order="name",
        )
        snapshots = self.env["crm.forecast.snapshot"].search_fetch(
            [], ["name", "date", "company_id"], limit=30
        )
        return {
            "teams": [{"id": team.id, "name": team.name} for team in teams],
            "users": [{"id": user.id, "name": user.name} for user in users],
            "snapshots": [
                {
                    "id": snap.id,
                    "name": f"{snap.name} ({snap.company_id.name})",
                }
                for snap in snapshots
            ],
        }

    # ------------------------------------------------------------------ domains

    @api.model
    def _lead_scope(self, p):
        domain = [("type", "=", "opportunity")]
        if p["team"]:
            domain.append(("team_id", "=", p["team"].id))
        if p["user"]:
            domain.append(("user_id", "=", p["user"].id))
        return domain

    @api.model
    def _row_domain(self, row):
        domain = []
        for field in ("team_id", "user_id"):
            if field in row:
                domain.append((field, "=", row[field] or False))
        return domain

    @api.model
    def _get_at_risk_domain(self):
        """Open opportunities that need the manager's attention: stalled in their phase, blocked
        by an open problem, or past their expected closing date."""
        today = fields.Date.context_today(self)
        return [
            "|",
            "|",
            ("is_stalled", "=", True),
            ("problem_ids.state", "=", "open"),
            ("date_deadline", "<", today),
        ]

    @api.model
    def _figure_domain(self, p, figure):
        period = [("date_deadline", ">=", p["date_from"]), ("date_deadline", "<=", p["date_to"])]
        won = [
            ("forecast_category", "=", "won"),
            ("date_won", ">=", p["date_from"]),
            ("date_won", "<=", p["date_to"]),
        ]
        open_in_period = [("forecast_category", "in", OPEN_CATEGORIES), *period]
        if figure == "won":
            return won
        if figure in OPEN_CATEGORIES:
            return [("forecast_category", "=", figure), *period]
        if figure == "weighted":
            return open_in_period
        if figure == "forecast":
            return expression.OR([won, open_in_period])
        if figure == "undated":
            return [("forecast_category", "in", OPEN_CATEGORIES), ("date_deadline", "=", False)]
        if figure == "at_risk":
            return [("forecast_category", "in", OPEN_CATEGORIES), *self._get_at_risk_domain()]
        raise UserError(_("Unknown figure: %s", figure))

    @api.model
    def _datetime_bounds(self, p):
        """The period as UTC datetimes [start, end) for datetime fields, in the user's time
        zone."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def utc(day):
            return (
                tz.localize(datetime.combine(day, time.min))
                .astimezone(pytz.UTC)
                .replace(tzinfo=None)
            )

        return utc(p["date_from"]), utc(p["date_to"] + timedelta(days=1))

    # ------------------------------------------------------------------ currency

    @api.model
    def _currency_converter(self):
        """amount, company -> amount in the current company's currency, at today's rate."""
        target = self.env.company.currency_id
        today = fields.Date.context_today(self)
        rates = {}

        def convert(amount, company):
            if not amount:
                return 0.0
            currency = company.currency_id if company else target
            if currency == target:
                return amount
            if currency not in rates:
                rates[currency] = currency._get_conversion_rate(
                    currency, target, self.env.company, today
                )
            return target.round(amount * rates[currency])

        return convert

    @api.model
    def _sum_converted(self, amounts, convert):
        """{company id: amount in its currency} -> total in the current company's currency."""
        Company = self.env["res.company"]
        return sum(
            convert(amount, Company.browse(company_id)) for company_id, amount in amounts.items()
        )

    # ------------------------------------------------------------------ forecast

    @api.model
    def _get_forecast(self, p, convert):
        Lead = self.env["crm.lead"]
        scope = self._lead_scope(p)
        groups = Lead._read_group(
            expression.AND([scope, self._figure_domain(p, "forecast")]),
            ["team_id", "user_id", "company_id", "forecast_category"],
            ["__count", "expected_revenue:sum", "forecast_revenue:sum"],
        )
        totals = self._empty_figures()
        by_team = defaultdict(self._empty_figures)
        by_user = defaultdict(self._empty_figures)
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
            expression.AND([scope, self._figure_domain(p, "undated")]),
            ["company_id"],
            ["__count", "expected_revenue:sum"],
        ):
            undated_count += count
            undated_amount += convert(revenue, company)

        self._add_targets(p, convert, totals, by_team, by_user)
        team_rows = [
            dict(self._finish(figures), team_id=team.id or False, name=team.name or _("No team"))
            for team, figures in sorted(by_team.items(), key=lambda item: item[0].name or "")
        ]
        user_rows = [
            dict(self._finish(figures), user_id=user.id or False, name=user.name or _("Unassigned"))
            for user, figures in sorted(by_user.items(), key=lambda item: item[0].name or "")
        ]
        return {
            "totals": dict(
                self._finish(totals), undated_count=undated_count, undated_amount=undated_amount
            ),
            "by_team": team_rows,
            "by_user": user_rows,
        }

    @api.model
    def _add_targets(self, p, convert, totals, by_team, by_user):
        Target = self.env["crm.sales.target"]
        Team, User = self.env["crm.team"], self.env["res.users"]
        date_from, date_to = p["date_from"], p["date_to"]
        if p["user"]:
            user_ids = p["user"].ids
        elif p["team"]:
            user_ids = list({*p["team"].member_ids.ids, *(u.id for u in by_user if u)})
        else:
            user_ids = None
        user_targets = Target._get_target_amounts("user", user_ids, date_from, date_to)
        for user_id, amounts in user_targets.items():
            by_user[User.browse(user_id)]["target"] += self._sum_converted(amounts, convert)
        team_total = 0.0
        if not p["user"]:
            team_ids = p["team"].ids if p["team"] else None
            team_targets = Target._get_target_amounts("team", team_ids, date_from, date_to)
            for team_id, amounts in team_targets.items():
                amount = self._sum_converted(amounts, convert)
                by_team[Team.browse(team_id)]["target"] += amount
                team_total += amount
        if p["user"]:
            totals["target"] = by_user[p["user"]]["target"]
        elif team_total:
            totals["target"] = team_total
        else:
            totals["target"] = sum(figures["target"] for figures in by_user.values())

    @staticmethod
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

    @staticmethod
    def _finish(figures):
        figures = dict(figures)
        figures["forecast"] = figures["won"] + figures["weighted"]
        figures["gap"] = figures["target"] - figures["forecast"]
        figures["attainment"] = (
            100.0 * figures["won"] / figures["target"] if figures["target"] else None
        )
        return figures

    # ------------------------------------------------------------------ funnel

    @api.model
    def _funnel_domain(self, p):
        start, end = self._datetime_bounds(p)
        domain = [("date_entered", ">=", start), ("date_entered", "<", end)]
        if p["team"]:
            domain.append(("team_id", "=", p["team"].id))
        if p["user"]:
            domain.append(("user_id", "=", p["user"].id))
        return domain

    @api.model
    def _get_funnel(self, p, convert):
        """Per phase: entered, still there, moved on, won, lost there, average and median days
        in the phase, value. One query over the funnel report, record rules applied: sums per
        phase and company (values are in each company's currency), medians per phase."""
        Funnel = self.env["crm.funnel.report"]
        query = Funnel._search(self._funnel_domain(p))

        def column(name):
            return SQL.identifier(Funnel._table, name)

        query.groupby = SQL(
            "GROUPING SETS ((%s, %s), (%s))", column("phase"), column("company_id"), column("phase")
        )
        self.env.cr.execute(
            query.select(
                column("phase"),
                column("company_id"),
                SQL("GROUPING(%s) = 1", column("company_id")),
                *(
                    SQL("sum(%s)", column(name))
                    for name in (
                        "entered_count",
                        "current_count",
                        "moved_on_count",
                        "won_count",
                        "lost_here_count",
                        "days_in_phase",
                        "value",
                    )
                ),
                SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", column("days_in_phase")),
            )
        )
        rows = {phase: self._empty_funnel_row() for phase in PHASE_ORDER}
        medians = {}
        Company = self.env["res.company"]
        for phase, company_id, per_phase, *sums, median in self.env.cr.fetchall():
            if per_phase:
                medians[phase] = median
                continue
            row = rows[phase]
            for key, value in zip(
                ("entered", "current", "moved_on", "won", "lost_here", "days"), sums, strict=False
            ):
                row[key] += value or 0
            row["value"] += convert(sums[-1] or 0.0, Company.browse(company_id))
        labels = self._phase_labels()
        result = []
        for phase, row in rows.items():
            entered = row["entered"]
            result.append(
                {
                    "phase": phase,
                    "label": labels[phase],
                    "entered": entered,
                    "current": row["current"],
                    "moved_on": row["moved_on"],
                    "won": row["won"],
                    "lost_here": row["lost_here"],
                    "conversion_next": 100.0 * row["moved_on"] / entered if entered else None,
                    "conversion_won": 100.0 * row["won"] / entered if entered else None,
                    "avg_days": row["days"] / entered if entered else None,
                    "median_days": medians.get(phase),
                    "value": row["value"],
                }
            )
        return result

    @staticmethod
    def _empty_funnel_row():
        return {
            "entered": 0,
            "current": 0,
            "moved_on": 0,
            "won": 0,
            "lost_here": 0,
            "days": 0.0,
            "value": 0.0,
        }

    @api.model
    def _get_lost_by_phase(self, p, convert):
        """Deals lost in the period, by the phase they were lost in and their lost reason."""
        start, end = self._datetime_bounds(p)
        domain = [
            *self._lead_scope(p),
            ("active", "=", False),
            ("probability", "=", 0),
            ("date_closed", ">=", start),
            ("date_closed", "<", end),
        ]
        labels = self._phase_labels()
        by_phase = {
            phase: {"phase": phase, "label": labels[phase], "count": 0, "value": 0.0, "reasons": {}}
            for phase in PHASE_ORDER
        }
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                domain,
                ["project_phase", "lost_reason_id", "company_id"],
                ["__count", "expected_revenue:sum"],
            )
        )
        for phase, reason, company, count, revenue in groups:
            row = by_phase.get(phase)
            if row is None:
                continue
            amount = convert(revenue, company)
            row["count"] += count
            row["value"] += amount
            name = reason.name or _("No reason given")
            entry = row["reasons"].setdefault(name, {"reason": name, "count": 0, "value": 0.0})
            entry["count"] += count
            entry["value"] += amount
        for row in by_phase.values():
            row["reasons"] = sorted(
                row["reasons"].values(), key=lambda r: (-r["count"], r["reason"])
            )
        return list(by_phase.values())

    # ------------------------------------------------------------------ risk

    @api.model
    def _get_risk_deals(self, p, convert, limit=50):
        Lead = self.env["crm.lead"]
        domain = expression.AND([self._lead_scope(p), self._figure_domain(p, "at_risk")])
        count = Lead.search_count(domain)
        today = fields.Date.context_today(self)
        leads = Lead.search(domain, order="expected_revenue desc, id", limit=limit)
        labels = self._phase_labels()
        return {
            "count": count,
            "lines": [
                {
                    "id": lead.id,
                    "name": lead.name,
                    "partner": lead.partner_id.display_name or "",
                    "user": lead.user_id.name or "",
                    "team": lead.team_id.name or "",
                    "phase": labels.get(lead.project_phase, ""),
                    "days_in_phase": lead.days_in_phase,
                    "stalled": lead.is_stalled,
                    "open_problems": lead.open_problem_count,
                    "date_deadline": fields.Date.to_string(lead.date_deadline) or False,
                    "overdue": bool(lead.date_deadline and lead.date_deadline < today),
                    "expected_revenue": convert(lead.expected_revenue, lead.company_id),
                    "weighted": convert(lead.forecast_revenue, lead.company_id),
                }
                for lead in leads
            ],
        }

    # ------------------------------------------------------------------ movement

    @api.model
    def _default_snapshot(self):
        """The latest snapshot taken before today (a week ago with the weekly cron), else the
        latest."""
        Snapshot = self.env["crm.forecast.snapshot"]
        today = fields.Datetime.to_datetime(fields.Date.context_today(self))
        return Snapshot.search([("date", "<", today)], limit=1) or Snapshot.search([], limit=1)

    @api.model
    def _comparison_snapshots(self, snapshot):
        """The snapshot of each company the user works in, as it stood on the day of
        ``snapshot`` (the weekly cron freezes every company in one run)."""
        Snapshot = self.env["crm.forecast.snapshot"]
        day_after = fields.Datetime.to_datetime(snapshot.date.date()) + timedelta(days=1)
        found = Snapshot
        for company in self.env.companies:
            found |= Snapshot.search(
                [("company_id", "=", company.id), ("date", "<", day_after)], limit=1
            )
        return found | snapshot

    @api.model
    def _get_movement(self, p, convert, limit=50):
        """How the forecast of the period moved between a snapshot and now, opportunity by
        opportunity: entered, pulled in from a later period, grew, won, shrank, slipped to a
        later period, lost (or omitted), left (deleted, moved out of scope or earlier)."""
        snapshot = p["snapshot"] or self._default_snapshot()
        summary = {
            kind: {"type": kind, "count": 0, "value": 0.0, "weighted": 0.0} for kind in MOVEMENTS
        }
        labels = self._movement_labels()
        for kind, row in summary.items():
            row["label"] = labels[kind]
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
        rows = self._movement_rows(p, snapshot)
        lines = []
        for row in rows:
            lead_id, name, user, team, company, kind = row[:6]
            old_date, old_rev, old_w, new_date, new_rev, new_w = row[6:]
            company = self.env["res.company"].browse(company)
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
        users = {
            u.id: u.name
            for u in self.env["res.users"].browse({x["user_id"] for x in lines if x["user_id"]})
        }
        teams = {
            t.id: t.name
            for t in self.env["crm.team"].browse({x["team_id"] for x in lines if x["team_id"]})
        }
        for line in lines:
            line["user"] = users.get(line["user_id"], "")
            line["team"] = teams.get(line["team_id"], "")
        result["count"] = len(lines)
        result["lines"] = lines[:limit] if limit else lines
        result["net_value"] = sum(row["value"] for row in summary.values())
        result["net_weighted"] = sum(row["weighted"] for row in summary.values())
        return result

    @api.model
    def _movement_rows(self, p, snapshot):
        """(lead, name, user, team, company, movement, old date, old revenue, old weighted,
        new date, new revenue, new weighted) of every opportunity in the period's forecast at
        the snapshot or now."""
        Line = self.env["crm.forecast.snapshot.line"]
        line_domain = [("snapshot_id", "in", self._comparison_snapshots(snapshot).ids)]
        if p["team"]:
            line_domain.append(("team_id", "=", p["team"].id))
        if p["user"]:
            line_domain.append(("user_id", "=", p["user"].id))
        old_query = Line._search(line_domain)
        new_query = (
            self.env["crm.lead"].with_context(active_test=False)._search(self._lead_scope(p))
        )
        self.env.cr.execute(
            SQL(
                """
                WITH old AS (
                    SELECT COALESCE(lead_id, -id) AS lead_id, name, user_id, team_id, company_id,
                           forecast_category,
                           CASE WHEN forecast_category = 'won' THEN date_won
                                ELSE date_deadline END AS d,
                           expected_revenue AS rev, forecast_revenue AS w
                      FROM crm_forecast_snapshot_line
                     WHERE id IN %(old)s
                ), new AS (
                    SELECT id AS lead_id, name, user_id, team_id, company_id, forecast_category,
                           CASE WHEN forecast_category = 'won' THEN date_won
                                ELSE date_deadline END AS d,
                           COALESCE(expected_revenue, 0) AS rev,
                           CASE WHEN forecast_category = 'won' THEN COALESCE(expected_revenue, 0)
                                ELSE COALESCE(forecast_revenue, 0) END AS w,
                           active
                      FROM crm_lead
                     WHERE id IN %(new)s
                ), joined AS (
                    SELECT o.lead_id AS o_id, n.lead_id AS n_id,
                           COALESCE(n.name, o.name) AS name,
                           COALESCE(n.user_id, o.user_id) AS user_id,
                           COALESCE(n.team_id, o.team_id) AS team_id,
                           COALESCE(n.company_id, o.company_id) AS company_id,
                           o.forecast_category AS o_cat, o.d AS o_d, o.rev AS o_rev,
                           CASE WHEN o.forecast_category = 'won' THEN o.rev ELSE o.w END AS o_w,
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
                to=p["date_to"],
                **{"from": p["date_from"]},
            )
        )
        return [row for row in self.env.cr.fetchall() if row[5] != "unchanged"]

    # ------------------------------------------------------------------ cost of selling

    @api.model
    def _get_selling_cost(self, p, convert, forecast):
        Report = self.env["crm.selling.cost.report"]
        domain = [("date", ">=", p["date_from"]), ("date", "<=", p["date_to"])]
        if p["team"]:
            domain.append(("team_id", "=", p["team"].id))
        if p["user"]:
            domain.append(("user_id", "=", p["user"].id))
        by_team = defaultdict(float)
        for team, company, amount in Report._read_group(
            domain, ["team_id", "company_id"], ["amount:sum"]
        ):
            by_team[team.id or False] += convert(amount, company)
        won = {row["team_id"]: row for row in forecast["by_team"]}
        team_ids = {team_id for team_id in (*by_team, *won) if team_id}
        budgets = {}
        if not p["user"] and team_ids:
            for team_id, amounts in (
                self.env["crm.sales.target"]
                ._get_target_amounts(
                    "team", team_ids, p["date_from"], p["date_to"], measure="cost_budget"
                )
                .items()
            ):
                budgets[team_id] = self._sum_converted(amounts, convert)
        rows = []
        names = {team.id: team.name for team in self.env["crm.team"].browse(team_ids)}
        for team_id in sorted({*by_team, *won}, key=lambda t: names.get(t) or ""):
            cost = by_team.get(team_id, 0.0)
            row = won.get(team_id, {})
            rows.append(
                self._cost_row(
                    team_id,
                    names.get(team_id) or _("No team"),
                    cost,
                    row.get("won_count", 0),
                    row.get("won", 0.0),
                    budgets.get(team_id, 0.0),
                )
            )
        total = self._cost_row(
            False,
            _("Total"),
            sum(r["cost"] for r in rows),
            sum(r["won_count"] for r in rows),
            sum(r["won"] for r in rows),
            sum(r["budget"] for r in rows),
        )
        return {
            "rows": [r for r in rows if r["cost"] or r["won_count"] or r["budget"]],
            "total": total,
        }

    @staticmethod
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

    # ------------------------------------------------------------------ drill-downs

    @api.model
    def _lead_action(self, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "crm.lead",
            "views": [
                (self.env.ref("crm_project_stages.crm_lead_view_list_forecast").id, "list"),
                (False, "form"),
            ],
            "domain": domain,
            "context": {"active_test": False, "create": False},
            "target": "current",
        }

    @api.model
    def _drill_funnel(self, p, row):
        phase, kind = row.get("phase"), row.get("kind") or "entered"
        if phase not in PHASE_ORDER or kind not in FUNNEL_KINDS:
            raise UserError(_("Unknown funnel figure."))
        domain = [*self._funnel_domain(p), ("phase", "=", phase)]
        if kind != "entered":
            domain.append((f"{kind}_count", "=", 1))
        return {
            "type": "ir.actions.act_window",
            "name": _("Funnel: %s", self._phase_labels()[phase]),
            "res_model": "crm.funnel.report",
            "views": [(False, "list")],
            "domain": domain,
            "context": {"create": False},
        }

    @api.model
    def _drill_cost(self, p, row):
        domain = [("date", ">=", p["date_from"]), ("date", "<=", p["date_to"])]
        if p["team"]:
            domain.append(("team_id", "=", p["team"].id))
        if p["user"]:
            domain.append(("user_id", "=", p["user"].id))
        domain += self._row_domain(row)
        return {
            "type": "ir.actions.act_window",
            "name": _("Cost of Selling"),
            "res_model": "crm.selling.cost.report",
            "views": [(False, "list"), (False, "pivot")],
            "domain": domain,
            "context": {"create": False},
        }

    @api.model
    def _drill_movement(self, p, row):
        kind = row.get("type")
        if kind not in MOVEMENTS:
            raise UserError(_("Unknown movement."))
        snapshot = p["snapshot"] or self._default_snapshot()
        ids = [r[0] for r in self._movement_rows(p, snapshot) if r[5] == kind] if snapshot else []
        return self._lead_action(self._movement_labels()[kind], [("id", "in", ids)])

    # ------------------------------------------------------------------ export rows

    @api.model
    def _stream(self, model, domain, columns):
        """Yield batches of rows of ``columns`` (SQL over ``model``'s table, id first) of the
        records matching ``domain``, record rules applied, in id order."""
        last = 0
        while True:
            query = model._search([*domain, ("id", ">", last)], limit=STREAM_BATCH, order="id")
            self.env.cr.execute(query.select(*columns))
            rows = self.env.cr.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    @staticmethod
    def _lead_columns(*names):
        return [SQL.identifier("crm_lead", name) for name in names]

    @api.model
    def _stream_forecast_rows(self, p):
        """The opportunities behind the forecast of the period: (name, customer, salesperson,
        team, phase, forecast, closing or won date, expected revenue, probability, weighted,
        currency)."""
        Lead = self.env["crm.lead"]
        domain = expression.AND([self._lead_scope(p), self._figure_domain(p, "forecast")])
        yield from self._format_lead_rows(
            self._stream(
                Lead,
                domain,
                [
                    *self._lead_columns(
                        "id", "name", "partner_id", "user_id", "team_id", "project_phase"
                    ),
                    SQL("crm_lead.forecast_category"),
                    SQL(
                        "CASE WHEN crm_lead.forecast_category = 'won' THEN crm_lead.date_won "
                        "ELSE crm_lead.date_deadline END"
                    ),
                    SQL("COALESCE(crm_lead.expected_revenue, 0)"),
                    SQL("COALESCE(crm_lead.forecast_probability, 0)"),
                    SQL(
                        "CASE WHEN crm_lead.forecast_category = 'won' "
                        "THEN COALESCE(crm_lead.expected_revenue, 0) "
                        "ELSE COALESCE(crm_lead.forecast_revenue, 0) END"
                    ),
                    SQL("crm_lead.company_id"),
                ],
            )
        )

    @api.model
    def _stream_risk_rows(self, p):
        """The stalled and at-risk opportunities: (name, customer, salesperson, team, phase,
        days in phase, stalled, open problems, expected closing, overdue, revenue, weighted,
        currency), streamed like the forecast's."""
        Lead = self.env["crm.lead"]
        domain = expression.AND([self._lead_scope(p), self._figure_domain(p, "at_risk")])
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        limits = Lead._get_stall_days()
        names = self._name_maps()
        batches = self._stream(
            Lead,
            domain,
            [
                *self._lead_columns(
                    "id", "name", "partner_id", "user_id", "team_id", "project_phase"
                ),
                SQL("crm_lead.phase_date_in"),
                SQL(
                    "(SELECT count(*) FROM crm_lead_problem pb "
                    "WHERE pb.lead_id = crm_lead.id AND pb.state = 'open')"
                ),
                SQL("crm_lead.date_deadline"),
                SQL("COALESCE(crm_lead.expected_revenue, 0)"),
                SQL("COALESCE(crm_lead.forecast_revenue, 0)"),
                SQL("crm_lead.company_id"),
            ],
        )
        for batch in batches:
            partners = self._partner_names(batch)
            for (
                _lead_id,
                name,
                partner_id,
                user_id,
                team_id,
                phase,
                date_in,
                problems,
                deadline,
                revenue,
                weighted,
                company_id,
            ) in batch:
                days = (now - date_in).days if date_in else 0
                yield (
                    name,
                    partners.get(partner_id, ""),
                    names["users"].get(user_id, ""),
                    names["teams"].get(team_id, ""),
                    names["phases"].get(phase, ""),
                    days,
                    bool(phase and days > limits.get(phase, days)),
                    problems,
                    deadline,
                    bool(deadline and deadline < today),
                    revenue,
                    weighted,
                    names["currencies"].get(company_id, ""),
                )

    @api.model
    def _name_maps(self):
        return {
            "users": {
                u.id: u.name
                for u in self.env["res.users"].with_context(active_test=False).search([])
            },
            "teams": {
                t.id: t.name
                for t in self.env["crm.team"].with_context(active_test=False).search([])
            },
            "currencies": {
                c.id: c.currency_id.name for c in self.env["res.company"].sudo().search([])
            },
            "phases": self._phase_labels(),
            "categories": dict(
                self.env["crm.lead"]._fields["forecast_category"]._description_selection(self.env)
            ),
        }

    @api.model
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

    @api.model
    def _format_lead_rows(self, batches):
        """Names instead of ids, batch by batch: one query per batch for the customers."""
        names = self._name_maps()
        users, teams, phases = names["users"], names["teams"], names["phases"]
        categories, currencies = names["categories"], names["currencies"]
        for batch in batches:
            partners = self._partner_names(batch)
            for (
                _lead_id,
                name,
                partner_id,
                user_id,
                team_id,
                phase,
                category,
                day,
                revenue,
                probability,
                weighted,
                company_id,
            ) in batch:
                yield (
                    name,
                    partners.get(partner_id, ""),
                    users.get(user_id, ""),
                    teams.get(team_id, ""),
                    phases.get(phase, ""),
                    categories.get(category, ""),
                    day,
                    revenue,
                    probability,
                    weighted,
                    currencies.get(company_id, ""),
                )

    # ------------------------------------------------------------------ labels

    @api.model
    def _phase_labels(self):
        return dict(self.env["crm.lead"]._fields["project_phase"]._description_selection(self.env))

    @api.model
    def _movement_labels(self):
        return {
            "entered": _("New in the forecast"),
            "pulled_in": _("Pulled in"),
            "grew": _("Grew"),
            "won": _("Won"),
            "shrank": _("Shrank"),
            "slipped": _("Slipped to a later period"),
            "lost": _("Lost or omitted"),
            "left": _("Left the forecast"),
        }

    @api.model
    def _figure_labels(self):
        return {
            "target": _("Target"),
            "won": _("Closed Won"),
            "commit": _("Commit"),
            "best_case": _("Best Case"),
            "pipeline": _("Pipeline"),
            "weighted": _("Weighted Pipeline"),
            "forecast": _("Forecast"),
            "gap": _("Gap to Target"),
            "undated": _("Without Closing Date"),
            "at_risk": _("Stalled and At-Risk Deals"),
        }

    @api.model
    def _xlsx_labels(self, data):
        figures = self._figure_labels()
        return {
            **{f"figure_{key}": value for key, value in figures.items()},
            "title": _("Sales Forecast"),
            "period": _("Period"),
            "currency": _("Currency"),
            "currency_name": self.env.company.currency_id.name,
            "team_filter": _("Sales Team"),
            "user_filter": _("Salesperson"),
            "all": _("All"),
            "team_name": data["params"]["team_id"]
            and self.env["crm.team"].browse(data["params"]["team_id"]).name,
            "user_name": data["params"]["user_id"]
            and self.env["res.users"].browse(data["params"]["user_id"]).name,
            "sheet_forecast": _("Forecast"),
            "sheet_funnel": _("Funnel"),
            "sheet_risk": _("Stalled and At-Risk"),
            "sheet_movement": _("Snapshot Movement"),
            "sheet_cost": _("Cost of Selling"),
            "sheet_detail": _("Opportunities"),
            "by_team": _("By sales team"),
            "by_user": _("By salesperson"),
            "team": _("Sales Team"),
            "user": _("Salesperson"),
            "total": _("Total"),
            "attainment": _("Won / Target"),
            "undated": _("Open opportunities without closing date"),
            "phase": _("Phase"),
            "entered": _("Opportunities Entered"),
            "current": _("In Phase Now"),
            "moved_on": _("Moved On"),
            "conversion_next": _("Conversion to Next Phase"),
            "conversion_won": _("Conversion to Won"),
            "won": _("Won"),
            "lost_here": _("Lost in Phase"),
            "avg_days": _("Average Days"),
            "median_days": _("Median Days"),
            "value": _("Value"),
            "lost_title": _("Lost deals by phase and reason"),
            "reason": _("Lost Reason"),
            "count": _("Opportunities"),
            "chart_title": _("Funnel: opportunities that entered each phase"),
            "opportunity": _("Opportunity"),
            "customer": _("Customer"),
            "days_in_phase": _("Days in Phase"),
            "stalled": _("Stalled"),
            "open_problems": _("Open Problems"),
            "date_deadline": _("Expected Closing"),
            "overdue": _("Overdue"),
            "expected_revenue": _("Expected Revenue"),
            "weighted": _("Weighted Revenue"),
            "yes": _("Yes"),
            "no": _("No"),
            "snapshot": _("Compared with snapshot"),
            "no_snapshot": _("No snapshot taken yet."),
            "movement": _("Movement"),
            "value_change": _("Value Change"),
            "weighted_change": _("Weighted Change"),
            "before_date": _("Closing Then"),
            "before_revenue": _("Revenue Then"),
            "after_date": _("Closing Now"),
            "after_revenue": _("Revenue Now"),
            "net": _("Net change"),
            "cost": _("Cost of Selling"),
            "won_count": _("Won Deals"),
            "won_amount": _("Won Revenue"),
            "cost_per_won": _("Cost per Won Deal"),
            "cost_ratio": _("Cost / Revenue"),
            "budget": _("Budget"),
            "budget_used": _("Budget Used"),
            "forecast_category": _("Forecast Category"),
            "closing": _("Closing / Won On"),
            "probability": _("Probability"),
        }
