"""A salesperson reads no churn score of a customer they may not read, over JSON-RPC with their
own session (from the third review's probes): the opportunity form's onchange computes the
customer's score of any customer id it is given, another company's customers' included."""

from datetime import datetime

from odoo.tests import new_test_user, tagged

from .common import RpcCase


@tagged("post_install", "-at_install")
class TestChurnScoreAcrossCompanies(RpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_b = cls.env["res.company"].create({"name": "Harbour Works Ltd"})
        cls.rep = new_test_user(
            cls.env, login="churn_r3_rep", groups="sales_team.group_sale_salesman"
        )
        Partner = cls.env["res.partner"]
        cls.own = Partner.create({"name": "Kestrel Mills", "is_company": True})
        cls.foreign = Partner.create(
            {"name": "Harbour Cranes", "is_company": True, "company_id": company_b.id}
        )
        cls.env["crm.churn.score"].create(
            [
                {"partner_id": partner.id, "score": score, "scored_at": datetime(2026, 11, 15)}
                for partner, score in ((cls.own, 45.0), (cls.foreign, 91.0))
            ]
        )
        # crm computes the contact fields from the customer as superuser (stored fields): asked
        # first, they put the customer in the cache before the score is read.
        cls.spec = {
            "partner_id": {},
            "email_from": {},
            "phone": {},
            "partner_name": {},
            "partner_churn_score": {},
            "partner_churn_risk": {},
        }

    def onchange(self, partner):
        answer = self.call_kw(
            "churn_r3_rep",
            "crm.lead",
            "onchange",
            [[], {"partner_id": partner.id}, ["partner_id"], self.spec],
        )
        return answer.get("result", {}).get("value", {}), answer

    def test_no_score_of_another_companys_customer(self):
        self.assertEqual(self.foreign.churn_risk, "high")
        value, answer = self.onchange(self.foreign)
        self.assertNotIn(91.0, (value.get("partner_churn_score"),), answer)
        self.assertFalse(value.get("partner_churn_risk"), answer)
        # Their own company's customer: the score shows, as on a saved opportunity.
        value, answer = self.onchange(self.own)
        self.assertEqual(
            (value.get("partner_churn_score"), value.get("partner_churn_risk")),
            (45.0, "medium"),
            answer,
        )
        lead = self.env["crm.lead"].create(
            {"name": "Kestrel renewal", "partner_id": self.own.id, "user_id": self.rep.id}
        )
        answer = self.call_kw(
            "churn_r3_rep", "crm.lead", "read", [lead.ids, ["partner_churn_risk"]]
        )
        self.assertEqual(answer["result"][0]["partner_churn_risk"], "medium")
        answer = self.call_kw(
            "churn_r3_rep",
            "crm.lead",
            "search_count",
            [[("id", "=", lead.id), ("partner_churn_risk", "=", "medium")]],
        )
        self.assertEqual(answer["result"], 1, "still searchable")
