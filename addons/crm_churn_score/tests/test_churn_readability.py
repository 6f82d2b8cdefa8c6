"""Whose churn score a salesperson sees: the score of a customer they may read, decided by the
rules of contacts. Odoo's own rule of contacts is checked without Odoo's generic evaluation of
its domain (every pipeline page and stage move reads the customers' risk): the same answer,
whatever the user's companies; a deployment's own rule of contacts goes to Odoo's check."""

from datetime import datetime

from odoo.tests import new_test_user, tagged

from .common import RpcCase


@tagged("post_install", "-at_install")
class TestChurnReadability(RpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.group = Company.create({"name": "Fenwick Group"})
        cls.branch = Company.create({"name": "Fenwick North", "parent_id": cls.group.id})
        cls.other = Company.create({"name": "Saltmarsh Ltd"})
        companies = cls.env.company | cls.branch | cls.other
        cls.rep = new_test_user(
            cls.env,
            login="churn_read_rep",
            groups="sales_team.group_sale_salesman",
            company_id=cls.branch.id,
            company_ids=[(6, 0, companies.ids)],
        )
        colleague = new_test_user(
            cls.env, login="churn_read_colleague", company_id=cls.other.id,
            company_ids=[(6, 0, cls.other.ids)],
        )  # fmt: skip
        Partner = cls.env["res.partner"]
        cls.partners = Partner.create(
            [
                {
                    "name": f"Customer of {company.name}",
                    "is_company": True,
                    "company_id": company.id,
                }
                for company in (cls.env.company, cls.group, cls.branch, cls.other)
            ]
            + [{"name": "Customer of no company", "is_company": True}]
        )
        cls.colleague_partner = colleague.partner_id
        cls.colleague_partner.company_id = cls.other
        cls.partners |= cls.colleague_partner
        cls.secret = Partner.create(
            {"name": "Secret Foundry", "is_company": True, "company_id": cls.branch.id}
        )
        cls.open_customer = Partner.create(
            {"name": "Open Foundry", "is_company": True, "company_id": cls.branch.id}
        )
        cls.env["crm.churn.score"].create(
            [
                {"partner_id": partner.id, "score": 88.0, "scored_at": datetime(2026, 11, 20)}
                for partner in cls.secret | cls.open_customer
            ]
        )

    def hide_secret_customers_from_salespeople(self):
        """A rule of contacts of the deployment's own: no "Secret" customer for salespeople."""
        self.env["ir.rule"].create(
            {
                "name": "No secret customers for salespeople",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "groups": [(4, self.env.ref("sales_team.group_sale_salesman").id)],
                "domain_force": "[('name', 'not ilike', 'Secret')]",
                "perm_read": True,
            }
        )

    def test_same_answer_as_odoos_check(self):
        """For each set of current companies (a branch: its group's customers are readable, not
        its sister companies'), the customers the user may read are those of Odoo's check."""
        rep_partners = self.partners.with_user(self.rep)
        hidden = []
        for current in (
            self.branch,
            self.env.company,
            self.other,
            self.env.company | self.other,
            self.branch | self.env.company | self.other,
        ):
            partners = rep_partners.with_context(allowed_company_ids=current.ids)
            partners.env.invalidate_all()
            readable = partners._readable_under_company_rule()
            self.assertIsNotNone(readable, current.mapped("name"))
            expected = set(partners._filtered_access("read")._ids)
            self.assertEqual(readable, expected, current.mapped("name"))
            hidden.append(len(partners) - len(expected))
        self.assertIn(0, hidden)
        self.assertTrue(any(hidden))
        branch = rep_partners.with_context(allowed_company_ids=self.branch.ids)
        self.assertEqual(
            branch._readable_under_company_rule(),
            {
                partner.id
                for partner in self.partners
                if partner.company_id in (self.group, self.branch, self.env["res.company"])
                or partner == self.colleague_partner
            },
        )

    def test_deployments_own_rule_decides(self):
        """A rule of contacts of the deployment's own (here: no "Secret" customer for
        salespeople) hides the churn risk of the customers it hides, over JSON-RPC."""
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Renewal {partner.name}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": self.rep.id,
                    "company_id": self.branch.id,
                }
                for partner in self.secret | self.open_customer
            ]
        )

        def risks():
            answer = self.call_kw(
                "churn_read_rep",
                "crm.lead",
                "read",
                [leads.ids, ["partner_churn_risk", "partner_churn_score"]],
                {"context": {"allowed_company_ids": self.branch.ids}},
            )
            return [
                (row["partner_churn_risk"], row["partner_churn_score"]) for row in answer["result"]
            ]

        self.assertEqual(risks(), [("high", 88.0), ("high", 88.0)])
        self.hide_secret_customers_from_salespeople()
        rep_partners = (self.secret | self.open_customer).with_user(self.rep)
        self.assertIsNone(rep_partners._readable_under_company_rule())
        self.assertEqual(risks(), [(False, 0.0), ("high", 88.0)])

    def test_deployments_own_rule_hides_the_history_too(self):
        """The same rule hides the customer's score history and its reasons from salespeople and
        Sales Managers, over JSON-RPC: searched, counted by score, read by id, deleted."""
        self.hide_secret_customers_from_salespeople()
        manager = new_test_user(
            self.env,
            login="churn_read_manager",
            groups="sales_team.group_sale_manager",
            company_id=self.branch.id,
            company_ids=[(6, 0, (self.env.company | self.branch).ids)],
        )
        History = self.env["crm.churn.score"]
        secret_row = History.search([("partner_id", "=", self.secret.id)])
        open_row = History.search([("partner_id", "=", self.open_customer.id)])
        context = {"context": {"allowed_company_ids": self.branch.ids}}
        fields = ["partner_id", "score", "drivers_text"]
        both = [("partner_id", "in", (self.secret | self.open_customer).ids)]
        for login in ("churn_read_rep", "churn_read_manager"):
            found = self.call_kw(login, "crm.churn.score", "search_read", [both, fields], context)
            self.assertEqual([row["id"] for row in found["result"]], open_row.ids, login)
            counted = self.call_kw(
                login,
                "crm.churn.score",
                "search_count",
                [[*both, ("score", ">=", 88)]],
                context,
            )
            self.assertEqual(counted["result"], 1, login)
            grouped = self.call_kw(
                login,
                "crm.churn.score",
                "read_group",
                [both, ["score:sum"], ["partner_id"]],
                context,
            )
            self.assertEqual(
                [group["partner_id"][0] for group in grouped["result"]], self.open_customer.ids
            )
            read = self.call_kw(login, "crm.churn.score", "read", [secret_row.ids, fields], context)
            self.assertEqual(read["error"]["data"]["name"], "odoo.exceptions.AccessError", login)
        deleted = self.call_kw(
            "churn_read_manager", "crm.churn.score", "unlink", [secret_row.ids], context
        )
        self.assertEqual(deleted["error"]["data"]["name"], "odoo.exceptions.AccessError")
        self.assertTrue(secret_row.exists())
        self.assertEqual(self.secret.churn_score, 88.0)
        # A customer they may read: its history as before.
        self.assertEqual(
            self.call_kw(
                "churn_read_rep", "crm.churn.score", "read", [open_row.ids, fields], context
            )["result"][0]["score"],
            88.0,
        )
        self.assertTrue(manager)
