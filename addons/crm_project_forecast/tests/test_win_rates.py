from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .forecast_common import ForecastCase


@tagged("post_install", "-at_install")
class TestWinRates(ForecastCase):
    """Win rates per phase from the company's own closed deals, per team with a company-wide
    fallback and a default when there is too little history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "crm_project_forecast.win_rate_min_deals", 3
        )
        recent = fields.Datetime.now() - timedelta(days=30)
        # East: 4 won after reaching Tender, 2 lost in Solution Proof, 1 lost in Contact, one
        # cancelled in Solution Design (not counted), one won 800 days ago (out of the
        # look-back).
        cls.history = []
        for i in range(4):
            lead = cls._lead(f"East won {i}", cls.rita, cls.east, "tender", 1_000, "2030-01-01")
            cls._win(lead, recent)
        for i in range(2):
            lead = cls._lead(f"East lost {i}", cls.rita, cls.east, "proof", 1_000, "2030-01-01")
            cls._lose(lead, cls.lost_reason, recent)
        lead = cls._lead("East lost early", cls.raul, cls.east, "contact", 1_000, "2030-01-01")
        cls._lose(lead, cls.lost_reason, recent)
        lead = cls._lead("East cancelled", cls.raul, cls.east, "design", 1_000, "2030-01-01")
        cls._lose(lead, cls.cancelled, recent)
        old = cls._lead("East won long ago", cls.rita, cls.east, "contact", 1_000, "2030-01-01")
        cls._win(old, fields.Datetime.now() - timedelta(days=800))
        # A deal that went back from Solution Design to Contact still reached Solution Design.
        back = cls._lead("Back and forth", cls.raul, cls.east, "contact", 1_000, "2030-01-01")
        back.stage_id = cls.stages["design"]
        back.stage_id = cls.stages["contact"]
        cls._lose(back, cls.lost_reason, recent)
        # West: one lost deal only, too little for a rate of its own.
        lead = cls._lead("West lost", cls.wendy, cls.west, "tender", 1_000, "2030-01-01")
        cls._lose(lead, cls.lost_reason, recent)
        cls.env["crm.phase.win.rate"]._recompute_win_rates()

    def rates(self, company, team):
        rows = self.env["crm.phase.win.rate"].search(
            [("company_id", "=", company.id), ("team_id", "=", team.id if team else False)]
        )
        return {
            row.phase_id.code: (row.closed_count, row.won_count, row.win_rate, row.source)
            for row in rows
        }

    def test_team_rates_from_the_deals_that_reached_each_phase(self):
        self.assertEqual(
            self.rates(self.company, self.east),
            {
                # 4 won + 2 lost in proof + 1 lost in contact + 1 back from design
                "contact": (8, 4, 50.0, "team"),
                "design": (7, 4, 57.1, "team"),
                "proof": (6, 4, 66.7, "team"),
                "tender": (4, 4, 100.0, "team"),
            },
        )
        self.assertEqual(self.back_and_forth().phase_reached_id.code, "design")

    def back_and_forth(self):
        return (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("name", "=", "Back and forth")])
        )

    def test_small_teams_use_the_company_rate_and_small_companies_the_default(self):
        company = self.rates(self.company, None)
        # East's 8 deals and West's one (the deals closed in 2030 are not history yet).
        self.assertEqual(company["contact"], (9, 4, 44.4, "company"))
        self.assertEqual(company["tender"], (5, 4, 80.0, "company"))
        west = self.rates(self.company, self.west)
        self.assertEqual(west["tender"], (1, 0, 80.0, "company"))
        self.assertEqual(west["contact"][2:], (44.4, "company"))
        europe = self.env["crm.phase.win.rate"].search([("company_id", "=", self.company_eu.id)])
        self.assertFalse(europe, "no history in Europe: no row, the defaults apply")
        self.assertEqual(self.euro.phase_probability, 65.0)

    def test_open_deals_take_the_new_probability(self):
        # Q2 open deals of East: tender 100 %, proof 66.7 %, contact 50 %.
        self.assertEqual(self.tender.phase_probability, 100.0)
        self.assertEqual(self.tender.forecast_revenue, 100_000)
        self.assertEqual(self.proof.phase_probability, 66.7)
        self.assertEqual(self.proof.forecast_revenue, 33_350)
        self.assertEqual(self.manual.forecast_probability, 70.0, "the rep's own probability")
        # A new opportunity of a West rep takes the company-wide rate of its phase.
        lead = self._lead("New West deal", self.wendy, self.west, "tender", 10_000, "2030-05-05")
        company_tender = self.rates(self.company, None)["tender"][2]
        self.assertEqual(lead.phase_probability, company_tender)
        # Moving to another team's phase changes the probability at once.
        lead.team_id = self.east
        self.assertEqual(lead.phase_probability, 100.0)

    def test_look_back_and_minimum_are_settings(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_project_forecast.win_rate_lookback_days", 1000
        )
        self.env["crm.phase.win.rate"]._cron_recompute_win_rates()
        self.assertEqual(self.rates(self.company, self.east)["contact"][:2], (9, 5))
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_project_forecast.win_rate_min_deals", 50
        )
        self.env["crm.phase.win.rate"]._recompute_win_rates()
        self.assertEqual(
            {phase: row[2:] for phase, row in self.rates(self.company, self.east).items()},
            {
                "contact": (10.0, "default"),
                "design": (25.0, "default"),
                "proof": (45.0, "default"),
                "tender": (65.0, "default"),
            },
        )

    def test_a_team_deleted_takes_its_rates_and_its_deals_take_the_companys(self):
        """The team's own rates go with it (they would be company-wide rates twice), and its
        open deals' forecast follows the company's rates at once."""
        self.assertEqual(self.tender.phase_probability, 100.0, "East's own rate")
        company_tender = self.rates(self.company, None)["tender"][2]
        Target = self.env["crm.sales.target"].with_context(active_test=False)
        Target.search([("team_id", "=", self.east.id)]).unlink()
        self.east.unlink()
        self.assertFalse(self.tender.team_id)
        self.assertEqual(self.tender.phase_probability, company_tender)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT phase_probability FROM crm_lead WHERE id = %s", [self.tender.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], company_tender)
        self.assertEqual(self.rates(self.company, None)["tender"][2], company_tender)
        self.assertFalse(
            self.env["crm.phase.win.rate"].search(
                [("team_id", "=", False), ("company_id", "=", False)]
            )
        )

    def test_only_sales_managers_recompute(self):
        WinRate = self.env["crm.phase.win.rate"]
        with self.assertRaises(AccessError):
            WinRate.with_user(self.rita).action_recompute()
        self.assertTrue(WinRate.with_user(self.rita).search([("team_id", "=", self.east.id)]))
        action = WinRate.with_user(self.manager).action_recompute()
        self.assertEqual(action["params"]["type"], "success")

    def test_rates_are_updated_in_place_and_the_deals_follow(self):
        Rate = self.env["crm.phase.win.rate"]
        before = {(row.company_id, row.team_id, row.phase_id): row.id for row in Rate.search([])}
        self.assertEqual(self.tender.forecast_revenue, 100_000, "East wins every tender")
        # A tender lost lately: East's tender rate falls to 4 / 5, the open tender follows.
        lost = self._lead("East lost tender", self.rita, self.east, "tender", 1_000, "2030-01-01")
        self._lose(lost, self.lost_reason, fields.Datetime.now() - timedelta(days=3))
        Rate._recompute_win_rates()
        after = {(row.company_id, row.team_id, row.phase_id): row.id for row in Rate.search([])}
        self.assertEqual(after, before, "the same rows, updated")
        self.assertEqual(self.rates(self.company, self.east)["tender"], (5, 4, 80.0, "team"))
        self.assertEqual(self.tender.phase_probability, 80.0)
        self.assertEqual(self.tender.forecast_revenue, 80_000)
        self.assertEqual(self.manual.forecast_probability, 70.0, "the rep's own probability")
        # The history of West goes out of the look-back: its row stays, on the company's rate.
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_project_forecast.win_rate_lookback_days", 1
        )
        Rate._recompute_win_rates()
        self.assertEqual(
            {row.id for row in Rate.search([])}, set(before.values()), "no row deleted"
        )
        self.assertEqual(self.rates(self.company, self.west)["tender"], (0, 0, 65.0, "default"))
        self.assertEqual(self.tender.phase_probability, 65.0)
