"""The forecast against a user with an RPC client: the workbook comes from the download route
only and leaves nothing on disk; bad parameters get a clear error, never a traceback; amounts
stay finite; a salesperson reads only their own and their teams' targets; a team's targets are
never orphaned. Every refusal is checked for its error, its message and that nothing changed."""

import json
import os
import shutil
import tempfile
from datetime import date, datetime
from urllib.parse import quote

from odoo import Command
from odoo.addons.crm_project_stages.tests.common import JsonRpcMixin
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .forecast_common import Q2, ForecastCase

ROUTE = "/crm_project_forecast/forecast/xlsx"
TOO_LARGE = "The amounts of this forecast are too large to add up."
REFUSED_FIELDS = "These fields are set by the server and cannot be changed:"
FORECAST_FIELDS = {
    "phase_probability": (99.0, "Phase Probability (%)"),
    "forecast_category": ("commit", "Forecast"),
    "forecast_probability": (99.0, "Forecast Probability (%)"),
    "forecast_revenue": (1_000_000_000.0, "Weighted Revenue"),
    "date_won": ("2001-01-01", "Won On"),
    "forecast_date": ("2001-01-01", "Forecast Date"),
}


@tagged("post_install", "-at_install")
class TestForecastAttacks(JsonRpcMixin, HttpCase, ForecastCase):
    def dashboard_rpc(self, login, method, *args, companies=None):
        companies = companies or self.company
        return self.rpc(
            login,
            "crm.forecast.dashboard",
            method,
            *args,
            context={"allowed_company_ids": companies.ids},
        )

    def export(self, login, params, context=None):
        if self._rpc_login != login:
            self.authenticate(login, login)
            self._rpc_login = login
        context = {"allowed_company_ids": self.company.ids} if context is None else context
        return self.url_open(
            f"{ROUTE}?params={quote(json.dumps(params))}&context={quote(json.dumps(context))}",
            timeout=60,
        )

    def test_a_time_zone_changed_afterwards_moves_no_win(self):
        """A win's day is counted in its salesperson's zone, else its company's (the fourth
        review's probes): a salesperson changing their own zone, or any contact editor of any
        company the company contact's (it has no company of its own), moved wins into another
        quarter. Both writes go through (a preference, a contact); no win moves."""
        self._user(
            "fc_editor",
            "Ed Editor",
            "sales_team.group_sale_salesman,base.group_partner_manager",
            self.company,
        )
        unassigned = self._lead(
            "Unassigned award", self.rita, self.east, "tender", 5_000, "2030-06-30"
        )
        unassigned.user_id = False
        self._win(unassigned, datetime(2030, 6, 30, 21, 30))
        deals = self.won | unassigned

        def days():
            self.env.invalidate_all()
            return [(str(deal.date_won), str(deal.forecast_date)) for deal in deals]

        before = days()
        self.assertEqual(before, [("2030-06-30", "2030-06-30")] * 2)
        won_q2 = self.data()["totals"]["won"]
        for login, model, ids in (
            ("fc_editor", "res.partner", self.company.partner_id.ids),
            ("fc_rita", "res.users", self.rita.ids),
        ):
            answer = self.rpc(login, model, "write", ids, {"tz": "Asia/Shanghai"})
            self.assertIs(answer.get("result"), True, answer.get("error"))
        self.assertEqual((self.company.partner_id.tz, self.rita.tz), ("Asia/Shanghai",) * 2)
        self.assertEqual(days(), before)
        self.assertEqual(self.data()["totals"]["won"], won_q2)
        # Nor does writing again what a won deal has (its salesperson, its Won stage: a client
        # may send the whole record), nor a Sales Manager saving the settings of its phase as
        # they are (the fifth review's probes): the ORM computes the day again then.
        for vals in ({"user_id": self.rita.id}, {"stage_id": self.stage_won.id}):
            answer = self.rpc("fc_rita", "crm.lead", "write", self.won.ids, vals)
            self.assertIs(answer.get("result"), True, answer.get("error"))
        tender = self.phases["tender"]
        answer = self.rpc(
            "fc_manager",
            "crm.project.phase",
            "write",
            tender.ids,
            {"stall_days": tender.stall_days},
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.assertEqual(days(), before)
        self.assertEqual(self.data()["totals"]["won"], won_q2)
        # A Sales Manager's correction of the salesperson dates it again, in the new one's zone.
        answer = self.rpc("fc_manager", "crm.lead", "write", self.won.ids, {"user_id": self.sho.id})
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.env.invalidate_all()
        self.assertEqual(str(self.won.date_won), "2030-07-01", "21:30 UTC is July 1 in Shanghai")

    # ------------------------------------------------------------------ 9: server fields

    def test_the_forecast_of_an_opportunity_is_the_servers(self):
        def state(lead):
            self.env.invalidate_all()
            return [lead[name] for name in FORECAST_FIELDS]

        before = state(self.proof)
        for field, (value, label) in FORECAST_FIELDS.items():
            for login in ("fc_rita", "fc_manager"):
                answer = self.rpc(login, "crm.lead", "write", [self.proof.id], {field: value})
                self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} {label}.")
            self.assertEqual(state(self.proof), before, field)
        answer = self.rpc(
            "fc_rita",
            "crm.lead",
            "create",
            {
                "name": "Won in 2001",
                "type": "opportunity",
                "stage_id": self.stages["contact"].id,
                "date_won": "2001-01-01",
                "forecast_category": "won",
            },
        )
        message = self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} Forecast, Won On.")
        self.assertIn("To put it in another forecast category, set Forecast Category.", message)
        self.assertFalse(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Won in 2001")])
        )

    def test_a_salesperson_does_not_date_a_win_a_sales_manager_corrects_it(self):
        """crm sets the closing date of a deal and the date of its last move; the forecast
        counts a win in the period of that day (targets, win rates): a salesperson does not
        move their win into another quarter over RPC; a Sales Manager may correct it."""

        def state(lead):
            self.env.invalidate_all()
            return (lead.date_closed, lead.date_last_stage_update, lead.date_won)

        before = state(self.won)
        self.assertEqual(before[2], date(2030, 6, 30))
        for vals, label in (
            ({"date_closed": "2030-07-02 10:00:00"}, "Closed Date"),
            ({"date_last_stage_update": "2030-07-02 10:00:00"}, "Last Stage Update"),
        ):
            answer = self.rpc("fc_rita", "crm.lead", "write", [self.won.id], vals)
            message = self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} {label}.")
            self.assertIn("A Sales Manager can correct the dates of a deal.", message)
            self.assertEqual(state(self.won), before, vals)
        answer = self.rpc(
            "fc_rita",
            "crm.lead",
            "create",
            {"name": "Closed in 2001", "type": "opportunity", "date_closed": "2001-01-01"},
        )
        self.assertRefused(answer, "AccessError", f"{REFUSED_FIELDS} Closed Date.")
        self.assertFalse(self.env["crm.lead"].search([("name", "=", "Closed in 2001")]))
        answer = self.rpc(
            "fc_manager", "crm.lead", "write", [self.won.id], {"date_closed": "2030-07-02 10:00:00"}
        )
        self.assertIs(answer.get("result"), True, answer)
        self.assertEqual(state(self.won)[0], datetime(2030, 7, 2, 10, 0))
        self.assertEqual(state(self.won)[2], date(2030, 7, 2), "the win moves to Q3")

    # ------------------------------------------------------------------ 14: the workbook

    def test_a_salesperson_cannot_move_an_expense_onto_another_reps_deal(self):
        """Rita may not enter an expense on Raul's deal (the record rule refuses the create),
        nor put one there by writing the deal of her own expense (Odoo checks the rules of a
        write before it): it would raise the cost of selling of Raul's deal and team."""
        context = {"allowed_company_ids": self.company.ids}
        answer = self.rpc(
            "fc_rita",
            "crm.lead.cost",
            "create",
            {"lead_id": self.contact.id, "name": "Planted", "amount": 50_000},
            context=context,
        )
        self.assertRefused(answer, "AccessError")
        mine = self.env["crm.lead.cost"].create(
            {"lead_id": self.tender.id, "name": "Flights", "amount": 50_000}
        )
        answer = self.rpc(
            "fc_rita",
            "crm.lead.cost",
            "write",
            [mine.id],
            {"lead_id": self.contact.id},
            context=context,
        )
        self.assertRefused(
            answer,
            "AccessError",
            "These fields are set by the server and cannot be changed: Opportunity.",
            "An expense stays on the opportunity it was spent for",
        )
        self.env.invalidate_all()
        Cost = self.env["crm.lead.cost"]
        self.assertFalse(Cost.search([("lead_id", "=", self.contact.id)]))
        self.assertEqual(Cost.search([("lead_id", "=", self.tender.id)]), mine)
        self.assertEqual(self.contact.selling_cost, 0.0)
        # Her own expense stays hers to correct.
        answer = self.rpc(
            "fc_rita", "crm.lead.cost", "write", [mine.id], {"amount": 40_000}, context=context
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))

    def test_the_workbook_comes_from_the_download_route_only_and_leaves_nothing(self):
        scratch = tempfile.mkdtemp(prefix="crm_forecast_attack_")
        previous, tempfile.tempdir = tempfile.tempdir, scratch
        try:
            with mute_logger("odoo.http"):  # the unknown method is logged as a server error
                answer = self.dashboard_rpc("fc_manager", "export_xlsx", Q2)
            self.assertNotIn("result", answer, "no workbook, no server path over RPC")
            self.assertIn("does not exist", answer["error"]["data"]["message"])
            answer = self.dashboard_rpc("fc_manager", "_export_xlsx", Q2)
            self.assertRefused(
                answer,
                "AccessError",
                "Private methods (such as _export_xlsx) cannot be called remotely.",
            )
            self.assertEqual(os.listdir(scratch), [], "nothing written by the refused calls")
            response = self.export("fc_manager", Q2)
            self.assertEqual(response.status_code, 200, response.text[:300])
            self.assertIn("spreadsheetml", response.headers["Content-Type"])
            self.assertEqual(int(response.headers["Content-Length"]), len(response.content))
            self.assertTrue(response.content.startswith(b"PK"))
            # A refused export (an amount too large) leaves nothing behind either.
            self.env.cr.execute(
                "UPDATE crm_lead SET expected_revenue = 1e308, forecast_revenue = 1e308 "
                "WHERE id IN %s",
                [(self.tender.id, self.proof.id)],
            )
            self.env.invalidate_all()
            response = self.export("fc_manager", Q2)
            self.assertEqual(response.status_code, 400)
            self.assertEqual(os.listdir(scratch), [], "the workbook is on no disk")
        finally:
            tempfile.tempdir = previous
            shutil.rmtree(scratch)

    # ------------------------------------------------------------------ 15: parameters

    def test_bad_parameters_get_a_clear_error_on_screen_and_in_the_export(self):
        cases = [
            ({**Q2, "team_id": "abc"}, "Unknown sales team: abc"),
            ({**Q2, "team_id": 2**40}, f"Unknown sales team: {2**40}"),
            ({**Q2, "team_id": self.europe.id}, f"Unknown sales team: {self.europe.id}"),
            ({**Q2, "user_id": [1]}, "Unknown salesperson: [1]"),
            ({**Q2, "snapshot_id": {"id": 1}}, "Unknown forecast snapshot: {'id': 1}"),
            (
                {"period_type": "custom", "date": "0001-01-01", "date_to": "9999-12-31"},
                "Forecast dates lie between 1900-01-01 and 2999-12-31.",
            ),
            (
                {"period_type": "custom", "date": "2020-01-01", "date_to": "2030-01-02"},
                "A custom period spans at most 10 years.",
            ),
            (
                {"period_type": "year", "date": {"nested": {"deeper": [1, {"x": None}]}}},
                "The period must be given as dates (YYYY-MM-DD).",
            ),
            ({"period_type": ["quarter"]}, "Unknown period type: ['quarter']"),
        ]
        for params, message in cases:
            answer = self.dashboard_rpc("fc_manager", "get_dashboard_data", params)
            self.assertRefused(answer, "UserError", message)
            response = self.export("fc_manager", params)
            self.assertEqual(response.status_code, 400, params)
            self.assertIn(message.replace("'", "&#39;"), response.text)
        answer = self.dashboard_rpc("fc_manager", "get_dashboard_data", [1, 2])
        self.assertRefused(answer, "UserError", "The forecast parameters must be a JSON object")
        # Ten years are fine.
        answer = self.dashboard_rpc(
            "fc_manager",
            "get_dashboard_data",
            {"period_type": "custom", "date": "2020-01-01", "date_to": "2030-01-01"},
        )
        self.assertIn("result", answer, answer.get("error"))
        # The companies of the context: a list of the user's company ids.
        for companies in ("abc", [{"id": 1}], [[self.company.id]], [True]):
            answer = self.rpc(
                "fc_manager",
                "crm.forecast.dashboard",
                "get_dashboard_data",
                Q2,
                context={"allowed_company_ids": companies},
            )
            self.assertRefused(
                answer, "UserError", "The selected companies are not valid: a list of company ids."
            )
            response = self.export("fc_manager", Q2, {"allowed_company_ids": companies})
            self.assertEqual(response.status_code, 400, companies)
        response = self.export("fc_rita", Q2, {"allowed_company_ids": self.company_eu.ids})
        self.assertEqual(response.status_code, 403)
        self.assertIn("You cannot see the forecast of these companies.", response.text)
        # Drill-downs check the line they narrow to.
        for figure, row in (
            ("won", {"team_id": "abc"}),
            ("won", [1]),
            ("funnel", {"phase": ["contact"]}),
            ("movement", {"type": {"x": 1}}),
        ):
            answer = self.dashboard_rpc("fc_manager", "action_drill", Q2, figure, row)
            self.assertRefused(answer, "UserError", "The line of the figure is not valid.")
        answer = self.dashboard_rpc("fc_manager", "action_drill", Q2, ["won"])
        self.assertRefused(answer, "UserError", "Unknown figure: ['won']")
        # A time zone the client made up in the call's context (the fourth review's probe: a
        # server error) is passed over for the user's, as Odoo's own conversions do.
        expected = self.dashboard_rpc("fc_manager", "get_dashboard_data", Q2)["result"]
        for zone in ("Nope/Zone", 123, ["UTC"]):
            context = {"allowed_company_ids": self.company.ids, "tz": zone}
            for method, args in (("get_dashboard_data", [Q2]), ("action_drill", [Q2, "won"])):
                answer = self.rpc(
                    "fc_manager", "crm.forecast.dashboard", method, *args, context=context
                )
                self.assertIn("result", answer, (zone, method, answer.get("error")))
            answer = self.rpc(
                "fc_manager", "crm.forecast.dashboard", "get_dashboard_data", Q2, context=context
            )
            self.assertEqual(answer["result"]["totals"], expected["totals"], zone)

    def test_amounts_stay_finite(self):
        bound = "must be a number between -1,000,000,000,000,000 and 1,000,000,000,000,000."
        for value in (1e308, 1e16, float("inf"), float("-inf"), float("nan"), "1e400"):
            answer = self.rpc(
                "fc_rita", "crm.lead", "write", [self.tender.id], {"expected_revenue": value}
            )
            self.assertRefused(answer, "ValidationError", f"Expected Revenue {bound}")
        for login, model, vals, label in (
            (
                "fc_manager",
                "crm.sales.target",
                {"user_id": self.rita.id, "date_start": "2031-01-01", "amount": 1e20},
                "Revenue Target",
            ),
            (
                "fc_rita",
                "crm.lead.cost",
                {"lead_id": self.tender.id, "name": "Dinner", "amount": 1e300},
                "Amount",
            ),
        ):
            answer = self.rpc(login, model, "create", vals)
            self.assertRefused(answer, "ValidationError", f"{label} {bound}")
        self.env.invalidate_all()
        self.assertEqual(self.tender.expected_revenue, 100_000)
        self.assertFalse(self.tender.cost_ids)
        # Amounts already in the database beyond the bound (written before it existed): a
        # clear error, never Infinity in the JSON nor a server error in the export.
        self.env.cr.execute(
            "UPDATE crm_lead SET expected_revenue = 1e308, forecast_revenue = 1e308 WHERE id IN %s",
            [(self.tender.id, self.proof.id)],
        )
        self.env.invalidate_all()
        response = self.rpc_raw(
            "fc_manager",
            "crm.forecast.dashboard",
            "get_dashboard_data",
            Q2,
            context={"allowed_company_ids": self.company.ids},
        )
        for bad in ("Infinity", "NaN"):
            self.assertNotIn(bad, response.text)
        self.assertRefused(response.json(), "UserError", TOO_LARGE, "1,000,000,000,000,000")
        response = self.export("fc_manager", Q2)
        self.assertEqual(response.status_code, 400)
        self.assertIn(TOO_LARGE, response.text)

    def test_deeply_nested_export_parameters_are_a_clear_error(self):
        """JSON nested deeper than the parser goes (2 KB of brackets) was a server error (the
        fifth review's probe): answered 400 with the reason, as any JSON that is not valid."""
        self.authenticate("fc_manager", "fc_manager")
        self._rpc_login = "fc_manager"
        for key in ("params", "context"):
            query = {"params": "{}", "context": "{}", key: "[" * 2000}
            response = self.url_open(
                f"{ROUTE}?params={quote(query['params'])}&context={quote(query['context'])}"
            )
            self.assertEqual(response.status_code, 400, key)
            self.assertIn("The export parameters are not valid JSON.", response.text)

    def test_the_sum_of_member_targets_is_kept_whatever_the_context(self):
        """A team target marked *Sum of Member Targets* follows its members: no context key
        of a client switches that off (the fifth review's probe)."""
        east = self.env["crm.sales.target"].search([("team_id", "=", self.east.id)])
        east.from_members = True
        self.assertEqual(east.amount, 120_000)
        rita_q2 = self.env["crm.sales.target"].search(
            [("user_id", "=", self.rita.id), ("date_start", "=", "2030-04-01")]
        )
        for target, amount in ((rita_q2, 12_345), (east, 999_999)):
            answer = self.rpc(
                "fc_manager",
                "crm.sales.target",
                "write",
                target.ids,
                {"amount": amount},
                context={"crm_target_syncing": True},
            )
            self.assertNotIn("error", answer)
            self.env.invalidate_all()
            self.assertEqual(east.amount, 12_345, "the sum of its members' targets")

    def test_a_cost_per_activity_stays_a_cost(self):
        """A cost per activity too large for its rounding was a server error (the fourth
        review's probe); a negative one would lower the cost of selling: both refused with a
        clear error, nothing changed; a cost within bounds is saved."""
        kind = self.env["mail.activity.type"].create({"name": "Site visit", "crm_selling_cost": 80})
        context = {"allowed_company_ids": self.company.ids}
        for cost in (1e308, 1e16, -5):
            for method, args in (
                ("write", [kind.ids, {"crm_selling_cost": cost}]),
                ("create", [{"name": "Demo day", "crm_selling_cost": cost}]),
            ):
                answer = self.rpc(
                    "fc_manager", "mail.activity.type", method, *args, context=context
                )
                self.assertRefused(
                    answer,
                    "ValidationError",
                    "The selling cost per activity must be a number from 0 to "
                    "1,000,000,000,000,000.",
                )
        self.env.invalidate_all()
        self.assertEqual(kind.crm_selling_cost, 80)
        self.assertFalse(self.env["mail.activity.type"].search([("name", "=", "Demo day")]))
        answer = self.rpc(
            "fc_manager", "mail.activity.type", "write", kind.ids, {"crm_selling_cost": 95.5}
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))

    def test_only_sales_managers_cost_activities(self):
        """Odoo lets the managers of other apps (projects, fleet, time off...) write activity
        types: such a manager set what an activity costs the sales team, and with it the cost
        of selling of every opportunity. Refused over JSON-RPC, whether written, created or
        read; the rest of the type stays theirs (a name, a duplicate, whose cost a Sales
        Manager sets: it starts at none)."""
        group = self.env["res.groups"].create(
            {
                "name": "Field Service Manager",
                "model_access": [
                    Command.create(
                        {
                            "name": "activity types, field service",
                            "model_id": self.env["ir.model"]._get_id("mail.activity.type"),
                            "perm_read": True,
                            "perm_write": True,
                            "perm_create": True,
                        }
                    )
                ],
            }
        )
        user = self._user("fc_field", "Fay Field", "base.group_user", self.company)
        user.groups_id = [Command.link(group.id)]
        kind = self.env["mail.activity.type"].create({"name": "Site visit", "crm_selling_cost": 80})
        only = "Only Sales Managers set the selling cost per activity of an activity type."
        for method, args, message in (
            ("write", [kind.ids, {"crm_selling_cost": 1}], only),
            ("create", [{"name": "Cheap visit", "crm_selling_cost": 1}], only),
            ("read", [kind.ids, ["crm_selling_cost"]], '"crm_selling_cost"'),
        ):
            answer = self.rpc("fc_field", "mail.activity.type", method, *args)
            self.assertRefused(answer, "AccessError", message)
        self.env.invalidate_all()
        self.assertEqual(kind.crm_selling_cost, 80)
        self.assertFalse(self.env["mail.activity.type"].search([("name", "=", "Cheap visit")]))
        # Nor through a default: the call's context, or one's own saved default (Odoo fills
        # them after the create's check): the type starts without a cost.
        Type = self.env["mail.activity.type"]
        made = []
        for method, args, kwargs in (
            ("create", [{"name": "Default visit"}], {}),
            ("name_create", ["Named visit"], {}),
            ("web_save", [[], {"name": "Saved visit"}], {"specification": {}}),
            ("copy", [kind.ids], {}),
        ):
            answer = self.rpc(
                "fc_field",
                "mail.activity.type",
                method,
                *args,
                context={"default_crm_selling_cost": 21},
                **kwargs,
            )
            self.assertIn("result", answer, answer.get("error"))
            made.append((method, answer["result"]))
        answer = self.rpc(
            "fc_field", "ir.default", "set", "mail.activity.type", "crm_selling_cost", 31, True
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))
        answer = self.rpc("fc_field", "mail.activity.type", "create", [{"name": "Own default"}])
        made.append(("own default", answer["result"]))
        ids = {
            "create": made[0][1],
            "name_create": made[1][1][0],
            "web_save": made[2][1][0]["id"],
            "copy": made[3][1][0],
            "own default": made[4][1],
        }
        self.env.invalidate_all()
        self.assertEqual(
            {method: Type.browse(type_id).crm_selling_cost for method, type_id in ids.items()},
            dict.fromkeys(ids, 0.0),
        )
        answer = self.rpc("fc_field", "mail.activity.type", "write", kind.ids, {"name": "Visit"})
        self.assertIs(answer.get("result"), True, answer.get("error"))
        answer = self.rpc("fc_field", "mail.activity.type", "copy", kind.ids)
        self.assertIn("result", answer, answer.get("error"))
        self.assertEqual(
            self.env["mail.activity.type"].browse(answer["result"]).crm_selling_cost, 0
        )
        self.assertEqual(kind.crm_selling_cost, 80)

    # ------------------------------------------------------------------ 16: targets

    def test_a_salesperson_reads_own_and_own_teams_targets_only(self):
        answer = self.rpc(
            "fc_rita",
            "crm.sales.target",
            "search_read",
            [],
            ["target_level", "user_id", "team_id", "amount", "cost_budget"],
        )
        seen = {
            (row["target_level"], (row["user_id"] or row["team_id"])[1], row["amount"])
            for row in answer["result"]
        }
        self.assertEqual(seen, {("team", "East", 150_000), ("user", "Rita East", 120_000)})
        west = self.env["crm.sales.target"].search([("team_id", "=", self.west.id)], limit=1)
        answer = self.rpc("fc_rita", "crm.sales.target", "read", west.ids, ["cost_budget"])
        self.assertRefused(answer, "AccessError", "Sales Target")
        # Nor through the Forecast Analysis.
        answer = self.rpc(
            "fc_rita",
            "crm.forecast.report",
            "search_read",
            [("row_type", "=", "target")],
            ["target_amount"],
        )
        self.assertEqual(
            sorted(row["target_amount"] for row in answer["result"]), [120_000, 150_000]
        )
        # A team leader reads the targets of the team they lead.
        self.west.user_id = self.rita
        answer = self.rpc(
            "fc_rita", "crm.sales.target", "search_count", [("team_id", "=", self.west.id)]
        )
        self.assertEqual(answer["result"], 3)

    def test_a_team_with_targets_is_archived_not_deleted(self):
        targets = self.env["crm.sales.target"].search([("team_id", "=", self.west.id)])
        self.assertEqual(len(targets), 3)
        # Also with the flag of a module's uninstall in the context, which Odoo's guards
        # (at_uninstall=False) step aside for and any client can send (the fifth review).
        for context in ({}, {"_force_unlink": True}):
            answer = self.rpc("fc_manager", "crm.team", "unlink", self.west.ids, context=context)
            self.assertRefused(
                answer,
                "UserError",
                "The sales team “West” has sales targets or selling cost budgets: archive it "
                "instead of deleting it",
            )
        self.env.invalidate_all()
        self.assertTrue(self.west.exists())
        self.assertEqual(targets.exists().team_id, self.west)
        # Archived, it still counts with its targets, never as "No team".
        self.rpc("fc_manager", "crm.team", "action_archive", self.west.ids)
        data = self.dashboard_rpc("fc_manager", "get_dashboard_data", Q2)["result"]
        teams = {row["name"]: row["target"] for row in data["by_team"]}
        self.assertEqual(teams.get("West"), 30_000)
        self.assertNotIn("No team", teams)
