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

    def assertNoFollowupToRep(self, reason):
        """The foreign customer's risk falls, then rises to high with ``reason``: no follow-up
        for the salesperson, who reads no activity telling the reason over JSON-RPC."""
        Score = self.env["crm.churn.score"]
        Score.create(
            {"partner_id": self.foreign.id, "score": 20.0, "scored_at": datetime(2026, 11, 20)}
        )
        Score.create(
            {
                "partner_id": self.foreign.id,
                "score": 93.0,
                "scored_at": datetime(2026, 11, 25),
                "drivers": [{"label": reason, "impact": 30.0}],
            }
        )
        self.assertEqual(self.foreign.churn_risk, "high")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.foreign.id)]
        )
        self.assertNotIn(self.rep, activities.user_id)
        answer = self.call_kw(
            "churn_r3_rep",
            "mail.activity",
            "search_read",
            [[("res_model", "=", "res.partner")], ["summary", "note"]],
        )
        self.assertFalse([row for row in answer["result"] if reason in (row["note"] or "")], answer)

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

    def test_no_score_through_a_contact_made_of_another_companys_customer(self):
        """Anyone may make a contact of another company's customer (the contact has no
        company) and an opportunity of that contact (the fourth review's probes): the
        contact's and the opportunity's churn fields showed the customer's score and risk,
        and the customer's follow-up, with its reasons, went to the salesperson of that
        opportunity. None of it now: the fields are those of no customer, a search finds
        nothing, and the follow-up goes to a salesperson of the customer's company only."""
        contact = self.call_kw(
            "churn_r3_rep",
            "res.partner",
            "create",
            [{"name": "Inside Man", "parent_id": self.foreign.id}],
        )["result"]
        fields = ["company_churn_score", "company_churn_risk", "churn_drivers_text"]
        answer = self.call_kw("churn_r3_rep", "res.partner", "read", [[contact], fields])
        self.assertEqual(
            [answer["result"][0][name] or False for name in fields], [False] * 3, answer
        )
        lead = self.call_kw(
            "churn_r3_rep",
            "crm.lead",
            "create",
            [{"name": "Crane spares", "type": "opportunity", "partner_id": contact}],
        )["result"]
        fields = ["partner_churn_score", "partner_churn_risk"]
        answer = self.call_kw("churn_r3_rep", "crm.lead", "read", [[lead], fields])
        self.assertEqual([answer["result"][0][name] for name in fields], [0.0, False], answer)
        for model, domain in (
            ("crm.lead", [("id", "=", lead), ("partner_churn_risk", "=", "high")]),
            ("crm.lead", [("id", "=", lead), ("partner_churn_score", ">", 90)]),
            ("res.partner", [("id", "=", contact), ("company_churn_risk", "=", "high")]),
            ("res.partner", [("id", "=", contact), ("company_churn_score", ">", 90)]),
        ):
            answer = self.call_kw("churn_r3_rep", model, "search_count", [domain])
            self.assertEqual(answer["result"], 0, (model, domain, answer))
        # The customer's risk falls, then rises to high again, with its reasons.
        self.assertNoFollowupToRep("Confidential: no order for 200 days")
        # An opportunity of the customer's company: its salesperson follows the customer up.
        colleague = new_test_user(
            self.env,
            login="churn_r3_colleague",
            groups="sales_team.group_sale_salesman",
            company_id=self.foreign.company_id.id,
            company_ids=[(6, 0, self.foreign.company_id.ids)],
        )
        self.env["crm.lead"].create(
            {
                "name": "Crane service",
                "partner_id": self.foreign.id,
                "user_id": colleague.id,
                "company_id": self.foreign.company_id.id,
            }
        )
        self.assertEqual(self.foreign.churn_followup_user_id, colleague)

    def test_no_followup_to_a_salesperson_who_may_not_read_the_customer(self):
        """A contact editor may make anyone the salesperson of a customer (here a salesperson
        of both companies makes one of the other company its salesperson, over JSON-RPC): the
        follow-up, with the score and its reasons, went to a salesperson who may not read the
        customer (the fifth review's probe). Now only to one who may."""
        new_test_user(
            self.env,
            login="churn_r3_both",
            groups="sales_team.group_sale_salesman,base.group_partner_manager",
            company_id=self.foreign.company_id.id,
            company_ids=[(6, 0, (self.foreign.company_id | self.env.company).ids)],
        )
        answer = self.call_kw(
            "churn_r3_both",
            "res.partner",
            "write",
            [self.foreign.ids, {"user_id": self.rep.id}],
            {"context": {"allowed_company_ids": self.foreign.company_id.ids}},
        )
        self.assertIs(answer.get("result"), True, answer)
        self.assertEqual(self.foreign.user_id, self.rep)
        self.assertFalse(self.foreign.churn_followup_user_id)
        self.assertNoFollowupToRep("Secret: the plant closes")
        # Their own company's customer: its salesperson is followed up as before.
        self.own.user_id = self.rep
        self.assertEqual(self.own.churn_followup_user_id, self.rep)

    def test_no_score_through_a_saved_default(self):
        """Any user saves defaults of their own for any field (``ir.default``); Odoo added
        them after the create's check: a salesperson gave the customers they create a churn
        score (the fifth review's kind of probe). None now."""
        for name, value in (("churn_score", 5.0), ("churn_risk", "low")):
            answer = self.call_kw(
                "churn_r3_rep", "ir.default", "set", ["res.partner", name, value], {"user_id": True}
            )
            self.assertIs(answer.get("result"), True, answer)
        answer = self.call_kw("churn_r3_rep", "res.partner", "create", [{"name": "Fresh Mills"}])
        partner = self.env["res.partner"].browse(answer["result"])
        self.assertEqual((partner.churn_score, partner.churn_risk), (0.0, False))
