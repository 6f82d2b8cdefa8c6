import io
import json
import zipfile
from datetime import datetime, timedelta
from urllib.parse import quote

import openpyxl

from odoo import fields
from odoo.tests import HttpCase, tagged

from .. import periods
from .forecast_common import Q2, ForecastCase

FIGURES = ["target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap"]


@tagged("post_install", "-at_install")
class TestForecastExport(HttpCase, ForecastCase):
    def export(self, login, params, companies=None):
        self.authenticate(login, login)
        context = {"allowed_company_ids": companies.ids} if companies else {}
        response = self.url_open(
            "/crm_project_forecast/forecast/xlsx?params="
            + quote(json.dumps(params))
            + "&context="
            + quote(json.dumps(context)),
            timeout=60,
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertIn("Sales%20forecast%202030-Q2.xlsx", response.headers["Content-Disposition"])
        return response.content

    def test_workbook_totals_equal_the_screen(self):
        self.env["crm.lead.problem"].create({"lead_id": self.proof.id, "name": "IT says no"})
        content = self.export("fc_manager", Q2, companies=self.company)
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(
            book.sheetnames,
            [
                "Forecast",
                "Funnel",
                "Stalled and At-Risk",
                "Snapshot Movement",
                "Cost of Selling",
                "Opportunities",
            ],
        )
        # The manager works in Forecast Co only in the web client: so does the workbook.
        screen = (
            self.env["crm.forecast.dashboard"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=[self.company.id], tz="UTC")
            .get_dashboard_data(Q2)
        )
        sheet = book["Forecast"]
        rows = list(sheet.iter_rows(values_only=True))
        header = rows.index(
            (
                "Sales Team",
                "Target",
                "Closed Won",
                "Commit",
                "Best Case",
                "Pipeline",
                "Weighted Pipeline",
                "Forecast",
                "Gap to Target",
                "Won / Target",
            )
        )
        by_team = {row[0]: row for row in rows[header + 1 : header + 4]}
        self.assertEqual(set(by_team) - {"Total"}, {"East", "West"}, "nothing of Forecast Europe")
        total = next(row for row in rows[header:] if row[0] == "Total")
        self.assertEqual(list(total[1:9]), [screen["totals"][key] for key in FIGURES])
        self.assertAlmostEqual(total[9], screen["totals"]["attainment"] / 100)
        east = next(row for row in screen["by_team"] if row["name"] == "East")
        self.assertEqual(list(by_team["East"][1:9]), [east[key] for key in FIGURES])
        self.assertEqual(sheet.freeze_panes, f"B{header + 2}")
        self.assertEqual(sheet.cell(header + 2, 2).number_format, '"$"#,##0.00', "USD")
        self.assertGreater(sheet.column_dimensions["A"].width, 20)
        # Every opportunity behind the forecast, one per row; they add up to the figures.
        detail = list(book["Opportunities"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(detail), 5)
        won = sum(row[7] for row in detail if row[5] == "Closed Won")
        commit = sum(row[7] for row in detail if row[5] == "Commit")
        self.assertEqual((won, commit), (screen["totals"]["won"], screen["totals"]["commit"]))
        self.assertAlmostEqual(
            sum(row[9] for row in detail if row[5] != "Closed Won"), screen["totals"]["weighted"]
        )
        for row in (2, 6):  # the first row (xlsxwriter) and the last (streamed)
            self.assertEqual(book["Opportunities"].cell(row, 7).number_format, "yyyy-mm-dd")
            self.assertEqual(book["Opportunities"].cell(row, 8).number_format, '"$"#,##0.00')
            self.assertEqual(book["Opportunities"].cell(row, 9).number_format, "0.0%")
        self.assertEqual(book["Opportunities"].freeze_panes, "B2")
        funnel = book["Funnel"]
        phases = [row[0] for row in funnel.iter_rows(min_row=8, max_row=11, values_only=True)]
        self.assertEqual(phases, ["Contact", "Solution Design", "Solution Proof", "Tender"])
        risk = list(book["Stalled and At-Risk"].iter_rows(min_row=8, values_only=True))
        self.assertEqual(
            [(row[0], row[6], row[7], row[10]) for row in risk], [("Proof deal", "No", 1, 50_000)]
        )
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            self.assertIn("xl/charts/chart1.xml", archive.namelist(), "the funnel chart")

    def test_captions_head_their_tables_whose_totals_add_up(self):
        """ "By sales team" and "By salesperson" stand above their tables; each Total adds up
        the rows above it, and a note says why the salespeople's total is not the Target."""
        book = openpyxl.load_workbook(
            io.BytesIO(self.export("fc_manager", Q2, companies=self.company))
        )
        rows = [tuple(row) for row in book["Forecast"].iter_rows(values_only=True)]
        firsts = [row[0] for row in rows]
        for caption, column in (("By sales team", "Sales Team"), ("By salesperson", "Salesperson")):
            at = firsts.index(caption)
            self.assertEqual(firsts[at + 1], column, f"{caption} heads its table")
            end = firsts.index("Total", at)
            lines = rows[at + 2 : end]
            for col in range(1, 8):  # target to forecast
                self.assertAlmostEqual(rows[end][col], sum(line[col] or 0 for line in lines))
        by_user_total = rows[firsts.index("Total", firsts.index("By salesperson"))]
        self.assertEqual(by_user_total[1], 120_000, "Rita's target; Raul's is yearly")
        self.assertTrue(
            rows[firsts.index("Total", firsts.index("By salesperson")) + 1][0].startswith(
                "Total: the salespeople's targets added up."
            )
        )
        team_total = rows[firsts.index("Total")]
        self.assertEqual(team_total[1], 180_000, "the Target figure: the teams' targets")

    def test_a_rep_exports_their_own_and_bad_parameters_are_refused(self):
        content = self.export("fc_rita", Q2)
        detail = list(
            openpyxl.load_workbook(io.BytesIO(content))["Opportunities"].iter_rows(
                min_row=2, values_only=True
            )
        )
        self.assertEqual({row[2] for row in detail}, {"Rita East"}, "a rep exports their own")
        self.authenticate("fc_manager", "fc_manager")
        bad = self.url_open("/crm_project_forecast/forecast/xlsx?params=" + quote("{not json"))
        self.assertNotEqual(bad.status_code, 200)
        bad = self.url_open(
            "/crm_project_stages/forecast/xlsx?params="
            + quote(json.dumps({"period_type": "decade"}))
        )
        self.assertNotEqual(bad.status_code, 200)
        # Both companies of the manager (the web client's company switcher): Europe too.
        both = openpyxl.load_workbook(
            io.BytesIO(self.export("fc_manager", Q2, companies=self.company | self.company_eu))
        )
        teams = {row[0] for row in both["Forecast"].iter_rows(values_only=True)}
        self.assertIn("Europe", teams)
        # A company the user does not work in is refused.
        self.authenticate("fc_rita", "fc_rita")
        refused = self.url_open(
            "/crm_project_stages/forecast/xlsx?params="
            + quote(json.dumps(Q2))
            + "&context="
            + quote(json.dumps({"allowed_company_ids": [self.company_eu.id]}))
        )
        self.assertNotEqual(refused.status_code, 200)

    def test_the_route_of_the_previous_release_still_serves_the_workbook(self):
        """Bookmarks and scripts of the release where the forecast was part of the project
        stages addon keep working."""
        self.authenticate("fc_manager", "fc_manager")
        response = self.url_open(
            "/crm_project_stages/forecast/xlsx?params=" + quote(json.dumps(Q2)), timeout=60
        )
        self.assertEqual(response.status_code, 200, response.text[:300])
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        self.assertIn("Forecast", book.sheetnames)

    def test_dashboard_tour(self):
        team = self.env["crm.team"].create({"name": "Tour Team"})
        admin = self.env.ref("base.user_admin")
        today = fields.Date.context_today(self.env["crm.lead"])
        _start, end = periods.bounds("quarter", today)
        main = self.env.ref("base.main_company")
        self._lead("Tour Commit Deal", admin, team, "tender", 9_000, end, company=main)
        won = self._lead("Tour Won Deal", admin, team, "tender", 4_000, end, company=main)
        self._win(won, datetime.now() - timedelta(minutes=5))
        self.start_tour(
            "/odoo/action-crm_project_forecast.crm_forecast_dashboard_action",
            "crm_project_forecast_tour",
            login="admin",
        )
