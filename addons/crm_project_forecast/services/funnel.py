"""The funnel of the period: per phase, the opportunities that entered it in the period, how
many are still there, moved on, were won or lost there, how long they stayed; and the deals
lost in the period by the phase they were lost in and their reason. Two queries over the funnel
report (record rules apply: the sums and a histogram, then the middle rows for the medians),
one ``_read_group`` over the lost deals."""

import math
from collections import defaultdict
from contextlib import contextmanager

from odoo.addons.crm_project_stages import phase_sql
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


# Buckets of days in a phase, for the medians: about 1.5 % of the days wide (0.4 days at 25
# days), a few hundred whatever the data; the first one holds the negative days too (a stay
# entered in the future).
BUCKETS_PER_E = 64


def _column(Funnel, name):
    return SQL.identifier(Funnel._table, name)


def _days(Funnel):
    return _column(Funnel, "days_in_phase")


def _bucket(days):
    """The bucket of ``days`` (SQL: the days a funnel row stayed in its phase)."""
    return SQL("floor(ln(1 + GREATEST(%s, 0)) * %s)::int", days, BUCKETS_PER_E)


def _lookup(Funnel, phase_id, bucket):
    """Where the rows of a phase and bucket of days are looked up in the history's indexes of
    the days (``crm.lead.phase.history.init``): closed stays by their days, stays under way by
    when they began (``phase_sql.stay_origin``); a second wider than the bucket each side (the
    bucket itself is checked on the rows found)."""
    margin = 1 / 86400
    high = math.exp((bucket + 1) / BUCKETS_PER_E) - 1 + margin
    low = math.exp(bucket / BUCKETS_PER_E) - 1 - margin if bucket else None
    closed, open_since = _column(Funnel, "phase_closed_days"), _column(Funnel, "phase_open_since")
    origin = phase_sql.stay_origin(open_since, closed)
    now = SQL("(now() at time zone 'UTC')")
    closed_in = [SQL("%s IS NULL", open_since), SQL("%s < %s", closed, high)]
    open_in = [
        SQL("%s IS NOT NULL", open_since),
        SQL("%s > %s - make_interval(secs => %s)", origin, now, high * 86400),
    ]
    if low is not None:
        closed_in.append(SQL("%s >= %s", closed, low))
        open_in.append(SQL("%s <= %s - make_interval(secs => %s)", origin, now, low * 86400))
    return SQL(
        "(%s = %s AND ((%s) OR (%s)))",
        _column(Funnel, "phase_id"),
        phase_id,
        SQL(" AND ").join(closed_in),
        SQL(" AND ").join(open_in),
    )


# The memory PostgreSQL may use for each sort or hash table of the funnel's queries. With its
# default (4 MB) it sorts the period's rows to group them rather than hash them: it cannot know
# that the buckets of days are a few hundred.
WORK_MEM = "32MB"


@contextmanager
def _memory(cr, size):
    """``work_mem`` for the queries of the block, as it was after it (on success: a failed
    transaction is rolled back, the setting with it)."""
    cr.execute("SELECT current_setting('work_mem')")
    previous = cr.fetchone()[0]
    cr.execute(SQL("SELECT set_config('work_mem', %s, true)", size))
    yield
    cr.execute(SQL("SELECT set_config('work_mem', %s, true)", previous))


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
        with _memory(self.env.cr, WORK_MEM):
            sums, histograms = self._sums()
            medians = self._medians(histograms)
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

    def _sums(self):
        """({phase id: sums}, {phase id: {bucket of days: rows}}) of the funnel's rows."""
        Funnel = self.env["crm.funnel.report"]
        query = Funnel._search(self.domain())
        # One pass over the period's rows: the sums by phase, company and bucket of days in
        # the phase, added up by phase and company here; the buckets tell where the medians
        # lie (see ``_medians``).
        phase, company = _column(Funnel, "phase_id"), _column(Funnel, "company_id")
        bucket = _bucket(_days(Funnel))
        query.groupby = SQL("%s, %s, %s", phase, company, bucket)
        groups = self.env.execute_query(
            query.select(
                phase,
                company,
                bucket,
                *(SQL("sum(%s)", _column(Funnel, FUNNEL_COLUMNS[key])) for key in FUNNEL_SUMS),
                SQL("sum(%s)", _column(Funnel, "value")),
            )
        )
        sums, values, histograms = {}, defaultdict(float), defaultdict(lambda: defaultdict(int))
        for phase_id, company_id, bucket_, *amounts, value in groups:
            row = sums.setdefault(phase_id, dict.fromkeys((*FUNNEL_SUMS, "value"), 0))
            for key, amount in zip(FUNNEL_SUMS, amounts, strict=True):
                row[key] += amount or 0
            values[phase_id, company_id] += value or 0.0
            if bucket_ is not None:
                histograms[phase_id][bucket_] += amounts[0]
        Company = self.env["res.company"]
        for (phase_id, company_id), value in values.items():
            sums[phase_id]["value"] += self.params.convert(value, Company.browse(company_id))
        return sums, histograms

    def _medians(self, histograms):
        """{phase id: median days in the phase} of the funnel's rows, as
        ``percentile_cont(0.5)`` gives it, without sorting them all: ``histograms`` tells, per
        phase, how many rows fall in each bucket of days (``_bucket``), hence the bucket(s) of
        the one or two middle rows and their rank in it; one more query reads the rows of those
        buckets only (found through the history's indexes of the days), ranked."""
        wanted = {}  # (phase id, bucket, rank in the bucket) -> positions in the phase
        middles = {}  # phase id -> (position of the lower, of the upper middle row, fraction)
        for phase_id, counts in histograms.items():
            position = 0.5 * (sum(counts.values()) - 1)
            low, high = math.floor(position), math.ceil(position)
            middles[phase_id] = (low, high, position - low)
            before = 0
            for bucket in sorted(counts):
                for index in {low, high}:
                    if before <= index < before + counts[bucket]:
                        rank = index - before + 1
                        wanted.setdefault((phase_id, bucket, rank), set()).add(index)
                before += counts[bucket]
        if not wanted:
            return {}
        Funnel = self.env["crm.funnel.report"]
        query = Funnel._search(self.domain())
        phase, days = _column(Funnel, "phase_id"), _days(Funnel)
        bucket = _bucket(days)
        buckets = sorted({(phase_id, bucket_) for phase_id, bucket_, _rank in wanted})
        query.add_where(SQL("(%s)", SQL(" OR ").join(_lookup(Funnel, *key) for key in buckets)))
        query.add_where(SQL("(%s, %s) IN %s", phase, bucket, tuple(buckets)))
        ranked = query.select(
            SQL("%s AS phase_id", phase),
            SQL("%s AS bucket", bucket),
            SQL("%s AS days", days),
            SQL("row_number() OVER (PARTITION BY %s, %s ORDER BY %s) AS rank", phase, bucket, days),
        )
        middle_rows = self.env.execute_query(
            SQL(
                "SELECT r.phase_id, r.bucket, r.rank, r.days FROM (%s) r "
                "WHERE (r.phase_id, r.bucket, r.rank) IN %s",
                ranked,
                tuple(wanted),
            )
        )
        values = defaultdict(dict)
        for phase_id, bucket_, rank, value in middle_rows:
            for index in wanted[phase_id, bucket_, rank]:
                values[phase_id][index] = value
        medians = {}
        for phase_id, (low, high, fraction) in middles.items():
            found = values[phase_id]
            if low in found and high in found:
                medians[phase_id] = found[low] + (found[high] - found[low]) * fraction
        missing = set(middles) - set(medians)
        if missing:  # days beyond any bucket: the phase's rows sorted after all
            medians.update(self._sorted_medians(missing))
        return medians

    def _sorted_medians(self, phase_ids):
        Funnel = self.env["crm.funnel.report"]
        query = Funnel._search([*self.domain(), ("phase_id", "in", list(phase_ids))])
        query.groupby = _column(Funnel, "phase_id")
        return dict(
            self.env.execute_query(
                query.select(
                    _column(Funnel, "phase_id"),
                    SQL("percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)", _days(Funnel)),
                )
            )
        )

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
