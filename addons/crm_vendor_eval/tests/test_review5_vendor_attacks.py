"""From the fifth review's probes, over JSON-RPC with the user's own session: what the context's
``default_<field>`` keys or a saved default give is checked as the values are (a cost line on a
decided evaluation, a link to an opportunity or a template one may not open); a form's onchange
shows no record its links name that the user may not read (another sheet, another evaluation);
a shared template in use by another company's evaluations is that company's too; the template
is fixed once scoring has started, whatever the team; the contact merge's refusal names only
the evaluations the user may open."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AttackMixin, VendorEvalCase

LEAD_REFUSAL = (
    "You can only link an opportunity you can open yourself: the evaluation shows it to "
    "everyone who reads the evaluation."
)
TEMPLATE_REFUSAL = "You can only use a template you can open yourself."


@tagged("post_install", "-at_install")
class TestReview5VendorAttacks(AttackMixin, HttpCase, VendorEvalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Harbour Works Ltd"})
        cls.manager_b = new_test_user(
            cls.env,
            login="ve_manager_b",
            name="Bea Manager",
            groups="crm_vendor_eval.crm_vendor_eval_group_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.carol = new_test_user(
            cls.env, login="ve_carol", groups="crm_vendor_eval.crm_vendor_eval_group_member"
        )
        cls.lead = cls.env["crm.lead"].create({"name": "Secret merger deal", "type": "opportunity"})

    def test_a_default_adds_no_cost_line_to_a_decided_evaluation(self):
        decided = self._decided()
        Offer = self.env["crm.vendor.eval.offer"]
        costs = "“CRM selection” is decided: reopen it to change its costs."
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            {"vendor_id": self.v2.id, "licence_cost": 999_999},
            context={"default_evaluation_id": decided.id},
        )
        self.assertRefused(reply, "UserError", costs)
        # A default saved for oneself, the same.
        reply = self.rpc(
            "ve_manager",
            "ir.default",
            "set",
            "crm.vendor.eval.offer",
            "evaluation_id",
            decided.id,
            user_id=True,
        )
        self.assertNotIn("error", reply)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            {"vendor_id": self.v2.id, "licence_cost": 999_999},
        )
        self.assertRefused(reply, "UserError", costs)
        self.assertFalse(Offer.search([("evaluation_id", "=", decided.id)]))

    def test_a_default_links_no_opportunity_or_template_one_cannot_open(self):
        Evaluation = self.env["crm.vendor.evaluation"]
        before = Evaluation.search([])
        # The manager has no CRM rights: the context's default or a saved one, refused.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "create",
            {"name": "Peek"},
            context={"default_lead_id": self.lead.id},
        )
        self.assertRefused(reply, "AccessError", LEAD_REFUSAL)
        self.rpc(
            "ve_manager", "ir.default", "set", "crm.vendor.evaluation", "lead_id", self.lead.id,
            user_id=True,
        )  # fmt: skip
        reply = self.rpc("ve_manager", "crm.vendor.evaluation", "create", {"name": "Peek"})
        self.assertRefused(reply, "AccessError", LEAD_REFUSAL)
        # Nor does the form's onchange show the opportunity's name.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "onchange",
            [],
            {"lead_id": self.lead.id},
            [],
            {"lead_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertNotIn("Secret merger deal", str(reply))
        # Nor filled in from the saved default, or the context's.
        for context in ({}, {"default_lead_id": self.lead.id}):
            reply = self.rpc(
                "ve_manager",
                "crm.vendor.evaluation",
                "onchange",
                [],
                {},
                [],
                {"lead_id": {"fields": {"display_name": {}}}},
                context=context,
            )
            self.assertRefused(
                reply,
                "AccessError",
                "Opportunity: you can only choose a record you can open yourself.",
            )
        # Company A's own template, to a manager of company B: not used, not shown.
        self.template.company_id = self.company_a
        reply = self.rpc(
            "ve_manager_b",
            "crm.vendor.evaluation",
            "create",
            {"name": "Harbour look", "template_id": self.template.id},
        )
        self.assertRefused(reply, "AccessError", TEMPLATE_REFUSAL)
        reply = self.rpc(
            "ve_manager_b",
            "crm.vendor.evaluation",
            "onchange",
            [],
            {"template_id": self.template.id},
            [],
            {"template_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertNotIn("Small template", str(reply))
        for model, vals in (
            ("crm.vendor.evaluation", {}),
            ("crm.vendor.eval.category", {}),
        ):
            reply = self.rpc(
                "ve_manager_b",
                model,
                "onchange",
                [],
                vals,
                [],
                {"template_id": {"fields": {"display_name": {}}}},
                context={"default_template_id": self.template.id},
            )
            self.assertEqual(reply["error"], "AccessError", model)
            self.assertNotIn("Small template", str(reply))
        reply = self.rpc(
            "ve_manager_b",
            "crm.vendor.eval.criterion",
            "onchange",
            [],
            {"category_id": self.cat_a.id},
            [],
            {"category_id": {"fields": {"display_name": {}}}, "template_id": {}},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertNotIn("Small template", str(reply))
        self.assertEqual(Evaluation.search([]), before, "nothing created")

    def test_the_confirmation_is_not_pointed_at_another_sheet(self):
        mine = self._evaluation(name="Carol's", member_ids=[Command.set(self.carol.ids)])
        others = self._evaluation(name="Replace Nimbus CRM")
        carol_sheet = mine.assignment_ids
        alice_sheet = others.assignment_ids.filtered(lambda sheet: sheet.user_id == self.alice)
        reply = self.rpc(
            "ve_carol", "crm.vendor.eval.submit", "create", {"assignment_id": carol_sheet.id}
        )
        wizard = self.env["crm.vendor.eval.submit"].browse(reply["result"])
        reply = self.rpc(
            "ve_carol",
            "crm.vendor.eval.submit",
            "write",
            wizard.ids,
            {"assignment_id": alice_sheet.id},
        )
        self.assertRefused(reply, "AccessError", "Only the evaluator can submit their scores.")
        self.assertEqual(wizard.assignment_id, carol_sheet)
        reply = self.rpc(
            "ve_carol",
            "crm.vendor.eval.submit",
            "onchange",
            [],
            {"assignment_id": alice_sheet.id},
            [],
            {"assignment_id": {"fields": {"display_name": {}}}},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertNotIn("Replace Nimbus CRM", str(reply))
        # A new sheet's form, pointed at another evaluation: its name and status not shown.
        reply = self.rpc(
            "ve_carol",
            "crm.vendor.eval.assignment",
            "onchange",
            [],
            {"evaluation_id": others.id},
            [],
            {"evaluation_id": {"fields": {"display_name": {}}}, "evaluation_state": {}},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertNotIn("Replace Nimbus CRM", str(reply))
        # Nor a cost line's or a result's form, pointed at it or given it as a default.
        for model, vals, context in (
            ("crm.vendor.eval.offer", {}, {"default_evaluation_id": others.id}),
            ("crm.vendor.eval.result", {"evaluation_id": others.id}, {}),
        ):
            reply = self.rpc(
                "ve_carol",
                model,
                "onchange",
                [],
                vals,
                [],
                {"evaluation_id": {"fields": {"display_name": {}}}},
                context=context,
            )
            self.assertEqual(reply["error"], "AccessError", model)
            self.assertNotIn("Replace Nimbus CRM", str(reply))
        # Her own, as before.
        reply = self.rpc(
            "ve_carol",
            "crm.vendor.eval.submit",
            "onchange",
            [],
            {"assignment_id": carol_sheet.id},
            [],
            {"assignment_id": {"fields": {"display_name": {}}}, "line_count": {}},
        )
        self.assertEqual(reply["result"]["value"]["line_count"], 6)

    def test_a_shared_template_in_use_is_not_changed_by_another_company(self):
        self._evaluation()  # company A's evaluation, on the shared template
        before = self.snapshot(self.template)
        refusal = (
            "YourCompany is not one of your companies: “Small template” cannot belong to it or "
            "apply in it. Ask a user of YourCompany to set it up."
        )
        for vals in ({"company_id": self.company_b.id}, {"name": "Harbour's now"}):
            reply = self.rpc(
                "ve_manager_b", "crm.vendor.eval.template", "write", self.template.ids, vals
            )
            self.assertRefused(reply, "AccessError", refusal)
        self.assertEqual(self.snapshot(self.template), before)
        # Nor through its categories and criteria, which company A's sheets show.
        categories = self.snapshot(self.template.category_ids)
        criteria = self.snapshot(self.template.category_ids.criterion_ids)
        for model, method, args in (
            ("crm.vendor.eval.category", "write", [self.cat_a.ids, {"name": "Harbour's"}]),
            ("crm.vendor.eval.criterion", "write", [self.a1.ids, {"guide": "Harbour's guide"}]),
            ("crm.vendor.eval.criterion", "write", [self.a2.ids, {"active": False}]),
            ("crm.vendor.eval.criterion", "create", [{"name": "c9", "category_id": self.cat_a.id}]),
            (
                "crm.vendor.eval.category",
                "create",
                [{"name": "C", "template_id": self.template.id, "weight": 0}],
            ),
        ):
            reply = self.rpc("ve_manager_b", model, method, *args)
            self.assertEqual(reply["error"], "AccessError", (model, method))
            self.assertIn("YourCompany is not one of your companies", reply["message"])
        self.assertEqual(self.snapshot(self.template.category_ids), categories)
        self.assertEqual(self.snapshot(self.template.category_ids.criterion_ids), criteria)
        # Unused, it is everyone's to set up.
        spare = self.template.copy({"name": "Spare template"})
        reply = self.rpc(
            "ve_manager_b",
            "crm.vendor.eval.template",
            "write",
            spare.ids,
            {"company_id": self.company_b.id},
        )
        self.assertEqual(reply, {"result": True})

    def test_the_template_stays_once_scoring_has_started(self):
        evaluation = self._evaluation()
        other = self.template.copy({"name": "Other template"})
        refusal = "The template of “CRM selection” cannot change once scoring has started."
        # Emptying the team first (which takes the sheets away) does not free it.
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            evaluation.ids,
            {"member_ids": [Command.clear()]},
        )
        self.assertNotIn("error", reply)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            evaluation.ids,
            {"template_id": other.id},
        )
        self.assertRefused(reply, "UserError", refusal)
        self.assertEqual((evaluation.template_id, evaluation.state), (self.template, "scoring"))

    def test_the_merge_refusal_names_only_evaluations_one_may_open(self):
        self._evaluation(name="Confidential CRM selection")
        new_test_user(
            self.env,
            login="ve_merger",
            groups="base.group_user,base.group_partner_manager",
        )
        reply = self.rpc(
            "ve_merger",
            "base.partner.merge.automatic.wizard",
            "create",
            {"partner_ids": [Command.set((self.v1 | self.v2).ids)], "dst_partner_id": self.v1.id},
        )
        reply = self.rpc(
            "ve_merger", "base.partner.merge.automatic.wizard", "action_merge", [reply["result"]]
        )
        self.assertEqual(reply["error"], "UserError")
        self.assertIn("evaluations you cannot open", reply["message"])
        self.assertNotIn("Confidential", reply["message"])
        self.assertTrue(self.v2.exists())
        # To an Evaluation Manager, it is named.
        new_test_user(
            self.env,
            login="ve_merger_manager",
            groups="base.group_user,base.group_partner_manager,"
            "crm_vendor_eval.crm_vendor_eval_group_manager",
        )
        reply = self.rpc(
            "ve_merger_manager",
            "base.partner.merge.automatic.wizard",
            "create",
            {"partner_ids": [Command.set((self.v1 | self.v2).ids)], "dst_partner_id": self.v1.id},
        )
        reply = self.rpc(
            "ve_merger_manager",
            "base.partner.merge.automatic.wizard",
            "action_merge",
            [reply["result"]],
        )
        self.assertIn("“Confidential CRM selection”", reply["message"])
        self.assertNotIn("you cannot open", reply["message"])
