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

    def test_no_score_through_a_user_or_a_contact_onchange(self):
        """A user's form (its partner's fields, delegated) and a contact's form (its company's
        score, a related field) compute churn fields from a partner id the onchange is given:
        a salesperson gets none of a partner they may not read (Odoo answers no partner on a
        user, refuses another company's company on a contact); their own company's customer's
        score shows. Probed after the third review noted the user form: it holds."""
        churn = ("churn_score", "churn_risk", "churn_drivers_text")
        churn += ("company_churn_score", "company_churn_risk")
        for model, values in (
            ("res.users", {"partner_id": self.foreign.id}),
            ("res.partner", {"parent_id": self.foreign.id}),
        ):
            fields_spec = {name: {} for name in (*values, *churn)}
            answer = self.call_kw(
                "churn_r3_rep", model, "onchange", [[], values, list(values), fields_spec]
            )
            value = answer.get("result", {}).get("value", {})
            for name, number in (("churn_score", 91.0), ("company_churn_score", 91.0)):
                self.assertNotEqual(value.get(name), number, (model, name, answer))
            for name in ("churn_risk", "company_churn_risk"):
                self.assertNotEqual(value.get(name), "high", (model, name, answer))
        # Their own company's customer as a contact's company: its score shows.
        answer = self.call_kw(
            "churn_r3_rep",
            "res.partner",
            "onchange",
            [
                [],
                {"parent_id": self.own.id},
                ["parent_id"],
                {"parent_id": {}, "company_churn_score": {}},
            ],
        )
        self.assertEqual(answer["result"]["value"].get("company_churn_score"), 45.0, answer)
