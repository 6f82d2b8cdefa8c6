import math
from datetime import datetime, timedelta
from statistics import median

from odoo import fields
from odoo.tests import tagged

from ..services import ForecastFunnel, ForecastParams
from ..services.funnel import BUCKETS_PER_E
from .forecast_common import ForecastCase

Q2_2025 = {"period_type": "quarter", "date": "2025-04-01"}


@tagged("post_install", "-at_install")
class TestFunnel(ForecastCase):
    """Four opportunities of a team Funnel with hand-dated phase histories in Q2 2025:

    * A: Contact Apr 2 (10 days), Solution Design since Apr 12 (still there)
    * B: Contact Apr 5 (4 days), Design Apr 9 (6), Proof Apr 15 (5), Tender Apr 20 (10), won Apr 30
    * C: Contact Apr 10 (20 days), lost there on Apr 30 ("Competitor cheaper")
    * D: Contact Mar 1 (before the quarter), Design Apr 3 (22 days), lost there on Apr 25
      ("No budget")
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Funnel", "company_id": cls.company.id})
        cls.no_budget = cls.env["crm.lost.reason"].create({"name": "No budget"})
        plan = {
            "A": ([("contact", "2025-04-02", "2025-04-12"), ("design", "2025-04-12", None)], None),
            "B": (
                [
                    ("contact", "2025-04-05", "2025-04-09"),
                    ("design", "2025-04-09", "2025-04-15"),
                    ("proof", "2025-04-15", "2025-04-20"),
                    ("tender", "2025-04-20", "2025-04-30"),
                ],
                "won",
            ),
            "C": ([("contact", "2025-04-10", "2025-04-30")], cls.lost_reason),
            "D": (
                [("contact", "2025-03-01", "2025-04-03"), ("design", "2025-04-03", "2025-04-25")],
                cls.no_budget,
            ),
        }
        cls.leads = {}
        for index, (name, (steps, outcome)) in enumerate(plan.items()):
            lead = cls._lead(
                f"Funnel {name}",
                cls.rita,
                cls.team,
                steps[0][0],
                10_000 * (index + 1),
                "2025-06-30",
            )
            for phase, _start, _end in steps[1:]:
                lead.stage_id = cls.stages[phase]
            closed = steps[-1][2]
            if isinstance(outcome, str):
                cls._win(lead, datetime.fromisoformat(closed))
            elif outcome:
                cls._lose(lead, outcome, datetime.fromisoformat(closed))
            # The history as it happened, written by the server.
            for phase, start, end in steps:
                lead.phase_history_ids.filtered(
                    lambda row, phase=phase: row.phase_id.code == phase
                ).sudo().write({"date_in": start, "date_out": end or False})
            cls.leads[name] = lead

    def funnel(self, **params):
        data = self.data(**{**Q2_2025, "team_id": self.team.id, **params})
        return {row["phase"]: row for row in data["funnel"]}, data

    def test_funnel_by_phase(self):
        now = fields.Datetime.now()
        days_a_design = (now - datetime(2025, 4, 12)).total_seconds() / 86400
        funnel, _data = self.funnel()
        contact = funnel["contact"]
        self.assertEqual(
            (contact["entered"], contact["current"], contact["moved_on"], contact["won"]),
            (3, 0, 2, 1),
            "D entered Contact in March: not in this quarter's funnel",
        )
        self.assertEqual(contact["lost_here"], 1)
        self.assertAlmostEqual(contact["conversion_next"], 100 * 2 / 3)
        self.assertAlmostEqual(contact["conversion_won"], 100 / 3)
        self.assertAlmostEqual(contact["avg_days"], (10 + 4 + 20) / 3)
        self.assertAlmostEqual(contact["median_days"], 10)
        self.assertEqual(contact["value"], 10_000 + 20_000 + 30_000)
        design = funnel["design"]
        self.assertEqual(
            (design["entered"], design["current"], design["moved_on"], design["won"]), (3, 1, 1, 1)
        )
        self.assertEqual(design["lost_here"], 1)
        self.assertAlmostEqual(design["avg_days"], (days_a_design + 6 + 22) / 3, places=2)
        self.assertAlmostEqual(design["median_days"], median([days_a_design, 6, 22]), places=2)
        self.assertEqual(design["value"], 10_000 + 20_000 + 40_000)
        for phase, days in (("proof", 5), ("tender", 10)):
            self.assertEqual(funnel[phase]["entered"], 1)
            self.assertAlmostEqual(funnel[phase]["avg_days"], days)
            self.assertEqual(funnel[phase]["conversion_won"], 100.0)

    def test_lost_deals_by_phase_and_reason(self):
        _funnel, data = self.funnel()
        lost = {row["phase"]: row for row in data["lost_by_phase"]}
        self.assertEqual(
            lost["contact"]["reasons"],
            [
                {
                    "reason": "Competitor cheaper",
                    "reason_id": self.lost_reason.id,
                    "count": 1,
                    "value": 30_000,
                }
            ],
        )
        self.assertEqual(
            lost["design"]["reasons"],
            [{"reason": "No budget", "reason_id": self.no_budget.id, "count": 1, "value": 40_000}],
        )
        self.assertEqual((lost["proof"]["count"], lost["tender"]["count"]), (0, 0))

    def test_filters_and_drill_down(self):
        funnel, _data = self.funnel(user_id=self.raul.id)
        self.assertEqual(sum(row["entered"] for row in funnel.values()), 0)
        march, _data = self.funnel(period_type="month", date="2025-03-01")
        self.assertEqual(march["contact"]["entered"], 1)
        params = {**Q2_2025, "team_id": self.team.id}
        action = self.dashboard().action_drill(
            params, "funnel", {"phase": "design", "kind": "current"}
        )
        rows = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(rows.lead_id, self.leads["A"])
        action = self.dashboard().action_drill(
            params, "funnel", {"phase": "contact", "kind": "entered"}
        )
        rows = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(rows.lead_id, self.leads["A"] | self.leads["B"] | self.leads["C"])

    def test_the_funnel_gives_back_the_memory_it_asked_for(self):
        """The funnel's queries get more memory to group in (``WORK_MEM``); the rest of the
        transaction gets it back."""
        self.env.cr.execute("SET LOCAL work_mem = '5MB'")
        funnel, _data = self.funnel()
        self.assertEqual(funnel["contact"]["entered"], 3)
        self.env.cr.execute("SHOW work_mem")
        self.assertEqual(self.env.cr.fetchone()[0], "5MB")

    def test_pivot_measures_match_the_dashboard(self):
        Funnel = self.env["crm.funnel.report"]
        groups = Funnel._read_group(
            [("team_id", "=", self.team.id), ("date_entered", ">=", "2025-04-01")],
            ["phase_id"],
            ["entered_count:sum", "conversion_next:avg", "conversion_won:avg"],
        )
        by_phase = {phase.code: values for phase, *values in groups}
        self.assertEqual(by_phase["contact"][0], 3)
        self.assertAlmostEqual(by_phase["contact"][1], 100 * 2 / 3)
        self.assertAlmostEqual(by_phase["contact"][2], 100 / 3)

    def test_the_funnel_follows_the_opportunity(self):
        """What the funnel shows of an opportunity (its salesperson, revenue, outcome, whether
        it is one) is its state now, whatever changed since it entered its phases."""
        a, b, c = self.leads["A"], self.leads["B"], self.leads["C"]
        a.write({"user_id": self.raul.id, "team_id": self.team.id})
        funnel, _data = self.funnel(user_id=self.raul.id)
        self.assertEqual((funnel["contact"]["entered"], funnel["design"]["current"]), (1, 1))
        east, _data = self.funnel(team_id=self.east.id)
        self.assertEqual(east["contact"]["entered"], 0)
        a.team_id = self.east
        east, _data = self.funnel(team_id=self.east.id)
        self.assertEqual(east["contact"]["entered"], 1)
        a.team_id = self.team
        b.expected_revenue = 99_000
        c.action_unarchive()  # lost, then reopened: in Contact again
        funnel, _data = self.funnel()
        self.assertEqual(funnel["contact"]["value"], 10_000 + 99_000 + 30_000)
        self.assertEqual((funnel["contact"]["current"], funnel["contact"]["lost_here"]), (1, 0))
        a.convert_opportunity(a.partner_id)  # still an opportunity: nothing changes
        a.write({"type": "lead"})  # back to a lead: out of the funnel
        funnel, _data = self.funnel()
        self.assertEqual((funnel["contact"]["entered"], funnel["design"]["entered"]), (2, 2))
        self.assertEqual(funnel["design"]["current"], 0)

    def test_medians_of_many_stays(self):
        """The median days of a phase are those of the middle stay (the mean of the two middle
        ones for an even number), whatever the stays: equal lengths, lengths a second apart,
        one on the edge of the dashboard's buckets of days, stays under way, a stay entered in
        the future."""
        team = self.env["crm.team"].create({"name": "Medians", "company_id": self.company.id})
        self.env.cr.execute("SELECT date_trunc('second', now() at time zone 'UTC')")
        now = self.env.cr.fetchone()[0]
        edge = math.exp(154 / BUCKETS_PER_E) - 1  # 10.106 days: where a bucket begins
        second = 1 / 86400
        # Contact: (entered, left) days ago; left None: still there.
        stays = [
            (40, 30),
            (40, 30),
            (20 + edge, 20),
            (12, 2 + second),
            (12, 2 - second),
            (30.5, 20),
            (9, None),
            (3.25, None),
            (1, 0.5),
            (-2, None),  # to enter in two days (a date typed ahead)
        ]
        leads = self.env["crm.lead"]
        for index, (entered, left) in enumerate(stays):
            lead = self._lead(f"Median {index}", self.rita, team, "contact", 1000, "2030-06-30")
            lead.phase_history_ids.sudo().write(
                {
                    "date_in": now - timedelta(days=entered),
                    "date_out": left is not None and now - timedelta(days=left),
                }
            )
            leads |= lead
        days = [entered - (left or 0) for entered, left in stays]
        today = fields.Date.today()
        span = {
            "period_type": "custom",
            "date": str(today - timedelta(days=365)),
            "date_to": str(today + timedelta(days=365)),
        }
        for count in (10, 9, 6, 5, 2, 1):
            (leads[count:]).write({"team_id": self.team.id})
            funnel, _data = self.funnel(team_id=team.id, **span)
            contact = funnel["contact"]
            self.assertEqual(contact["entered"], count)
            # As the stays say (to the second the server keeps), and exactly as sorting them
            # all in the database gives it.
            self.assertAlmostEqual(contact["median_days"], median(days[:count]), delta=1e-4)
            self.env.cr.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY days_in_phase) "
                "FROM crm_funnel_report WHERE lead_id IN %s",
                [tuple(leads[:count].ids)],
            )
            sorted_median = self.env.cr.fetchone()[0]
            self.assertAlmostEqual(contact["median_days"], sorted_median, delta=1e-9)
            # What the dashboard falls back on should a middle row not be found.
            funnel_service = ForecastFunnel(
                self.env, ForecastParams.parse(self.env, {"team_id": team.id, **span})
            )
            phase = self.stages["contact"].phase_id
            self.assertAlmostEqual(
                funnel_service._sorted_medians({phase.id})[phase.id], sorted_median, delta=1e-9
            )
            self.assertAlmostEqual(contact["avg_days"], sum(days[:count]) / count, delta=1e-4)
