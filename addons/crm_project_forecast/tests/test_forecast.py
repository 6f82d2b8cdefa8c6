from datetime import datetime

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .forecast_common import Q2, ForecastCase

# The independent calculation of the hand-built data set (see ForecastCase), in USD.
WON = 80_000
COMMIT = 100_000 + 10_000 + 1_000 * 2
BEST_CASE = 50_000
PIPELINE = 20_000
WEIGHTED = 100_000 * 0.65 + 50_000 * 0.45 + 20_000 * 0.10 + 10_000 * 0.70 + 1_000 * 2 * 0.65
TARGET = 150_000 + 3 * 10_000 + 5_000 * 2


@tagged("post_install", "-at_install")
class TestForecast(ForecastCase):
    def test_manager_forecast_of_the_quarter_in_company_currency(self):
        totals = self.data()["totals"]
        self.assertAlmostEqual(totals["won"], WON)
        self.assertAlmostEqual(totals["commit"], COMMIT)
        self.assertAlmostEqual(totals["best_case"], BEST_CASE)
        self.assertAlmostEqual(totals["pipeline"], PIPELINE)
        self.assertAlmostEqual(totals["weighted"], WEIGHTED)
        self.assertAlmostEqual(totals["forecast"], WON + WEIGHTED)
        self.assertAlmostEqual(totals["target"], TARGET)
        self.assertAlmostEqual(totals["gap"], TARGET - WON - WEIGHTED)
        self.assertAlmostEqual(totals["attainment"], 100.0 * WON / TARGET)
        self.assertEqual((totals["undated_count"], totals["undated_amount"]), (1, 15_000))

    def test_rows_per_team_and_salesperson(self):
        data = self.data()
        teams = {row["name"]: row for row in data["by_team"]}
        self.assertEqual(set(teams), {"East", "West", "Europe"})
        east = teams["East"]
        self.assertEqual(
            (east["target"], east["won"], east["commit"], east["best_case"], east["pipeline"]),
            (150_000, 80_000, 110_000, 50_000, 20_000),
        )
        self.assertAlmostEqual(east["weighted"], 65_000 + 22_500 + 2_000 + 7_000)
        # A quarter without a quarterly target adds up its monthly ones.
        self.assertEqual(teams["West"]["target"], 30_000)
        self.assertEqual(teams["West"]["forecast"], 0)
        self.assertEqual(teams["Europe"]["target"], 10_000, "5,000 EUR at 2 USD")
        self.assertEqual(teams["Europe"]["commit"], 2_000)
        users = {row["name"]: row for row in data["by_user"]}
        self.assertEqual(users["Rita East"]["target"], 120_000)
        self.assertEqual(users["Rita East"]["won"], 80_000)
        self.assertEqual(users["Raul East"]["target"], 0, "a yearly target is not a Q2 target")
        self.assertEqual(users["Raul East"]["pipeline"], 20_000)
        self.assertEqual(
            sum(row["weighted"] for row in data["by_user"]), data["totals"]["weighted"]
        )

    def test_a_year_adds_up_quarters_or_months_and_team_targets_stay_the_managers(self):
        data = self.data(period_type="year", date="2030-01-01")
        teams = {row["name"]: row for row in data["by_team"]}
        self.assertEqual(teams["East"]["target"], 150_000)
        self.assertEqual(teams["West"]["target"], 30_000)
        users = {row["name"]: row for row in data["by_user"]}
        self.assertEqual(users["Raul East"]["target"], 200_000)
        # The team target is not the sum of its members' (120,000 + 200,000) ...
        self.assertEqual(data["totals"]["target"], 150_000 + 30_000 + 10_000)
        # ... unless the manager says so.
        east_target = self.env["crm.sales.target"].search([("team_id", "=", self.east.id)])
        east_target.from_members = True
        self.assertEqual(east_target.amount, 120_000, "Rita's Q2 target; Raul has none in Q2")
        self.env["crm.sales.target"].create(
            self._target("user", self.sho, "month", "2030-05-01", 7_000)
        )
        self.assertEqual(east_target.amount, 127_000, "a member's monthly targets count")

    def test_period_boundaries_and_time_zones(self):
        detail = self.env["crm.lead"].with_context(active_test=False)
        forecast = detail.search(
            self.dashboard().action_drill(Q2, "forecast", {"team_id": self.east.id})["domain"]
        )
        self.assertIn(self.proof, forecast, "closing on the last day of the quarter")
        self.assertIn(self.contact, forecast, "closing on the first day of the quarter")
        self.assertNotIn(self.july, forecast, "closing the day after the quarter")
        self.assertIn(self.won, forecast, "won at 21:30 UTC on June 30 by a rep in UTC")
        self.assertNotIn(self.won_q3, forecast, "won at 07:30 on July 1 in Shanghai")
        self.assertEqual(str(self.won_q3.date_won), "2030-07-01")
        q3 = self.data(date="2030-07-01")["totals"]
        self.assertEqual(q3["won"], 70_000)
        self.assertEqual(q3["pipeline"], 30_000, "the July deal is in Solution Design: Pipeline")

    def test_the_won_date_is_the_same_whoever_triggers_the_compute(self):
        """One documented rule: the won day is counted in the salesperson's time zone, else
        the company's, else UTC - never in the zone of the user whose action recomputes it.
        An unassigned deal of a company in Shanghai, won on June 30 at 21:30 UTC, was won on
        July 1 (in the next quarter) for a manager in UTC and one in Shanghai alike."""
        self.company.partner_id.tz = "Asia/Shanghai"
        shanghai_manager = self._user(
            "fc_manager_sh", "Shu Manager", "sales_team.group_sale_manager", self.company
        )
        shanghai_manager.tz = "Asia/Shanghai"
        self.manager.tz = "UTC"
        deal = self._lead("Unassigned award", self.rita, self.east, "tender", 5_000, "2030-06-30")
        deal.user_id = False
        self._win(deal, datetime(2030, 6, 30, 21, 30))
        dates = []
        for user in (self.manager, shanghai_manager, self.manager):
            # The user closes it again at the same moment: the compute runs as them.
            deal.with_user(user).with_context(tz=user.tz).sudo().write(
                {"date_closed": datetime(2030, 6, 30, 21, 30, 1)}
            )
            dates.append(str(deal.date_won))
        self.assertEqual(dates, ["2030-07-01"] * 3)
        # A zone changed afterwards moves no win (anyone may write a company's contact).
        self.company.partner_id.tz = "UTC"
        self.assertEqual(str(deal.date_won), "2030-07-01", "a zone changed later moves no win")
        # Given to a salesperson (a Sales Manager's correction): dated in their zone.
        deal.user_id = self.rita
        self.assertEqual(str(deal.date_won), "2030-06-30", "the salesperson's zone first")
        deal.user_id = self.sho
        self.assertEqual(str(deal.date_won), "2030-07-01", "the salesperson's zone first")
        self.sho.tz = "UTC"
        self.assertEqual(str(deal.date_won), "2030-07-01", "their own zone changed later too")
        self.assertEqual(deal.forecast_date, deal.date_won)
        # Closed again (a Sales Manager's correction): dated in the zones of now.
        deal.write({"date_closed": datetime(2030, 6, 30, 21, 30, 2)})
        self.assertEqual(str(deal.date_won), "2030-06-30")

    def test_drill_down_lists_make_up_each_figure(self):
        params = {**Q2, "team_id": self.east.id}
        data = self.dashboard().get_dashboard_data(params)
        Lead = self.env["crm.lead"].with_context(active_test=False)
        for figure in ("won", "commit", "best_case", "pipeline"):
            action = self.dashboard().action_drill(params, figure)
            leads = Lead.search(action["domain"])
            self.assertEqual(sum(leads.mapped("expected_revenue")), data["totals"][figure], figure)
        weighted = Lead.search(self.dashboard().action_drill(params, "weighted")["domain"])
        self.assertEqual(weighted, self.tender | self.proof | self.contact | self.manual)
        self.assertAlmostEqual(sum(weighted.mapped("forecast_revenue")), data["totals"]["weighted"])
        undated = Lead.search(self.dashboard().action_drill(Q2, "undated")["domain"])
        self.assertIn(self.undated, undated)
        with self.assertRaises(UserError):
            self.dashboard().action_drill(Q2, "everything")

    def test_a_rep_sees_their_own_forecast_against_their_own_target(self):
        data = self.data(self.rita)
        self.assertEqual(data["params"]["user_id"], self.rita.id)
        totals = data["totals"]
        self.assertEqual(totals["target"], 120_000)
        self.assertEqual(totals["won"], 80_000)
        self.assertEqual(totals["commit"], 110_000)
        self.assertEqual(totals["pipeline"], 0)
        self.assertAlmostEqual(totals["weighted"], 65_000 + 22_500 + 7_000)
        # Asking for another rep's forecast shows nothing of theirs.
        other = self.data(self.rita, user_id=self.raul.id)["totals"]
        self.assertEqual((other["pipeline"], other["weighted"]), (0, 0))

    def test_forecast_category_follows_the_phase_until_the_rep_sets_one(self):
        self.assertEqual(
            [self.contact.forecast_category, self.proof.forecast_category],
            ["pipeline", "best_case"],
        )
        self.assertEqual(self.tender.forecast_category, "commit")
        self.assertEqual(self.won.forecast_category, "won")
        self.assertEqual(self.lost.forecast_category, "omitted")
        self.assertEqual(
            (self.manual.forecast_category, self.manual.forecast_probability), ("commit", 70)
        )
        self.assertEqual(self.tender.phase_probability, 65.0)
        self.assertEqual(self.tender.forecast_revenue, 65_000)
        # The rep moves the contact deal on: its category follows the phase ...
        self.contact.stage_id = self.stages["proof"]
        self.assertEqual(self.contact.forecast_category, "best_case")
        self.assertEqual(self.contact.forecast_revenue, 9_000)
        # ... until the rep says otherwise in the form, next to the phase probability.
        with Form(self.contact.with_user(self.raul)) as form:
            self.assertEqual(form.phase_probability, 45.0)
            form.forecast_category_manual = "omitted"
        self.assertEqual(self.contact.forecast_category, "omitted")
        self.assertEqual(self.contact.forecast_revenue, 0)
        self.contact.forecast_category_manual = False
        self.assertEqual(self.contact.forecast_category, "best_case")

    def test_bad_periods_are_refused_with_a_clear_message(self):
        dashboard = self.dashboard()
        with self.assertRaisesRegex(UserError, "Unknown period type"):
            dashboard.get_dashboard_data({"period_type": "decade"})
        with self.assertRaisesRegex(UserError, "needs an end date"):
            dashboard.get_dashboard_data({"period_type": "custom", "date": "2030-01-01"})
        with self.assertRaisesRegex(UserError, "must not be before"):
            dashboard.get_dashboard_data(
                {"period_type": "custom", "date": "2030-02-01", "date_to": "2030-01-01"}
            )
        with self.assertRaisesRegex(UserError, "YYYY-MM-DD"):
            dashboard.get_dashboard_data({"period_type": "month", "date": "May 2030"})
        custom = dashboard.get_dashboard_data(
            {"period_type": "custom", "date": "2030-04-01", "date_to": "2030-05-31"}
        )
        self.assertEqual(custom["period"]["next"], "2030-06-01")
        self.assertAlmostEqual(
            custom["totals"]["commit"], COMMIT, msg="all commit deals close by May"
        )

    def test_targets_are_validated(self):
        Target = self.env["crm.sales.target"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "already has a target for 2030-Q2"):
            Target.create(self._target("user", self.rita, "quarter", "2030-05-17", 1))
        with self.assertRaisesRegex(ValidationError, "needs a salesperson"):
            Target.create({"target_level": "user", "amount": 5, "date_start": "2031-01-01"})
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            Target.create(self._target("user", self.raul, "month", "2031-01-01", -5))
        target = Target.create(self._target("user", self.raul, "month", "2031-02-14", 5))
        self.assertEqual(str(target.date_start), "2031-02-01")
        self.assertEqual(target.period_label, "2031-02")

    def test_forecast_analysis_pivot_matches_the_dashboard(self):
        east = next(row for row in self.data()["by_team"] if row["name"] == "East")
        Report = self.env["crm.forecast.report"].with_user(self.manager)
        [sums] = Report._read_group(
            [
                ("team_id", "=", self.east.id),
                ("date", ">=", "2030-04-01"),
                ("date", "<=", "2030-06-30"),
                "|",
                ("row_type", "=", "opportunity"),
                ("target_period", "=", "quarter"),
            ],
            [],
            [
                "target_amount:sum",
                "won_amount:sum",
                "commit_amount:sum",
                "best_case_amount:sum",
                "pipeline_amount:sum",
                "weighted_amount:sum",
                "forecast_amount:sum",
                "gap_amount:sum",
            ],
        )
        keys = ["target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap"]
        for key, value in zip(keys, sums, strict=True):
            self.assertAlmostEqual(value, east[key], msg=key)
