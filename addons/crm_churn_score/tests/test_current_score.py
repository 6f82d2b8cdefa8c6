from datetime import datetime

from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import RpcCase

REFUSED = (
    "These fields are set by the server and cannot be changed: %s. "
    "The churn score of a customer comes from the scoring job."
)


@tagged("post_install", "-at_install")
class TestCurrentScore(RpcCase):
    """The current score of a customer is its latest kept history row, written by the sync
    only: attacked over JSON-RPC by a salesperson, a sales manager and an administrator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, login="churn_rpc_rep", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, login="churn_rpc_manager", groups="sales_team.group_sale_manager"
        )
        cls.admin = new_test_user(
            cls.env,
            login="churn_rpc_admin",
            groups="base.group_system,base.group_partner_manager,sales_team.group_sale_manager",
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Kestrel Mills", "is_company": True, "user_id": cls.rep.id}
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Kim Kestrel", "parent_id": cls.customer.id}
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Kestrel renewal",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.rep.id,
            }
        )
        Score = cls.env["crm.churn.score"]
        cls.scores = Score.create(
            [
                {
                    "partner_id": cls.customer.id,
                    "score": score,
                    "scored_at": datetime(2026, 11, day, 2, 0),
                    "run_id": f"run-{day}",
                    "model_version": "rfm-1.0",
                }
                for score, day in ((20.0, 1), (55.0, 8), (91.0, 15))
            ]
        )

    def current(self):
        partner = self.customer
        return (
            partner.churn_score,
            partner.churn_risk,
            partner.churn_scored_at,
            partner.churn_score_change,
        )

    @mute_logger("odoo.http")
    def test_nobody_writes_the_current_score(self):
        before = self.current()
        self.assertEqual(before, (91.0, "high", datetime(2026, 11, 15, 2, 0), 36.0))
        attacks = [
            (
                self.rep,
                "res.partner",
                [[self.customer.id], {"churn_score": 10, "churn_risk": "low", "comment": "ok"}],
                "Churn Risk, Churn Score",
            ),
            (
                self.rep,
                "res.partner",
                [[self.contact.id], {"company_churn_risk": "low"}],
                "Company Churn Risk",
            ),
            (
                self.rep,
                "crm.lead",
                [[self.lead.id], {"partner_churn_score": 5.0}],
                "Customer Churn Score",
            ),
            (
                self.manager,
                "res.partner",
                [[self.customer.id], {"churn_drivers": []}],
                "Churn Drivers",
            ),
            (
                self.admin,
                "res.partner",
                [[self.customer.id], {"churn_scored_at": "2030-01-01"}],
                "Churn Scored On",
            ),
        ]
        for user, model, args, labels in attacks:
            with self.subTest(user=user.login, model=model, values=args[1]):
                answer = self.call_kw(user.login, model, "write", args)
                self.assertRefused(answer, "AccessError", REFUSED % labels)
                self.assertEqual(self.current(), before)
        self.assertFalse(self.customer.comment)
        # A client's context gives no default to the score either.
        created = self.call_kw(
            self.rep.login,
            "res.partner",
            "create",
            [{"name": "Default Low Risk Ltd", "is_company": True}],
            {"context": {"default_churn_risk": "low", "default_churn_score": 1.0}},
        )
        partner = self.env["res.partner"].browse(created["result"])
        self.assertEqual((partner.churn_risk, partner.churn_score), (False, 0.0))
        created = self.call_kw(
            self.rep.login,
            "res.partner",
            "create",
            [{"name": "Fake Low Risk Ltd", "is_company": True, "churn_risk": "low"}],
        )
        self.assertRefused(created, "AccessError", REFUSED % "Churn Risk")
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Fake Low Risk Ltd")]))
        created = self.call_kw(
            self.rep.login,
            "crm.lead",
            "create",
            [{"name": "Fake lead", "partner_id": self.customer.id, "partner_churn_risk": "low"}],
        )
        self.assertRefused(created, "AccessError", REFUSED % "Customer Churn Risk")
        self.assertEqual(self.current(), before)

    def test_a_copied_customer_starts_without_a_score(self):
        answer = self.call_kw(self.rep.login, "res.partner", "copy", [[self.customer.id]])
        copy = self.env["res.partner"].browse(answer["result"])
        self.assertEqual(
            (copy.churn_score, copy.churn_risk, copy.churn_scored_at), (0, False, False)
        )
        self.assertEqual(self.customer.churn_score, 91.0)

    @mute_logger("odoo.http")
    def test_deleting_the_latest_score_moves_the_customer_back(self):
        latest = self.scores[2]
        refused = self.call_kw(self.rep.login, "crm.churn.score", "unlink", [latest.ids])
        self.assertEqual(refused["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertTrue(latest.exists())
        answer = self.call_kw(self.manager.login, "crm.churn.score", "unlink", [latest.ids])
        self.assertIs(answer["result"], True)
        self.assertEqual(self.current(), (55.0, "medium", datetime(2026, 11, 8, 2, 0), 35.0))
        self.assertIn(
            self.customer, self.env["res.partner"].search([("churn_risk", "=", "medium")])
        )
        self.call_kw(self.manager.login, "crm.churn.score", "unlink", [self.scores[:2].ids])
        self.assertEqual(self.current(), (0.0, False, False, 0.0))
        self.assertFalse(self.contact.company_churn_risk)

    def test_an_administrator_correcting_a_history_row_moves_the_current_score(self):
        answer = self.call_kw(
            self.admin.login, "crm.churn.score", "write", [self.scores[2].ids, {"score": 30.0}]
        )
        self.assertIs(answer["result"], True)
        self.assertEqual(self.scores[2].risk, "low", "the risk follows the corrected score")
        self.assertEqual(self.current()[:2], (30.0, "low"))
        self.call_kw(
            self.admin.login,
            "crm.churn.score",
            "write",
            [self.scores[0].ids, {"scored_at": "2026-11-20 02:00:00"}],
        )
        self.assertEqual(self.current()[:2], (20.0, "low"), "now the latest row")

    def test_merging_customers_keeps_the_latest_score_of_their_histories(self):
        duplicate = self.env["res.partner"].create(
            {"name": "Kestrel Mills Ltd", "is_company": True}
        )
        self.env["crm.churn.score"].create(
            {"partner_id": duplicate.id, "score": 12.0, "scored_at": datetime(2026, 11, 20, 2, 0)}
        )
        self.assertEqual(duplicate.churn_risk, "low")
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.admin)
            .create(
                {
                    "partner_ids": [(6, 0, (self.customer | duplicate).ids)],
                    "dst_partner_id": self.customer.id,
                }
            )
        )
        wizard.action_merge()
        self.assertFalse(duplicate.exists())
        self.assertEqual(len(self.customer.churn_score_ids), 4)
        self.assertEqual(self.current()[:2], (12.0, "low"), "the merged history's latest row")
