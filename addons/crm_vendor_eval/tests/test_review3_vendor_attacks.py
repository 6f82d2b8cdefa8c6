"""What an evaluation's links do not show, over JSON-RPC with the user's own session (from the
third review's probes): an Evaluation Manager links only an opportunity they may open
themselves (the evaluation shows its name to whoever reads it, so a link to any id would read
the name of any opportunity - another salesperson's, another company's, or any at all for a
manager without CRM rights); the confirmation of *Submit Scores* is of one's own open sheet
only (it shows a sheet's evaluation, evaluator and progress)."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AttackMixin, VendorEvalCase

REFUSAL = (
    "You can only link an opportunity you can open yourself: the evaluation shows it to "
    "everyone who reads the evaluation."
)


@tagged("post_install", "-at_install")
class TestLeadLinkAttacks(AttackMixin, HttpCase, VendorEvalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Harbour Works Ltd"})
        cls.rep = new_test_user(
            cls.env,
            login="ve_rep_manager",
            name="Rae Rep",
            groups="crm_vendor_eval.crm_vendor_eval_group_manager,sales_team.group_sale_salesman",
        )
        other_rep = new_test_user(
            cls.env, login="ve_other_rep", groups="sales_team.group_sale_salesman"
        )
        Lead = cls.env["crm.lead"]
        cls.own = Lead.create(
            {"name": "Own CRM project", "type": "opportunity", "user_id": cls.rep.id}
        )
        cls.others = Lead.create(
            {"name": "Secret merger deal", "type": "opportunity", "user_id": other_rep.id}
        )
        cls.foreign = Lead.create(
            {"name": "Harbour cranes", "type": "opportunity", "company_id": cls.company_b.id}
        )

    def vals(self, lead):
        return {
            "name": "CRM selection",
            "template_id": self.template.id,
            "vendor_ids": [Command.set((self.v1 | self.v2).ids)],
            "lead_id": lead.id,
        }

    def test_an_opportunity_one_cannot_open_is_not_linked(self):
        Evaluation = self.env["crm.vendor.evaluation"]
        draft = Evaluation.with_user(self.rep).create(self.vals(self.own))
        for login, lead in (
            ("ve_manager", self.own),  # no CRM rights at all
            ("ve_rep_manager", self.others),  # another salesperson's
            ("ve_rep_manager", self.foreign),  # another company's
        ):
            reply = self.rpc(login, "crm.vendor.evaluation", "create", self.vals(lead))
            self.assertRefused(reply, "AccessError", REFUSAL)
        for lead in (self.others, self.foreign):
            reply = self.rpc(
                "ve_rep_manager", "crm.vendor.evaluation", "write", [draft.id], {"lead_id": lead.id}
            )
            self.assertRefused(reply, "AccessError", REFUSAL)
        self.assertEqual(draft.lead_id, self.own, "the link is as it was")
        leads = self.own | self.others | self.foreign
        self.assertEqual(
            Evaluation.search([("lead_id", "in", leads.ids)]), draft, "nothing created"
        )
        # Their own opportunity, they link.
        reply = self.rpc("ve_rep_manager", "crm.vendor.evaluation", "create", self.vals(self.own))
        self.assertEqual(Evaluation.browse(reply["result"]).lead_id, self.own)

    def test_an_evaluation_or_template_stays_in_the_managers_companies(self):
        """An Evaluation Manager of one company does not move an evaluation or a template into
        a company that is not theirs (the multi-company rules refuse creating one there, not
        writing the company of one they see): refused, nothing changed; in their own company
        and shared, as before."""
        evaluation = self._evaluation()
        template = self.template
        refusal = (
            "Harbour Works Ltd is not one of your companies: “%s” cannot belong to it or apply "
            "in it. Ask a user of Harbour Works Ltd to set it up."
        )
        for model, record in (
            ("crm.vendor.evaluation", evaluation),
            ("crm.vendor.eval.template", template),
        ):
            before = self.snapshot(record)
            reply = self.rpc(
                "ve_manager", model, "write", record.ids, {"company_id": self.company_b.id}
            )
            self.assertRefused(reply, "AccessError", refusal % record.name)
            self.assertEqual(self.snapshot(record), before)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.template",
            "create",
            {"name": "Harbour template", "company_id": self.company_b.id},
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertFalse(
            self.env["crm.vendor.eval.template"].search([("name", "=", "Harbour template")])
        )
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.template", "write", template.ids, {"company_id": False}
        )
        self.assertEqual(reply, {"result": True})
        self.assertFalse(template.company_id)

    def test_the_refusal_speaks_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_vendor_eval"], ["zh_CN"])
        reply = self.rpc(
            "ve_rep_manager",
            "crm.vendor.evaluation",
            "create",
            self.vals(self.others),
            context={"lang": "zh_CN"},
        )
        refusal = "您只能关联自己可以打开的商机：评估会向所有能查看该评估的人显示它。"  # noqa: RUF001
        self.assertRefused(reply, "AccessError", refusal)


@tagged("post_install", "-at_install")
class TestSubmitConfirmationAttacks(AttackMixin, HttpCase, VendorEvalCase):
    def test_a_confirmation_of_someone_elses_sheet_shows_nothing(self):
        new_test_user(
            self.env, login="ve_carol", groups="crm_vendor_eval.crm_vendor_eval_group_member"
        )
        evaluation = self._evaluation(name="Replace Nimbus CRM")
        self._fill_hand_example(evaluation)
        alice_sheet = evaluation.assignment_ids.filtered(lambda sheet: sheet.user_id == self.alice)
        Submit = self.env["crm.vendor.eval.submit"]
        before = Submit.search([])
        # Carol is not on the team; Bob is, but it is Alice's sheet.
        for login in ("ve_carol", "ve_bob"):
            reply = self.rpc(
                login,
                "crm.vendor.eval.submit",
                "web_save",
                [],
                {"assignment_id": alice_sheet.id},
                specification={
                    "assignment_id": {"fields": {"display_name": {}}},
                    "line_count": {},
                    "unscored_count": {},
                },
            )
            self.assertRefused(reply, "AccessError", "Only the evaluator can submit their scores.")
        self.assertEqual(Submit.search([]), before, "no confirmation made")
        # Nor does the form's onchange show Carol the progress of a sheet she cannot read.
        reply = self.rpc(
            "ve_carol",
            "crm.vendor.eval.submit",
            "onchange",
            [],
            {"assignment_id": alice_sheet.id},
            ["assignment_id"],
            {"assignment_id": {}, "line_count": {}, "unscored_count": {}},
        )
        self.assertRefused(
            reply,
            "AccessError",
            "Scoring Sheet: you can only choose a record you can open yourself.",
        )
        self.assertEqual(alice_sheet.state, "open")
        # Alice confirms her own.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.submit",
            "web_save",
            [],
            {"assignment_id": alice_sheet.id},
            specification={"line_count": {}},
        )
        self.assertEqual(reply["result"][0]["line_count"], 6)

    def test_a_scoring_line_shows_no_other_companys_guide(self):
        """The form's onchange of a scoring line, given another company's criterion, does not
        show its scoring guide (a related field read as superuser would)."""
        company_b = self.env["res.company"].create({"name": "Harbour Works Ltd"})
        template = self.env["crm.vendor.eval.template"].create(
            {
                "name": "Harbour template",
                "company_id": company_b.id,
                "category_ids": [
                    Command.create(
                        {
                            "name": "Price",
                            "weight": 100,
                            "criterion_ids": [
                                Command.create({"name": "Cost", "guide": "Harbour's secret guide"})
                            ],
                        }
                    )
                ],
            }
        )
        criterion = template.category_ids.criterion_ids
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "onchange",
            [],
            {"criterion_id": criterion.id},
            ["criterion_id"],
            {"criterion_id": {}, "guide": {}},
        )
        self.assertNotIn("Harbour's secret guide", str(reply))
        # Nor with the names of the criterion and its category asked too (read as superuser,
        # they would fill the cache the guide is then read from: the fifth review's probe).
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "onchange",
            [],
            {"criterion_id": criterion.id},
            [],
            {
                "criterion_id": {"fields": {"display_name": {}}},
                "category_id": {"fields": {"display_name": {}}},
                "guide": {},
            },
        )
        self.assertRefused(
            reply, "AccessError", "Criterion: you can only choose a record you can open yourself."
        )
        self.assertNotIn("Harbour's secret guide", str(reply))
        # Her own lines show their guide.
        evaluation = self._evaluation()
        self.a1.guide = "5: runs our whole sales process"
        line = self.env["crm.vendor.eval.score"].search(
            [("evaluation_id", "=", evaluation.id), ("evaluator_id", "=", self.alice.id),
             ("criterion_id", "=", self.a1.id)], limit=1,
        )  # fmt: skip
        reply = self.rpc("ve_alice", "crm.vendor.eval.score", "web_read", line.ids, {"guide": {}})
        self.assertEqual(reply["result"][0]["guide"], "5: runs our whole sales process")
