from odoo.exceptions import AccessError
from odoo.tests import tagged

from .forecast_common import Q2, ForecastCase


@tagged("post_install", "-at_install")
class TestSnapshots(ForecastCase):
    """The forecast frozen last week, then a week of selling: what moved in Q2 2030."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snapshot = cls.env["crm.forecast.snapshot"]._take_snapshots(cls.company)
        cls.snapshot_eu = cls.env["crm.forecast.snapshot"]._take_snapshots(cls.company_eu)
        cls.env.cr.execute(
            "UPDATE crm_forecast_snapshot SET date = date - interval '7 days' WHERE id IN %s",
            [tuple((cls.snapshot | cls.snapshot_eu).ids)],
        )
        cls.env.invalidate_all()
        # The week: a new deal, a deal won, one lost, one slipping to July, one pulled in from
        # July, one growing, one shrinking, one deleted.
        cls.new = cls._lead("New deal", cls.raul, cls.east, "contact", 5_000, "2030-06-01")
        cls._win(cls.tender, cls.day("2030-05-02"))
        cls._lose(cls.contact, cls.lost_reason, cls.day("2030-05-03"))
        cls.proof.date_deadline = "2030-07-15"
        cls.july.date_deadline = "2030-06-10"
        cls.manual.expected_revenue = 16_000
        cls.gone = cls._lead("Gone deal", cls.rita, cls.east, "contact", 3_000, "2030-05-05")

    def movement(self, **params):
        data = self.data(**params)["movement"]
        return data, {row["type"]: row for row in data["summary"]}

    def test_snapshot_freezes_open_and_won_deals(self):
        lines = self.snapshot.line_ids
        self.assertIn(self.tender, lines.lead_id)
        self.assertNotIn(self.lost, lines.lead_id, "lost deals are out of the forecast")
        self.assertNotIn(self.euro, lines.lead_id, "one snapshot per company")
        self.assertIn(self.euro, self.snapshot_eu.line_ids.lead_id)
        frozen = lines.filtered(lambda line: line.lead_id == self.proof)
        self.assertEqual(
            (frozen.forecast_category, str(frozen.date_deadline), frozen.forecast_revenue),
            ("best_case", "2030-06-30", 22_500),
        )

    def test_what_moved_since_last_week(self):
        self.gone.unlink()
        movement, summary = self.movement(team_id=self.east.id)
        self.assertIn(movement["snapshot"]["id"], (self.snapshot | self.snapshot_eu).ids)
        expected = {
            "entered": (1, 5_000),
            "pulled_in": (1, 30_000),
            "grew": (1, 6_000),
            "won": (1, 0),
            "shrank": (0, 0),
            "slipped": (1, -50_000),
            "lost": (1, -20_000),
            "left": (0, 0),
        }
        self.assertEqual({k: (v["count"], v["value"]) for k, v in summary.items()}, expected)
        self.assertEqual(movement["net_value"], 5_000 + 30_000 + 6_000 - 50_000 - 20_000)
        names = {line["name"]: line["type"] for line in movement["lines"]}
        self.assertEqual(names["Proof deal"], "slipped")
        self.assertEqual(names["July deal"], "pulled_in")
        # Weighted: the won deal counts fully now (65 % of it before).
        self.assertAlmostEqual(summary["won"]["weighted"], 100_000 - 65_000)

    def test_deleted_and_shrinking_deals(self):
        self.env["crm.forecast.snapshot"]._take_snapshots(self.company)
        self.gone.unlink()
        self.manual.expected_revenue = 12_000
        latest = self.env["crm.forecast.snapshot"].search(
            [("company_id", "=", self.company.id)], limit=1
        )
        _movement, summary = self.movement(snapshot_id=latest.id, team_id=self.east.id)
        self.assertEqual((summary["left"]["count"], summary["left"]["value"]), (1, -3_000))
        self.assertEqual((summary["shrank"]["count"], summary["shrank"]["value"]), (1, -4_000))

    def test_drill_down_and_currency(self):
        action = self.dashboard().action_drill(
            {**Q2, "team_id": self.east.id}, "movement", {"type": "slipped"}
        )
        leads = self.env["crm.lead"].with_context(active_test=False).search(action["domain"])
        self.assertEqual(leads, self.proof)
        self.euro.expected_revenue = 1_500
        _movement, summary = self.movement(team_id=self.europe.id, snapshot_id=self.snapshot_eu.id)
        self.assertEqual(summary["grew"]["value"], 1_000, "500 EUR at 2 USD")

    def test_only_managers_take_snapshots_and_reps_see_their_own_lines(self):
        Snapshot = self.env["crm.forecast.snapshot"]
        with self.assertRaises(AccessError):
            Snapshot.with_user(self.rita).action_take_snapshot()
        Snapshot.with_user(self.manager).with_context(
            allowed_company_ids=self.manager.company_ids.ids
        ).action_take_snapshot()
        lines = (
            self.env["crm.forecast.snapshot.line"]
            .with_user(self.rita)
            .search([("snapshot_id", "=", self.snapshot.id)])
        )
        self.assertEqual(set(lines.user_id.ids), {self.rita.id})
        movement, _summary = self.movement(user=self.rita)
        self.assertTrue(movement["lines"])
        self.assertEqual({line["user"] for line in movement["lines"]}, {"Rita East"})
