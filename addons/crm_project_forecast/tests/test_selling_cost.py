from odoo.addons.crm_project_stages.tests.common import JsonRpcMixin
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .forecast_common import Q2, ForecastCase


@tagged("post_install", "-at_install")
class TestSellingCost(ForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Cost = cls.env["crm.lead.cost"]
        Cost.create(
            [
                {
                    "lead_id": cls.tender.id,
                    "name": "Site visit",
                    "cost_type": "travel",
                    "date": "2030-04-10",
                    "amount": 1_000,
                },
                {
                    "lead_id": cls.proof.id,
                    "name": "Proof of concept servers",
                    "cost_type": "demo",
                    "date": "2030-05-01",
                    "amount": 2_500,
                },
                {
                    "lead_id": cls.proof.id,
                    "name": "Next quarter",
                    "cost_type": "other",
                    "date": "2030-07-02",
                    "amount": 999,
                },
                {
                    "lead_id": cls.euro.id,
                    "name": "Dinner",
                    "cost_type": "entertainment",
                    "date": "2030-06-01",
                    "amount": 100,
                },
            ]
        )
        cls.meeting = cls.env["mail.activity.type"].create(
            {"name": "Customer workshop", "crm_selling_cost": 150}
        )
        cls.free = cls.env["mail.activity.type"].create({"name": "Quick call"})
        for activity_type in (cls.meeting, cls.free):
            activity = cls.tender.activity_schedule(
                activity_type_id=activity_type.id, user_id=cls.rita.id
            )
            activity.action_feedback(feedback="Done")
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE mail_message SET date = '2030-05-12 10:00' WHERE model = 'crm.lead' "
            "AND res_id = %s AND mail_activity_type_id IS NOT NULL",
            [cls.tender.id],
        )
        cls.env.invalidate_all()

    def test_cost_of_selling_per_team_against_budget(self):
        cost = self.data()["selling_cost"]
        rows = {row["name"]: row for row in cost["rows"]}
        self.assertEqual(set(rows), {"East", "Europe"})
        east = rows["East"]
        self.assertEqual((east["cost"], east["won_count"], east["won"]), (3_650, 1, 80_000))
        self.assertEqual(east["cost_per_won"], 3_650)
        self.assertAlmostEqual(east["cost_ratio"], 100 * 3_650 / 80_000)
        self.assertEqual(east["budget"], 6_000)
        self.assertAlmostEqual(east["budget_used"], 100 * 3_650 / 6_000)
        self.assertEqual(rows["Europe"]["cost"], 200, "100 EUR at 2 USD")
        self.assertIsNone(rows["Europe"]["cost_per_won"], "no deal won: no cost per won deal")
        total = cost["total"]
        self.assertEqual((total["cost"], total["won_count"], total["budget"]), (3_850, 1, 6_000))
        self.assertAlmostEqual(total["cost_ratio"], 100 * 3_850 / 80_000)

    def test_cost_per_opportunity_and_drill_down(self):
        self.assertEqual(self.tender.selling_cost, 1_000 + 150)
        self.assertEqual(self.proof.selling_cost, 2_500 + 999)
        action = self.tender.action_open_selling_cost()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(sorted(lines.mapped("cost_source")), ["activity", "expense"])
        action = self.dashboard().action_drill(Q2, "cost", {"team_id": self.east.id})
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(sum(lines.mapped("amount")), 3_650)

    def test_an_activity_types_name_reads_no_cost(self):
        """An activity type read for its name (an activity on a card, a message) does not read
        its cost with it - Odoo checks the cost's groups at every read of the fields read
        together -; the type's form reads the cost in a query of its own."""
        meeting = self.meeting.with_user(self.manager)
        self.env.invalidate_all()
        self.assertEqual(meeting.name, "Customer workshop")
        self.assertFalse(
            meeting.env.cache.contains(meeting, meeting._fields["crm_selling_cost"]),
            "the cost was read with the name",
        )
        with self.assertQueryCount(1):
            values = meeting.web_read({"crm_selling_cost": {}})
        self.assertEqual(values, [{"id": meeting.id, "crm_selling_cost": 150}])

    def test_reps_enter_expenses_on_their_own_opportunities(self):
        # Selling Expenses on the form: the expenses of the opportunity, in a list of their own.
        action = self.contact.with_user(self.raul).action_open_selling_expenses()
        Cost = self.env["crm.lead.cost"].with_user(self.raul).with_context(**action["context"])
        with Form(Cost) as line:
            line.name = "Taxi"
            line.cost_type = "travel"
            line.amount = 42
        self.assertEqual(self.contact.cost_ids.mapped("amount"), [42])
        self.assertEqual(Cost.search(action["domain"]), self.contact.cost_ids)
        with self.assertRaises(AccessError):
            self.tender.with_user(self.raul).action_open_selling_expenses()
        with self.assertRaises(AccessError):
            self.env["crm.lead.cost"].with_user(self.raul).create(
                {"lead_id": self.tender.id, "name": "Not mine", "amount": 5}
            )
        visible = self.env["crm.lead.cost"].with_user(self.raul).search([])
        self.assertEqual(visible.lead_id, self.contact)
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.env["crm.lead.cost"].create({"lead_id": self.tender.id, "name": "x", "amount": -1})


@tagged("post_install", "-at_install")
class TestMergeKeepsExpenses(JsonRpcMixin, HttpCase, ForecastCase):
    def test_merging_a_duplicate_keeps_its_expenses(self):
        """Rita merges a duplicate into her deal (crm's *Merge* wizard, over JSON-RPC): crm
        deletes the duplicate, its selling expenses come to the kept deal and count in its
        cost of selling."""
        duplicate = self._lead(
            "Tender deal (duplicate)", self.rita, self.east, "contact", 0, "2030-05-15"
        )
        expense = self.env["crm.lead.cost"].create(
            {"lead_id": duplicate.id, "name": "Flights to the site", "amount": 1_200}
        )
        before = self.tender.selling_cost
        context = {"allowed_company_ids": self.company.ids}
        wizard = self.rpc(
            "fc_rita",
            "crm.merge.opportunity",
            "create",
            {
                "opportunity_ids": [[6, 0, [self.tender.id, duplicate.id]]],
                "user_id": self.rita.id,
                "team_id": self.east.id,
            },
            context=context,
        )["result"]
        answer = self.rpc(
            "fc_rita", "crm.merge.opportunity", "action_merge", [wizard], context=context
        )
        self.assertNotIn("error", answer, answer.get("error"))
        self.env.invalidate_all()
        self.assertFalse(duplicate.exists())
        self.assertEqual(expense.lead_id, self.tender)
        self.assertEqual(self.tender.selling_cost, before + 1_200)
