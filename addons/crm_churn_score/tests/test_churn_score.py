from datetime import datetime

from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestChurnScore(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Harbour Freight Ltd", "is_company": True}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Lin Chen", "parent_id": cls.customer.id}
        )
        cls.Score = cls.env["crm.churn.score"]

    def _score(self, score, when, run, **vals):
        return self.Score.create(
            {
                "partner_id": self.customer.id,
                "score": score,
                "scored_at": when,
                "run_id": run,
                "model_version": "rfm-1.0",
                **vals,
            }
        )

    def test_scores_are_kept_and_the_latest_is_current(self):
        self._score(30.0, datetime(2026, 1, 5), "run-1")
        second = self._score(
            72.5,
            datetime(2026, 2, 5),
            "run-2",
            drivers=[{"feature": "recency_days", "label": "No order for 90 days", "impact": 21.0}],
        )
        self.assertEqual(second.risk, "high", "70 and above is high by default")
        self.assertEqual(self.customer.churn_score, 72.5)
        self.assertEqual(self.customer.churn_risk, "high")
        self.assertEqual(self.customer.churn_scored_at, datetime(2026, 2, 5))
        self.assertEqual(self.customer.churn_score_change, 42.5)
        self.assertEqual(len(self.customer.churn_score_ids), 2)
        self.assertIn("No order for 90 days (+21.0)", second.drivers_text)
        # An older score arriving late is history, not the current score.
        self._score(10.0, datetime(2026, 1, 20), "run-late")
        self.assertEqual(self.customer.churn_score, 72.5)
        self.assertEqual(len(self.customer.churn_score_ids), 3)

    def test_trend_of_a_contact_shows_its_company_scores(self):
        self._score(30.0, datetime(2026, 1, 5), "run-1")
        self._score(60.0, datetime(2026, 2, 5), "run-2")
        action = self.contact.action_view_churn_trend()
        self.assertEqual(action["views"][0][1], "graph")
        scores = self.env["crm.churn.score"].search(action["domain"])
        self.assertEqual(sorted(scores.mapped("score")), [30.0, 60.0])

    def test_contacts_show_their_company_score(self):
        self._score(55.0, datetime(2026, 3, 1), "run-1")
        self.assertEqual(self.contact.company_churn_score, 55.0)
        self.assertEqual(self.contact.company_churn_risk, "medium")

    def test_thresholds_are_configurable(self):
        self.env["ir.config_parameter"].sudo().set_param("crm_churn_score.threshold_high", "50")
        self.assertEqual(self._score(55.0, datetime(2026, 3, 1), "run-1").risk, "high")

    def test_scores_belong_to_the_company_not_a_contact(self):
        with self.assertRaisesRegex(ValidationError, "Harbour Freight Ltd"):
            self.Score.create(
                {"partner_id": self.contact.id, "score": 40, "scored_at": datetime(2026, 3, 1)}
            )

    @mute_logger("odoo.sql_db")
    def test_score_out_of_range_is_refused(self):
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self._score(101.0, datetime(2026, 3, 1), "run-1")
