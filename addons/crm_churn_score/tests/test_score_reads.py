from datetime import datetime

from odoo.tests import TransactionCase, new_test_user, tagged

DETAILS = ("churn_scored_at", "churn_model_version", "churn_score_change", "churn_drivers")


@tagged("post_install", "-at_install")
class TestScoreReads(TransactionCase):
    """A contact read for its name (in a message, on a deal, in a conversion's log) does not
    read the details of its churn score with it - Odoo checks the groups of every field it
    reads with a contact, at every such read -, while the pipeline's cards still get the risk
    with the contact, and the contact's form the details in its own read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, login="churn_reads_rep", groups="sales_team.group_sale_salesman"
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Osprey Foundry", "is_company": True, "user_id": cls.rep.id}
        )
        cls.env["crm.churn.score"].create(
            [
                {
                    "partner_id": cls.customer.id,
                    "score": score,
                    "scored_at": datetime(2026, 11, day, 2, 0),
                    "run_id": f"reads-{day}",
                    "model_version": "rfm-2.1",
                    "drivers": [{"feature": "orders", "label": "Fewer orders", "impact": 0.6}],
                }
                for score, day in ((40.0, 1), (82.0, 8))
            ]
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Osprey furnace",
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "user_id": cls.rep.id,
            }
        )

    def test_a_contacts_name_reads_the_risk_but_not_the_details(self):
        customer = self.customer.with_user(self.rep)
        self.env.invalidate_all()
        self.assertEqual(customer.name, "Osprey Foundry")
        cache = customer.env.cache
        for name in ("churn_score", "churn_risk"):
            self.assertTrue(cache.contains(customer, customer._fields[name]), name)
        for name in DETAILS:
            self.assertFalse(cache.contains(customer, customer._fields[name]), name)
        # The form reads the details it shows, in one query.
        with self.assertQueryCount(1):
            values = customer.web_read(
                {"churn_scored_at": {}, "churn_model_version": {}, "churn_score_change": {}}
            )
        self.assertEqual(
            values,
            [
                {
                    "id": customer.id,
                    "churn_scored_at": datetime(2026, 11, 8, 2, 0),
                    "churn_model_version": "rfm-2.1",
                    "churn_score_change": 42.0,
                }
            ],
        )

    def test_a_card_gets_the_customers_risk_without_a_query(self):
        lead = self.lead.with_user(self.rep)
        self.env.invalidate_all()
        self.assertEqual(lead.partner_id.display_name, "Osprey Foundry")
        with self.assertQueryCount(0):
            self.assertEqual(lead.partner_churn_risk, "high")
            self.assertEqual(lead.partner_churn_score, 82.0)
