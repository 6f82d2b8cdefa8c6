"""Benchmark: the sales forecast, the funnel report and the Excel export on a realistic
database, each next to its floor measured in the same run: plain SQL over the same rows.

    make bench                                        # 100,000 then 1,000,000 opportunities
    BENCH_FORECAST_ROWS=100000 make test ARGS="tests/bench_forecast.py -s"

The data: opportunities of a company of their own over three years, 50 salespeople in 5 teams,
30 % won, 40 % lost, 30 % open, each with a phase history up to the phase it reached. The
measures run as a Sales Manager of that company (record rules apply), warm, best of three:

* forecast: the dashboard's figures (``ForecastFigures.forecast``: targets, figures by team and
  salesperson, undated deals) over the whole span against one GROUP BY over crm_lead;
* funnel: the dashboard's funnel (``ForecastFunnel.rows``: the funnel report, sums and medians
  by phase) over the whole span and over one quarter, against one hand-written query over the
  raw phase history (grouped by opportunity and phase: the reference, as before the history
  kept its per-phase facts);
* export: ``_export_xlsx``, the whole workbook with every opportunity of the forecast, against
  reading the same rows with COPY; also the growth of the process's memory while exporting.

The opportunities are generated in SQL with their phase, history and outcome; their forecast is
filled by the install's own statements (``crm_project_forecast.hooks.fill_forecast``); then the
tables are vacuumed and analysed, as autovacuum keeps them in a running database (a table
just filled has no visibility map yet: every read would go to the table's pages).

Every run checks that the ORM figures equal the floor's. The full run (1,000,000 opportunities)
also holds the targets of issue 14: the whole-span funnel within 0.3 times its floor, one
quarter within 0.1 times, the forecast within 1.5 times its own floor. The figures of the full
runs go to the README."""

import os
import resource
import threading
import time
from datetime import date, timedelta

from live_odoo import delete_partners, insert_companies, live_env

import odoo
from odoo import api
from odoo.addons.crm_project_forecast.hooks import fill_forecast
from odoo.addons.crm_project_forecast.services import (
    ForecastFigures,
    ForecastFunnel,
    ForecastParams,
)
from odoo.addons.crm_project_stages import phase_sql
from odoo.tools import SQL

ROWS = int(os.environ.get("BENCH_FORECAST_ROWS", "2000"))
FULL_SIZE = 1_000_000
RATIO_TARGETS = {"forecast": 1.5, "funnel span": 0.3, "funnel quarter": 0.1}
USERS, TEAMS = 50, 5
PHASES = ["contact", "design", "proof", "tender"]


def _setup(env):
    company = env["res.company"].create({"name": "Bench Forecast Co"})
    teams = env["crm.team"].create(
        [{"name": f"Bench team {i}", "company_id": company.id} for i in range(TEAMS)]
    )
    salesman = env.ref("sales_team.group_sale_salesman")
    users = env["res.users"].create(
        [
            {
                "name": f"Bench rep {i:02d}",
                "login": f"bench_forecast_rep_{i}",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, salesman.ids)],
                "tz": "UTC",
            }
            for i in range(USERS)
        ]
    )
    manager = env["res.users"].create(
        {
            "name": "Bench manager",
            "login": "bench_forecast_manager",
            "company_id": company.id,
            "company_ids": [(6, 0, company.ids)],
            "groups_id": [(6, 0, env.ref("sales_team.group_sale_manager").ids)],
            "tz": "UTC",
        }
    )
    partners = insert_companies(env, 2000, "Bench forecast customer ")
    stages = {
        phase: env["crm.stage"].search([("phase_id.code", "=", phase)], limit=1).id
        for phase in PHASES
    }
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1).id
    reasons = env["crm.lost.reason"].search([], limit=3).ids
    return company, teams, users, manager, partners, stages, won_stage, reasons


def _generate(env, company, teams, users, partners, stages, won_stage, reasons):
    """The opportunities and their phase history, set-based."""
    cr = env.cr
    cr.execute("SELECT setseed(0.42)")
    cr.execute(
        """
        CREATE TEMP TABLE bench_src ON COMMIT DROP AS
        SELECT nextval('crm_lead_id_seq') AS id, g,
               CASE WHEN r2 < 0.3 THEN 'won' WHEN r2 < 0.7 THEN 'lost' ELSE 'open' END AS outcome,
               CASE WHEN r2 < 0.3 THEN CASE WHEN r3 < 0.9 THEN 3 ELSE 2 END
                    ELSE floor(r3 * 4)::int END AS reached,
               (interval '1 day') * (5 + floor(r4 * 40)) AS dur,
               CASE WHEN r2 >= 0.7 THEN now()::date - (floor(r1 * 180)::int)
                    ELSE now()::date - 1095 + floor(r1 * 900)::int END AS created,
               round((10000 + r4 * 990000)::numeric, 0) AS revenue,
               (%(users)s::int[])[1 + g %% %(nusers)s] AS user_id,
               (%(teams)s::int[])[1 + (g %% %(nusers)s) / (%(nusers)s / %(nteams)s)] AS team_id,
               (%(partners)s::int[])[1 + g %% %(npartners)s] AS partner_id,
               (%(reasons)s::int[])[1 + g %% 3] AS reason_id,
               r3, r5
          FROM (SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5
                  FROM generate_series(1, %(rows)s) g) s
        """,
        {
            "users": users.ids,
            "nusers": len(users),
            "teams": teams.ids,
            "nteams": len(teams),
            "partners": partners,
            "npartners": len(partners),
            "reasons": reasons,
            "rows": ROWS,
        },
    )
    phases = [env.ref(f"crm_project_stages.phase_{phase}") for phase in PHASES]
    cr.execute(
        """
        INSERT INTO crm_lead
               (id, name, type, active, company_id, user_id, team_id, partner_id, stage_id,
                phase_id, phase_sequence, phase_reached_id, phase_reached_sequence,
                phase_date_in, expected_revenue, probability, date_deadline, date_closed,
                lost_reason_id, outcome, create_date, write_date, date_last_stage_update,
                date_open, priority)
        SELECT s.id, 'Bench deal ' || s.g, 'opportunity', s.outcome <> 'lost', %(company)s,
               s.user_id, s.team_id, s.partner_id,
               CASE WHEN s.outcome = 'won' THEN %(won)s
                    ELSE (%(stages)s::int[])[s.reached + 1] END,
               p.id, p.sequence, p.id, p.sequence, s.created + s.dur * s.reached, s.revenue,
               CASE s.outcome WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE 50 END,
               CASE WHEN s.outcome = 'open' AND s.r5 < 0.05 THEN NULL
                    WHEN s.outcome = 'open' THEN now()::date + floor(s.r3 * 365)::int
                    ELSE (s.created + s.dur * (s.reached + 1))::date END,
               CASE WHEN s.outcome <> 'open' THEN s.created + s.dur * (s.reached + 1) END,
               CASE WHEN s.outcome = 'lost' THEN s.reason_id END,
               s.outcome, s.created, s.created, s.created + s.dur * s.reached, s.created, '0'
          FROM bench_src s
          JOIN crm_project_phase p ON p.id = (%(phases)s::int[])[s.reached + 1]
        """,
        {
            "company": company.id,
            "won": won_stage,
            "stages": [stages[phase] for phase in PHASES],
            "phases": [phase.id for phase in phases],
        },
    )
    cr.execute(
        SQL(
            "UPDATE crm_lead l SET date_stalled = %s WHERE l.company_id = %s",
            phase_sql.date_stalled("l"),
            company.id,
        )
    )
    cr.execute(
        """
        INSERT INTO crm_lead_phase_history
               (lead_id, phase_id, phase_sequence, date_in, date_out, user_id, company_id,
                create_uid, create_date, write_uid, write_date)
        SELECT s.id, p.id, p.sequence, s.created + s.dur * k,
               CASE WHEN k < s.reached OR s.outcome <> 'open' THEN s.created + s.dur * (k + 1) END,
               s.user_id, %(company)s, 1, now(), 1, now()
          FROM bench_src s
          CROSS JOIN generate_series(0, 3) k
          JOIN crm_project_phase p ON p.id = (%(phases)s::int[])[k + 1]
         WHERE k <= s.reached
        """,
        {"phases": [phase.id for phase in phases], "company": company.id},
    )
    # Statistics of the rows just generated first, as the install does before its own fill
    # (hooks.py): planned on the empty tables' estimates, the statement joins a million
    # opportunities with their stays row by row (it ran for half an hour).
    cr.execute("ANALYZE crm_lead, crm_lead_phase_history")
    cr.execute(phase_sql.history_facts(SQL("h.company_id = %s", company.id)))
    env.invalidate_all()
    fill_forecast(env)


def _vacuum():
    with odoo.sql_db.db_connect(odoo.tools.config["db_name"]).cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE crm_lead")
        cr.execute("VACUUM ANALYZE crm_lead_phase_history")


def _best(function, runs=3):
    best, result = None, None
    for _run in range(runs):
        start = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


class _PeakMemory:
    """Peak resident memory of this process while the block runs, sampled every 50 ms."""

    def __init__(self):
        self.peak = self.start = self._rss()
        self._stop = threading.Event()

    @staticmethod
    def _rss():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize()

    def _sample(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def _floor_forecast(cr, company_id, date_from, date_to):
    cr.execute(
        """
        SELECT team_id, user_id, forecast_category, count(*), sum(expected_revenue),
               sum(forecast_revenue)
          FROM crm_lead
         WHERE company_id = %(company)s AND type = 'opportunity' AND active
           AND ((forecast_category = 'won' AND date_won BETWEEN %(from)s AND %(to)s)
                OR (forecast_category IN ('pipeline', 'best_case', 'commit')
                    AND date_deadline BETWEEN %(from)s AND %(to)s))
         GROUP BY team_id, user_id, forecast_category
        """,
        {"company": company_id, "from": date_from, "to": date_to},
    )
    return cr.fetchall()


def _floor_funnel(cr, company_id, start, end):
    cr.execute(
        """
        WITH r AS (
            SELECT h.phase_id AS phase, min(h.date_in) AS entered,
                   sum(EXTRACT(EPOCH FROM COALESCE(h.date_out, now() at time zone 'UTC')
                                          - h.date_in)) / 86400.0 AS days
              FROM crm_lead_phase_history h
              JOIN crm_lead l ON l.id = h.lead_id
             WHERE l.company_id = %(company)s AND l.type = 'opportunity'
             GROUP BY h.lead_id, h.phase_id
        )
        SELECT phase, count(*), avg(days), percentile_cont(0.5) WITHIN GROUP (ORDER BY days)
          FROM r WHERE entered >= %(start)s AND entered < %(end)s
         GROUP BY phase
        """,
        {"company": company_id, "start": start, "end": end},
    )
    return {phase: (count, avg, median) for phase, count, avg, median in cr.fetchall()}


def _floor_export(cr, company_id, date_from, date_to):
    class Sink:
        size = 0

        def write(self, data):
            self.size += len(data)

    sink = Sink()
    cr.copy_expert(
        cr.mogrify(
            """
            COPY (SELECT l.name, p.complete_name, u.login, l.team_id, l.phase_id,
                         l.forecast_category, COALESCE(l.date_won, l.date_deadline),
                         l.expected_revenue, l.forecast_probability, l.forecast_revenue
                    FROM crm_lead l
                    LEFT JOIN res_partner p ON p.id = l.partner_id
                    LEFT JOIN res_users u ON u.id = l.user_id
                   WHERE l.company_id = %(company)s AND l.type = 'opportunity' AND l.active
                     AND ((l.forecast_category = 'won' AND l.date_won BETWEEN %(from)s AND %(to)s)
                          OR (l.forecast_category IN ('pipeline', 'best_case', 'commit')
                              AND l.date_deadline BETWEEN %(from)s AND %(to)s))
                   ORDER BY l.id) TO STDOUT
            """,
            {"company": company_id, "from": date_from, "to": date_to},
        ).decode(),
        sink,
    )
    return sink.size


def _cleanup(company_id, partner_ids, user_ids):
    with live_env() as env:
        cr = env.cr
        cr.execute(
            "DELETE FROM crm_lead_phase_history WHERE lead_id IN "
            "(SELECT id FROM crm_lead WHERE company_id = %s)",
            [company_id],
        )
        for table in ("crm_forecast_snapshot_line", "crm_lead_checklist_line"):
            cr.execute(f"DELETE FROM {table} WHERE company_id = %s", [company_id])
        cr.execute("DELETE FROM crm_lead WHERE company_id = %s", [company_id])
        cr.execute("DELETE FROM crm_phase_win_rate WHERE company_id = %s", [company_id])
        env["res.users"].browse(user_ids).unlink()
        cr.execute("DELETE FROM crm_team WHERE company_id = %s", [company_id])
        delete_partners(env, partner_ids)
    with live_env() as env:
        env["res.company"].browse(company_id).unlink()


def test_bench_forecast():
    start = time.perf_counter()
    with live_env() as env:
        company, teams, users, manager, partners, stages, won_stage, reasons = _setup(env)
        _generate(env, company, teams, users, partners, stages, won_stage, reasons)
        ids = (company.id, partners, [*users.ids, manager.id], manager.id)
    company_id, partner_ids, user_ids, manager_id = ids
    today = date.today()
    date_from, date_to = today - timedelta(days=1100), today + timedelta(days=400)
    params = {"period_type": "custom", "date": str(date_from), "date_to": str(date_to)}
    # The last quarter that has ended: every phase entered in it.
    quarter_params = {"period_type": "quarter", "date": str(today - timedelta(days=92))}
    try:
        _vacuum()
        generation = time.perf_counter() - start
        registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
        with registry.cursor() as cr:
            env = api.Environment(
                cr, manager_id, {"allowed_company_ids": [company_id], "tz": "UTC", "lang": "en_US"}
            )
            p = ForecastParams.parse(env, params)
            quarter = ForecastParams.parse(env, quarter_params)

            floor_forecast, floor_rows = _best(
                lambda: _floor_forecast(cr, company_id, date_from, date_to)
            )
            orm_forecast, forecast = _best(lambda: ForecastFigures(env, p).forecast())
            funnels = {}
            for key, period in (("span", p), ("quarter", quarter)):
                start_dt, end_dt = period.datetime_bounds()
                floor_time, floor_phases = _best(
                    lambda start=start_dt, end=end_dt: _floor_funnel(cr, company_id, start, end)
                )
                orm_time, rows = _best(lambda period=period: ForecastFunnel(env, period).rows())
                funnels[key] = (floor_time, floor_phases, orm_time, rows)
            floor_export, exported_bytes = _best(
                lambda: _floor_export(cr, company_id, date_from, date_to), runs=1
            )
            with _PeakMemory() as memory:
                export_start = time.perf_counter()
                filename, handle, size = env["crm.forecast.dashboard"]._export_xlsx(params)
                orm_export = time.perf_counter() - export_start
            handle.close()
            cr.rollback()

        # The ORM figures are the floor's.
        forecast_rows = sum(count for *_keys, count, _revenue, _weighted in floor_rows)
        assert forecast["totals"]["won_count"] + forecast["totals"]["open_count"] == forecast_rows
        floor_won = sum(rev for _t, _u, cat, _c, rev, _w in floor_rows if cat == "won")
        assert abs(forecast["totals"]["won"] - floor_won) < 0.01 * max(1, len(floor_rows))
        for _floor_time, floor_phases, _orm_time, rows in funnels.values():
            for row in rows:
                count, avg, median = floor_phases.get(row["phase_id"], (0, None, None))
                assert row["entered"] == count, (row["label"], row["entered"], count)
                if count:
                    assert abs(row["avg_days"] - avg) < 1e-6
                    assert abs(row["median_days"] - median) < 1e-6
        assert size > 0 and filename.endswith(".xlsx")

        lines = [
            f"\nforecast benchmark: {ROWS:,} opportunities ({forecast_rows:,} in the forecast), "
            f"generated in {generation:.1f} s",
            f"  forecast  floor {floor_forecast:8.3f} s   ORM {orm_forecast:8.3f} s   "
            f"ratio {orm_forecast / floor_forecast:5.2f} x",
        ]
        for key, (floor_time, _phases, orm_time, _rows) in funnels.items():
            lines.append(
                f"  funnel ({key:7}) floor {floor_time:8.3f} s   ORM {orm_time:8.3f} s   "
                f"ratio {orm_time / floor_time:5.2f} x"
            )
        lines.append(
            f"  export    floor {floor_export:8.3f} s   workbook {orm_export:8.3f} s   "
            f"ratio {orm_export / floor_export:5.1f} x   "
            f"({size / 1e6:.1f} MB xlsx, {exported_bytes / 1e6:.1f} MB of rows; "
            f"memory +{(memory.peak - memory.start) / 1e6:.0f} MB)"
        )
        print("\n".join(lines))
        if ROWS >= FULL_SIZE:
            ratios = {
                "forecast": orm_forecast / floor_forecast,
                **{
                    f"funnel {key}": orm_time / floor_time
                    for key, (floor_time, _phases, orm_time, _rows) in funnels.items()
                },
            }
            missed = {
                key: f"{ratios[key]:.2f} x (target {target} x)"
                for key, target in RATIO_TARGETS.items()
                if ratios[key] > target
            }
            assert not missed, f"ratios to the floor above the targets: {missed}"
    finally:
        _cleanup(company_id, partner_ids, user_ids)
