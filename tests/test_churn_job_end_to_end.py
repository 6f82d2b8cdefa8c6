"""The reference scoring job (scoring_job/) against the addon: a repository-level test, so that
the addon's own tests import nothing from outside the addon."""

import importlib
import sys
from datetime import datetime, timedelta
from pathlib import Path

import requests

from odoo.addons.crm_churn_score.tests.common import PushCase
from odoo.tests import new_test_user, tagged

JOB_DIR = Path(__file__).resolve().parents[1] / "scoring_job"


@tagged("post_install", "-at_install")
class TestScoringJobEndToEnd(PushCase):
    """The reference scoring job, run against this database: reads over JSON-RPC with a
    reader's API key, scores, pushes with the sync user's key; the scores land on partners."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if str(JOB_DIR) not in sys.path:
            sys.path.insert(0, str(JOB_DIR))
        cls.cli = importlib.import_module("churn_job.cli")
        cls.reader = new_test_user(
            cls.env, login="churn_reader", groups="sales_team.group_sale_salesman_all_leads"
        )
        cls.reader_key = cls._api_key(cls.reader)
        won = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        today = datetime(2026, 11, 23)

        def deal(partner, days_ago, revenue):
            lead = cls.env["crm.lead"].create(
                {
                    "name": f"Deal {partner.name} {days_ago}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "expected_revenue": revenue,
                    "stage_id": won.id,
                }
            )
            lead.date_closed = today - timedelta(days=days_ago)

        for days_ago in (10, 40, 75, 120, 150, 200, 250, 300):
            deal(cls.acme, days_ago, 20_000)  # a loyal, growing customer
        deal(cls.bolt, 420, 5_000)  # one old purchase: about to leave

    def test_job_scores_customers_and_pushes_them_into_odoo(self):
        args = self.cli.build_parser().parse_args(
            [
                "--url", self.base_url(),
                "--db", self.env.cr.dbname,
                "--login", self.reader.login,
                "--secret", self.reader_key,
                "--push-key", self.key,
                "--source", "crm.lead",
                "--as-of", "2026-11-23",
                "--run-id", "e2e-run",
            ]
        )  # fmt: skip
        summary = self.cli.run(args, session=requests.Session())
        self.env.invalidate_all()
        self.assertGreaterEqual(summary["customers"], 2)
        self.assertEqual(summary["rejected"], 0, summary.get("errors"))
        self.assertEqual(summary["created"], summary["customers"])
        self.assertEqual(self.bolt.churn_risk, "high")
        self.assertLess(self.acme.churn_score, 40)
        self.assertIn("No purchase for 420 days", self.bolt.churn_drivers_text)
        self.assertEqual(self.bolt.churn_model_version, "rfm-1.0")
        run = self.env["crm.churn.sync.run"].search([("run_id", "=", "e2e-run")])
        self.assertEqual(run.user_id, self.sync_user)
        again = self.cli.run(args, session=requests.Session())
        self.assertEqual((again["created"], again["unchanged"]), (0, summary["customers"]))
