"""The parameters of a forecast view, checked once: the period, the sales team and salesperson
(their one scope domain), the snapshot to compare with, the companies, and the converter of
amounts into the current company's currency. Every service of the dashboard reads them."""

import math
from datetime import date, datetime, time, timedelta

import pytz

from odoo import fields
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import MAX_AMOUNT_TEXT
from odoo.exceptions import AccessError, UserError

from .. import periods

# Forecast dates lie between these days; a custom period spans at most MAX_CUSTOM_YEARS.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)
MAX_CUSTOM_YEARS = 10
SALESMAN_ALL_GROUP = "sales_team.group_sale_salesman_all_leads"


class ForecastParams:
    """A checked period, scope and snapshot. ``scope`` is the one domain of the team and
    salesperson chosen, over the ``team_id`` and ``user_id`` fields every model of the forecast
    has (opportunities, funnel, costs, snapshot lines); ``lead_scope`` adds that the records are
    opportunities."""

    def __init__(self, env, period_type, date_from, date_to, team, user, snapshot):
        self.env = env
        self.period_type = period_type
        self.date_from, self.date_to = date_from, date_to
        self.team, self.user, self.snapshot = team, user, snapshot
        self.scope = [
            *([("team_id", "=", team.id)] if team else []),
            *([("user_id", "=", user.id)] if user else []),
        ]
        self.lead_scope = [("type", "=", "opportunity"), *self.scope]
        self.convert = _currency_converter(env)
        self.today = fields.Date.context_today(env["crm.lead"])

    # ------------------------------------------------------------------ parsing

    @classmethod
    def parse(cls, env, params):
        """The parameters the client sends (``period_type``, ``date``, ``date_to``,
        ``team_id``, ``user_id``, ``snapshot_id``), checked; anything else is refused with a
        message saying what is wrong."""
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise UserError(
                env._(
                    "The forecast parameters must be a JSON object with period_type, date, "
                    "date_to, team_id, user_id and snapshot_id."
                )
            )
        _check_context_companies(env)
        period_type = params.get("period_type") or "quarter"
        if not isinstance(period_type, str) or period_type not in periods.PERIOD_TYPES:
            raise UserError(env._("Unknown period type: %s", str(period_type)[:40]))
        anchor = _parse_date(env, params.get("date")) or fields.Date.context_today(env["crm.lead"])
        end = _parse_date(env, params.get("date_to"))
        if period_type == "custom" and not end:
            raise UserError(env._("A custom period needs an end date."))
        try:
            date_from, date_to = periods.bounds(period_type, anchor, end)
        except ValueError as error:
            raise UserError(env._("The end of the period must not be before its start.")) from error
        if period_type == "custom" and date_to > periods.add_years(date_from, MAX_CUSTOM_YEARS):
            raise UserError(env._("A custom period spans at most %s years.", MAX_CUSTOM_YEARS))
        team = _parse_record(env, "crm.team", params.get("team_id"))
        if team is None:
            raise UserError(env._("Unknown sales team: %s", str(params["team_id"])[:40]))
        user = _parse_record(env, "res.users", params.get("user_id"))
        if user is None:
            raise UserError(env._("Unknown salesperson: %s", str(params["user_id"])[:40]))
        if "user_id" not in params and not env.user.has_group(SALESMAN_ALL_GROUP):
            # A salesperson who sees only their own opportunities sees their own forecast,
            # against their own target.
            user = env.user
        snapshot = _parse_record(env, "crm.forecast.snapshot", params.get("snapshot_id"))
        if snapshot is None:
            raise UserError(env._("Unknown forecast snapshot: %s", str(params["snapshot_id"])[:40]))
        return cls(env, period_type, date_from, date_to, team, user, snapshot)

    @staticmethod
    def parse_row(env, row):
        """The line of a table a drill-down narrows to: team, salesperson, phase, lost
        reason (ids or false), funnel kind, movement type (texts)."""
        if row in (None, False):
            return {}
        if not isinstance(row, dict):
            raise UserError(env._("The line of the figure is not valid."))
        clean = {}
        for key in ("team_id", "user_id", "phase_id", "lost_reason_id"):
            if key not in row:
                continue
            value = row[key]
            if value is False or value is None:
                clean[key] = False
            elif isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
                clean[key] = value
            else:
                raise UserError(env._("The line of the figure is not valid."))
        for key in ("phase", "kind", "type"):
            if key in row:
                if not isinstance(row[key], str):
                    raise UserError(env._("The line of the figure is not valid."))
                clean[key] = row[key]
        return clean

    # ------------------------------------------------------------------ what they say

    def to_json(self):
        return {
            "period_type": self.period_type,
            "date": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "team_id": self.team.id or False,
            "user_id": self.user.id or False,
            "snapshot_id": self.snapshot.id or False,
        }

    def period_info(self):
        kind, start = self.period_type, self.date_from
        if kind == "custom":
            label = f"{self.date_from} / {self.date_to}"
            previous = periods.shift(kind, start, -1, self.date_to)
            following = periods.shift(kind, start, 1, self.date_to)
            length = self.date_to - self.date_from
            previous_to, following_to = previous + length, following + length
        else:
            label = periods.key(kind, start)
            previous, following = periods.shift(kind, start, -1), periods.shift(kind, start, 1)
            previous_to = following_to = None
        return {
            "label": label,
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "previous": fields.Date.to_string(previous),
            "previous_to": previous_to and fields.Date.to_string(previous_to),
            "next": fields.Date.to_string(following),
            "next_to": following_to and fields.Date.to_string(following_to),
            # Where switching to another period type lands: the period containing today, or
            # the one containing the viewed period's today.
            "anchor": fields.Date.to_string(
                periods.same_day_in(kind, self.date_from, self.date_to, self.today)
            ),
        }

    def period_domain(self, field):
        """``field`` (a date) within the period."""
        return [(field, ">=", self.date_from), (field, "<=", self.date_to)]

    def datetime_bounds(self):
        """The period as UTC datetimes [start, end) for datetime fields, in the time zone of
        the user who looks at it."""
        zone = pytz.UTC
        # The call's zone, else the user's; one a client made up (unknown, not a name) is
        # passed over, as Odoo's own conversions do.
        for name in (self.env.context.get("tz"), self.env.user.tz):
            if name and isinstance(name, str) and name in pytz.all_timezones_set:
                zone = pytz.timezone(name)
                break

        def utc(day):
            return (
                zone.localize(datetime.combine(day, time.min))
                .astimezone(pytz.UTC)
                .replace(tzinfo=None)
            )

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def datetime_domain(self, field):
        """``field`` (a datetime) within the period."""
        start, end = self.datetime_bounds()
        return [(field, ">=", start), (field, "<", end)]

    def sum_converted(self, amounts):
        """{company id: amount in its currency} -> total in the current company's currency."""
        Company = self.env["res.company"]
        return sum(
            self.convert(amount, Company.browse(company_id))
            for company_id, amount in amounts.items()
        )


def _currency_converter(env):
    """amount, company -> amount in the current company's currency, at today's rate."""
    target = env.company.currency_id
    today = fields.Date.context_today(env["crm.lead"])
    rates = {}

    def convert(amount, company):
        if not amount:
            return 0.0
        currency = company.currency_id if company else target
        if currency == target:
            return amount
        if currency not in rates:
            rates[currency] = currency._get_conversion_rate(currency, target, env.company, today)
        return target.round(amount * rates[currency])

    return convert


def _parse_date(env, value):
    """A day of the forecast (YYYY-MM-DD) between MIN_DATE and MAX_DATE, or None."""
    if value in (None, False, ""):
        return None
    try:
        if not isinstance(value, (str, date)):
            raise TypeError(value)
        day = fields.Date.to_date(value)
    except (TypeError, ValueError) as error:
        raise UserError(env._("The period must be given as dates (YYYY-MM-DD).")) from error
    if not MIN_DATE <= day <= MAX_DATE:
        raise UserError(
            env._(
                "Forecast dates lie between %(first)s and %(last)s.",
                first=fields.Date.to_string(MIN_DATE),
                last=fields.Date.to_string(MAX_DATE),
            )
        )
    return day


def _parse_record(env, model, value):
    """The record of ``model`` with id ``value`` that the user may read (archived ones
    included: last year's team), an empty recordset for no value, None when ``value`` is not
    the id of such a record."""
    Model = env[model].with_context(active_test=False)
    if value in (None, False, 0, ""):
        return Model.browse()
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
        return None
    return Model.search([("id", "=", value)]) or None


def _check_context_companies(env):
    """The companies selected in the client (``allowed_company_ids`` of the context) are a
    list of ids of the user's companies."""
    companies = env.context.get("allowed_company_ids")
    if companies is None:
        return
    if not isinstance(companies, list) or not all(
        isinstance(company, int) and not isinstance(company, bool) for company in companies
    ):
        raise UserError(env._("The selected companies are not valid: a list of company ids."))
    if set(companies) - set(env.user._get_company_ids()):
        raise AccessError(env._("You cannot see the forecast of these companies."))


def check_finite(env, data):
    """Every amount of ``data`` is a finite number, or a clear error instead of a JSON with
    Infinity (invalid) or a failed export."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, float):
            if not math.isfinite(value):
                raise UserError(not_finite_message(env))
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
    return data


def not_finite_message(env):
    return env._(
        "The amounts of this forecast are too large to add up. Expected revenues, targets, "
        "budgets and selling expenses are limited to %s: correct the amounts beyond it.",
        MAX_AMOUNT_TEXT,
    )
