"""A customer's churn score, risk and reasons are for sales, over JSON-RPC with the user's own
session (the fifth review's probe): a user of another app who may read contacts, or the
customer itself through the portal, read neither the current score on the contact nor search
or group contacts by it - as the score history, which only salespeople and Sales Managers read."""

from datetime import datetime

from odoo.tests import new_test_user, tagged

from .common import RpcCase

CHURN_FIELDS = ["churn_score", "churn_risk", "churn_drivers_text", "company_churn_risk"]


@tagged("post_install", "-at_install")
class TestChurnScoreIsForSales(RpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="churn_r5_clerk", groups="base.group_user")
        new_test_user(cls.env, login="churn_r5_rep", groups="sales_team.group_sale_salesman")
        portal = new_test_user(cls.env, login="churn_r5_portal", groups="base.group_portal")
        cls.customer = portal.partner_id
        cls.env["crm.churn.score"].create(
            {
                "partner_id": cls.customer.id,
                "score": 91.0,
                "scored_at": datetime(2026, 11, 15),
                "drivers": [
                    {"feature": "recency_days", "label": "No order for 200 days", "impact": 30.0}
                ],
            }
        )

    def test_only_sales_read_the_score(self):
        self.assertEqual(self.customer.churn_risk, "high")
        for login in ("churn_r5_clerk", "churn_r5_portal"):
            answer = self.call_kw(login, "res.partner", "read", [self.customer.ids, CHURN_FIELDS])
            self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
            self.assertNotIn("200 days", str(answer))
            for method, args in (
                ("search_count", [[("churn_risk", "=", "high")]]),
                ("read_group", [[], ["churn_score:max"], ["churn_risk"]]),
            ):
                answer = self.call_kw(login, "res.partner", method, args)
                self.assertEqual(
                    answer["error"]["data"]["name"], "odoo.exceptions.AccessError", (login, method)
                )
            # The fields are not even theirs to know of (nor in their views).
            answer = self.call_kw(login, "res.partner", "fields_get", [], {"attributes": ["type"]})
            self.assertFalse(set(CHURN_FIELDS) & set(answer["result"]), login)
        answer = self.call_kw(
            "churn_r5_rep", "res.partner", "read", [self.customer.ids, CHURN_FIELDS]
        )
        row = answer["result"][0]
        self.assertEqual((row["churn_score"], row["churn_risk"]), (91.0, "high"))
        self.assertIn("No order for 200 days", row["churn_drivers_text"])
