"""What a sales manager reads and clicks (issue #15, items 4-7): Forecast Analysis opens on the
dashboard's period and scope and agrees with it; switching the period type keeps today (or
the viewed period's today); every table's total adds up its rows, with the team-vs-member
rule said where it applies; the Target figure and the lost deals open their records; the
sections load apart from the figures; the Reporting menu keeps the forecast together."""

from datetime import datetime
from datetime import time as day_time

from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .. import periods
from .forecast_common import Q2, ForecastCase

FIGURES = ("target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap")
MEASURES = [f"{key}_amount:sum" for key in FIGURES]


@tagged("post_install", "-at_install")
class TestManagerPath(ForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # This quarter, for what the dashboard and the menu open on.
        # Today where the manager and the reps work (UTC), whatever the time zone of the
        # user running the tests: the dashboard's today is its user's.
        cls.today = fields.Date.context_today(cls.env["crm.lead"].with_context(tz="UTC"))
        start, end = periods.bounds("quarter", cls.today)
        cls.env["crm.sales.target"].create(cls._target("team", cls.east, "quarter", start, 40_000))
        cls.now_commit = cls._lead("Now commit", cls.rita, cls.east, "tender", 9_000, end)
        cls.now_won = cls._lead("Now won", cls.rita, cls.east, "tender", 4_000, end)
        cls._win(cls.now_won, datetime.combine(cls.today, day_time(12)))

    def manager_env(self, user=None):
        """The manager (or ``user``) working in Forecast Co, as the web client's company
        switcher sets it: one currency, the pivot's sums are the dashboard's."""
        user = user or self.manager
        return self.env(user=user, context={"allowed_company_ids": self.company.ids, "tz": "UTC"})

    def report_sums(self, action, env):
        """The totals of the pivot Forecast Analysis opens on: the action's domain and the
        filters it sets by default, as the search view defines them."""
        Report = env["crm.forecast.report"]
        arch = etree.fromstring(Report.get_views([(False, "search")])["views"]["search"]["arch"])
        domain = list(action["domain"])
        for key, value in action["context"].items():
            if key.startswith("search_default_") and value:
                [node] = arch.xpath(f"//filter[@name='{key[len('search_default_') :]}']")
                domain += safe_eval(node.get("domain"))
        [sums] = Report._read_group(domain, [], MEASURES)
        return dict(zip(FIGURES, sums, strict=True))

    def assertAnalysisAgrees(self, env, params, row=None, figure="analysis"):
        Dashboard = env["crm.forecast.dashboard"]
        data = Dashboard.get_dashboard_data(params, ["figures"])
        if row is None:
            expected = data["totals"]
        else:
            [(key, value)] = row.items()
            table = "by_team" if key == "team_id" else "by_user"
            expected = next(line for line in data[table] if line[key] == value)
        sums = self.report_sums(Dashboard.action_drill(params, figure, row), env)
        for key in FIGURES:
            self.assertAlmostEqual(sums[key], expected[key], msg=f"{key} of {params} {row}")
        return sums

    # ------------------------------------------------------------------ item 4

    def test_forecast_analysis_opens_on_the_dashboards_period_and_scope(self):
        env = self.manager_env()
        sums = self.assertAnalysisAgrees(env, Q2)
        self.assertEqual(sums["target"], 150_000 + 3 * 10_000, "East's quarter, West's months")
        self.assertEqual(sums["won"], 80_000)
        self.assertAnalysisAgrees(env, {**Q2, "team_id": self.west.id})
        self.assertAnalysisAgrees(env, {"period_type": "year", "date": "2030-03-03"})
        self.assertAnalysisAgrees(env, {"period_type": "month", "date": "2030-05-20"})
        self.assertAnalysisAgrees(env, {**Q2, "user_id": self.rita.id})
        # A line of a table: its Gap opens the analysis of that line.
        self.assertAnalysisAgrees(env, Q2, {"team_id": self.west.id}, figure="gap")
        self.assertAnalysisAgrees(env, Q2, {"user_id": self.rita.id}, figure="gap")
        # A salesperson with their own documents: their own, against their own target.
        rep = self.assertAnalysisAgrees(self.manager_env(self.rita), Q2)
        self.assertEqual(rep["target"], 120_000)
        action = env["crm.forecast.dashboard"].action_drill(Q2, "analysis")
        self.assertEqual(action["res_model"], "crm.forecast.report")
        self.assertEqual(action["name"], "Forecast Analysis: 2030-Q2")

    def test_the_menu_opens_forecast_analysis_on_the_dashboards_default(self):
        env = self.manager_env()
        menu_action = env.ref("crm_project_forecast.crm_forecast_report_action_open").run()
        data = env["crm.forecast.dashboard"].get_dashboard_data({}, ["figures"])
        self.assertEqual(data["period"]["date_from"], str(periods.bounds("quarter", self.today)[0]))
        sums = self.report_sums(menu_action, env)
        for key in FIGURES:
            self.assertAlmostEqual(sums[key], data["totals"][key], msg=key)
        self.assertEqual((sums["target"], sums["won"]), (40_000, 4_000))
        # The rep's menu opens on the rep's own forecast, as their dashboard does.
        rep_env = self.manager_env(self.raul)
        rep_action = rep_env.ref("crm_project_forecast.crm_forecast_report_action_open").run()
        self.assertEqual(self.report_sums(rep_action, rep_env)["won"], 0, "Rita's deals")

    # ------------------------------------------------------------------ item 5

    def test_switching_the_period_type_keeps_today(self):
        Dashboard = self.dashboard()
        this_quarter = Dashboard.get_dashboard_data({"period_type": "quarter"}, ["figures"])
        anchor = this_quarter["period"]["anchor"]
        self.assertEqual(anchor, str(self.today), "the current period holds today")
        month = Dashboard.get_dashboard_data({"period_type": "month", "date": anchor}, ["figures"])
        self.assertEqual(month["period"]["date_from"], str(self.today.replace(day=1)))
        self.assertEqual(month["totals"]["won"], 4_000, "won today: not the quarter's 1st month")
        year = Dashboard.get_dashboard_data({"period_type": "year"}, ["figures"])
        quarter = Dashboard.get_dashboard_data(
            {"period_type": "quarter", "date": year["period"]["anchor"]}, ["figures"]
        )
        self.assertEqual(quarter["period"], this_quarter["period"], "Year -> Quarter: this one")
        # Looking at another period: the day at the same place in it.
        q2 = Dashboard.get_dashboard_data(Q2, ["figures"])["period"]["anchor"]
        expected = periods.same_day_in(
            "quarter", self.day("2030-04-01"), self.day("2030-06-30"), self.today
        )
        self.assertEqual(q2, str(expected))
        self.assertEqual(periods.key("quarter", self.day(q2)), "2030-Q2")
        day = self.day
        cases = [
            ("quarter", "2030-04-01", "2030-06-30", "2026-11-15", "2030-05-15"),
            ("quarter", "2030-04-01", "2030-06-30", "2026-03-31", "2030-06-30"),
            ("year", "2030-01-01", "2030-12-31", "2026-02-28", "2030-02-28"),
            ("year", "2031-01-01", "2031-12-31", "2028-02-29", "2031-02-28"),
            ("month", "2030-02-01", "2030-02-28", "2026-01-31", "2030-02-28"),
            ("month", "2026-11-01", "2026-11-30", "2026-11-15", "2026-11-15"),
            ("custom", "2030-01-10", "2030-02-10", "2026-11-15", "2030-01-10"),
        ]
        for kind, start, end, today, expected in cases:
            self.assertEqual(
                periods.same_day_in(kind, day(start), day(end), day(today)), day(expected)
            )

    # ------------------------------------------------------------------ item 6

    def test_totals_add_up_their_rows_and_say_the_team_rule(self):
        data = self.manager_env()["crm.forecast.dashboard"].get_dashboard_data(Q2, ["figures"])
        for table in ("by_team", "by_user"):
            total = data[f"{table}_total"]
            for key in ("target", "won", "commit", "best_case", "pipeline", "weighted"):
                self.assertAlmostEqual(total[key], sum(row[key] for row in data[table]), msg=key)
            self.assertAlmostEqual(total["gap"], total["target"] - total["forecast"])
        # Teams: their targets are the Target figure. Salespeople: Rita's 120,000 (Raul's is
        # yearly), not the teams' 180,000 - and a note says why.
        self.assertEqual(data["by_team_total"]["target"], data["totals"]["target"])
        self.assertEqual(data["by_user_total"]["target"], 120_000)
        self.assertEqual(data["totals"]["target"], 180_000)
        self.assertEqual(data["notes"], {"by_team": False, "by_user": "team_plan"})
        note = data["labels"]["notes"]["team_plan"]
        self.assertIn("not the sum of its members", note)
        # A rep's own view: one row, the total is theirs; team rows have no target.
        rep = self.data(self.rita)
        self.assertEqual(rep["by_user_total"]["target"], rep["totals"]["target"])
        self.assertEqual([row["target"] for row in rep["by_team"]], [None])
        self.assertEqual(
            (rep["by_team_total"]["target"], rep["by_team_total"]["gap"]), (None, None)
        )
        self.assertEqual(rep["by_team_total"]["won"], rep["totals"]["won"])
        self.assertEqual(rep["notes"], {"by_team": "user_view", "by_user": False})
        # No team target at all: the figure adds up the salespeople's, and says so.
        self.env["crm.sales.target"].create(
            self._target("user", self.rita, "month", "2031-01-01", 7)
        )
        alone = self.data(period_type="month", date="2031-01-01")
        self.assertEqual((alone["totals"]["target"], alone["by_user_total"]["target"]), (7, 7))
        self.assertEqual(alone["by_team_total"]["target"], 0)
        self.assertEqual(alone["notes"], {"by_team": "no_team_target", "by_user": False})

    def test_the_targets_list_adds_up_only_what_adds_up(self):
        Target = self.env["crm.sales.target"].with_user(self.manager)
        arch = etree.fromstring(Target.get_views([(False, "list")])["views"]["list"]["arch"])
        for name in ("amount", "cost_budget"):
            [column] = arch.xpath(f"//field[@name='{name}']")
            self.assertFalse(column.get("sum"), "no total of team and salesperson targets")
        domain = [("company_id", "=", self.company.id), ("date_start", "<", "2031-01-01")]
        # As the list grouped by period asks for it: 2030-Q2 holds a team's and a
        # salesperson's target - no sum; 2030-04 holds West's target only.
        groups = {
            group["period_label"]: group
            for group in Target.web_read_group(domain, ["amount:sum"], ["period_label"])["groups"]
        }
        self.assertNotIn("amount", groups["2030-Q2"])
        self.assertEqual(groups["2030-04"]["amount"], 10_000)
        levels = Target.read_group(
            [*domain, ("period_label", "=", "2030-Q2")],
            ["amount:sum"],
            ["period_label", "target_level"],
            lazy=False,
        )
        self.assertEqual(
            {group["target_level"]: group["amount"] for group in levels},
            {"team": 150_000, "user": 120_000},
        )
        by_level = Target.read_group(domain, ["amount:sum"], ["target_level"])
        self.assertTrue(all("amount" not in group for group in by_level), "years and quarters")

    # ------------------------------------------------------------------ item 7

    def test_the_target_and_the_lost_deals_open_their_records(self):
        Dashboard = self.manager_env()["crm.forecast.dashboard"]
        Target = self.env["crm.sales.target"]

        def targets(row=None, params=None):
            action = Dashboard.action_drill(params or Q2, "target", row)
            return Target.search(action["domain"])

        east_q2 = Target.search([("team_id", "=", self.east.id), ("date_start", "=", "2030-04-01")])
        west = Target.search([("team_id", "=", self.west.id)])
        self.assertEqual(targets(), east_q2 | west)
        self.assertEqual(sum(targets().mapped("amount")), 180_000)
        self.assertEqual(targets({"team_id": self.west.id}), west)
        rita = Target.search([("user_id", "=", self.rita.id)])
        self.assertEqual(targets({"user_id": self.rita.id}), rita)
        self.assertEqual(targets(params={**Q2, "user_id": self.raul.id}), Target, "yearly only")
        year = {"period_type": "year", "date": "2030-01-01"}
        self.assertIn(
            Target.search([("user_id", "=", self.raul.id)]),
            targets({"user_id": self.raul.id}, year),
        )
        # Each line of the lost deals opens its deals.
        Lead = self.env["crm.lead"].with_context(active_test=False)
        lost = Dashboard.get_dashboard_data(Q2, ["funnel"])["lost_by_phase"]
        lines = [(phase, reason) for phase in lost for reason in phase["reasons"]]
        self.assertEqual(len(lines), 2)
        found = Lead
        for phase, reason in lines:
            row = {"phase_id": phase["phase_id"], "lost_reason_id": reason["reason_id"]}
            leads = Lead.search(Dashboard.action_drill(Q2, "lost", row)["domain"])
            self.assertEqual(len(leads), reason["count"])
            self.assertAlmostEqual(sum(leads.mapped("expected_revenue")), reason["value"])
            found |= leads
        self.assertEqual(found, self.lost | self.cancel)

    # ------------------------------------------------------------------ #14: loading

    def test_the_figures_come_first_and_each_section_apart(self):
        Dashboard = self.manager_env()["crm.forecast.dashboard"]
        whole = Dashboard.get_dashboard_data(Q2)
        figures = Dashboard.get_dashboard_data(Q2, ["figures"])
        self.assertFalse({"funnel", "risk", "movement", "selling_cost"} & set(figures))
        parts = dict(figures)
        for section in ("funnel", "risk", "movement", "cost"):
            part = Dashboard.get_dashboard_data(figures["params"], [section])
            self.assertNotIn("totals", part)
            parts.update(part)
        self.assertEqual(parts, whole)
        with self.assertRaisesRegex(UserError, "Unknown dashboard sections"):
            Dashboard.get_dashboard_data(Q2, ["figures", "payroll"])
        with self.assertRaisesRegex(UserError, "Unknown dashboard sections"):
            Dashboard.get_dashboard_data(Q2, "figures")

    def test_the_reporting_menu_keeps_the_forecast_together(self):
        menus = self.env["ir.ui.menu"].with_user(self.manager).load_menus(False)
        reporting = self.env.ref("crm.crm_menu_report").id
        section = self.env.ref("crm_project_forecast.crm_forecast_menu_section").id
        under_reporting = menus[reporting]["children"]
        self.assertIn(self.env.ref("crm.crm_menu_forecast").id, under_reporting, "stock kept")
        self.assertIn(section, under_reporting)
        self.assertEqual(under_reporting[-1], section, "after Odoo's own reports")
        self.assertEqual(menus[section]["name"], "Targets and Forecast")
        self.assertEqual(
            [menus[child]["name"] for child in menus[section]["children"]],
            ["Sales Forecast", "Forecast Analysis", "Forecast Snapshots", "Cost of Selling"],
        )
        rep_menus = self.env["ir.ui.menu"].with_user(self.rita).load_menus(False)
        self.assertEqual(
            [rep_menus[child]["name"] for child in rep_menus[section]["children"]],
            ["Sales Forecast", "Forecast Analysis", "Cost of Selling"],
        )
