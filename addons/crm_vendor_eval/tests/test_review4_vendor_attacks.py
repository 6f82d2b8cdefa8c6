"""From the fourth review's probes, over JSON-RPC with the user's own session: a member sees the
vendor costs of their own evaluations only; a vendor's contact archived stays one of the
vendors evaluated (scoring, ranking, comparison, a decision); a decided evaluation keeps its
opportunity when opportunities are merged or deleted."""

import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AttackMixin, VendorEvalCase


@tagged("post_install", "-at_install")
class TestReview4VendorAttacks(AttackMixin, HttpCase, VendorEvalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carol = new_test_user(
            cls.env, login="ve_carol", name="Carol",
            groups="crm_vendor_eval.crm_vendor_eval_group_member",
        )  # fmt: skip
        cls.rep = new_test_user(
            cls.env, login="ve_sales_rep", name="Sam Sales",
            groups="sales_team.group_sale_salesman,crm_vendor_eval.crm_vendor_eval_group_member",
        )  # fmt: skip
        cls.sales_manager = new_test_user(
            cls.env, login="ve_sales_manager", groups="sales_team.group_sale_manager"
        )

    def test_a_member_sees_the_costs_of_their_own_evaluations_only(self):
        evaluation = self._evaluation()
        offers = self.env["crm.vendor.eval.offer"].create(
            [
                {"evaluation_id": evaluation.id, "vendor_id": vendor.id, "licence_cost": cost}
                for vendor, cost in ((self.v1, 1000), (self.v2, 2000))
            ]
        )
        self._evaluation(name="Carol's own", member_ids=[Command.set(self.carol.ids)])
        fields = ["evaluation_id", "vendor_id", "licence_cost", "tco"]
        found = self.rpc("ve_carol", "crm.vendor.eval.offer", "search_read", [], fields)
        self.assertEqual(found["result"], [])
        grouped = self.rpc(
            "ve_carol",
            "crm.vendor.eval.offer",
            "read_group",
            [],
            ["licence_cost:sum"],
            ["vendor_id"],
        )
        self.assertEqual(grouped["result"], [])
        read = self.rpc("ve_carol", "crm.vendor.eval.offer", "read", offers.ids, fields)
        self.assertEqual(read["error"], "AccessError")
        # On the team: they see them.
        found = self.rpc("ve_alice", "crm.vendor.eval.offer", "search_read", [], ["licence_cost"])
        self.assertEqual(sorted(row["licence_cost"] for row in found["result"]), [1000, 2000])

    def test_an_archived_vendor_stays_evaluated(self):
        scoring = self._evaluation(name="Still scoring")
        self._fill_hand_example(scoring)
        decided = self._decided()
        before = decided._comparison_rows()
        # Anyone who may edit contacts archives the vendor's contact.
        reply = self.rpc("ve_sales_rep", "res.partner", "action_archive", [self.v1.id])
        self.assertNotIn("error", reply)
        self.assertFalse(self.v1.active)
        for evaluation in (scoring, decided):
            self.assertEqual(evaluation.vendor_ids, self.v1 | self.v2, evaluation.name)
        self.assertEqual(decided.vendor_count, 2)
        self.assertEqual(decided._comparison_rows(), before)
        self.assertEqual(decided.decision_vendor_id, self.v1)
        # The evaluation being scored ranks it still, once submitted.
        self._submit_all(scoring)
        ranked = scoring.result_ids.sorted("rank")
        self.assertEqual(len(ranked), 2)
        self.assertEqual(ranked.vendor_id.ids, decided.result_ids.sorted("rank").vendor_id.ids)
        read = self.rpc("ve_manager", "crm.vendor.evaluation", "read", [decided.id], ["vendor_ids"])
        self.assertEqual(sorted(read["result"][0]["vendor_ids"]), sorted((self.v1 | self.v2).ids))
        # The decided evaluation's workbook still has the archived vendor's column.
        self.authenticate("ve_manager", "ve_manager")
        response = self.url_open(f"/crm_vendor_eval/comparison/{decided.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Comparison"]
        vendors = next(
            row[2:]
            for row in sheet.iter_rows(min_row=3, values_only=True)
            if row[0] and row[0].strip() == "Criterion"
        )
        self.assertEqual(sorted(vendors), sorted((self.v1 | self.v2).mapped("name")))

    def test_a_decided_evaluation_keeps_its_opportunity(self):
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": name,
                    "type": "opportunity",
                    "user_id": self.rep.id,
                    "email_from": "it@water.example.com",
                }
                for name in ("Water utility CRM", "Water utility CRM (copy)")
            ]
        )
        # crm merges into the deal it trusts most and deletes the other.
        head = leads._sort_by_confidence_level(reverse=True)[0]
        tail = leads - head
        decided = self._decided(lead=tail)
        under_way = self._evaluation(name="Second look")
        under_way.sudo().lead_id = tail
        reply = self.rpc("ve_sales_rep", "crm.lead", "merge_opportunity", leads.ids)
        self.assertRefused(
            reply,
            "UserError",
            f"“{tail.name}” is the opportunity of the vendor evaluation “CRM selection”, which is "
            "decided or cancelled and keeps it: ask an Evaluation Manager to reopen it and link "
            f"it to “{head.name}” before merging.",
        )
        self.assertEqual(leads.exists(), leads)
        self.assertEqual((decided.lead_id, under_way.lead_id), (tail, tail))
        # Deleting it: refused (archive it instead), with the flag of a module's uninstall in
        # the context too (Odoo's at_uninstall=False guards step aside for it: fifth review).
        for context in ({}, {"_force_unlink": True}):
            reply = self.rpc("ve_sales_manager", "crm.lead", "unlink", tail.ids, context=context)
            self.assertRefused(
                reply,
                "UserError",
                f"“{tail.name}” is the opportunity of the vendor evaluation “Second look”: "
                "archive it instead of deleting it.",
            )
        self.assertTrue(tail.exists())
        self.assertEqual(decided.lead_id, tail)
        # Reopened, the evaluations follow the merge to the deal kept.
        decided.with_user(self.manager).action_reopen()
        reply = self.rpc("ve_sales_rep", "crm.lead", "merge_opportunity", leads.ids)
        self.assertNotIn("error", reply)
        self.assertFalse(tail.exists())
        self.assertEqual((decided.lead_id, under_way.lead_id), (head, head))

    def test_the_decision_logged_in_the_chatter_stays(self):
        decided = self._decided()
        decision = decided.message_ids.filtered(lambda message: "Best fit" in message.body)
        self.assertEqual(len(decision), 1)
        self.assertEqual(decision.message_type, "notification")
        self.assertEqual(decision.author_id, self.manager.partner_id)
        body = decision.body
        refusal = (
            "What the server logged on a vendor evaluation (its decisions and reopenings, the "
            "changes it tracks) is kept as it was written: it cannot be changed or deleted."
        )
        reply = self.rpc(
            "ve_manager", "mail.message", "write", decision.ids, {"body": "<p>Reason: cheapest</p>"}
        )
        self.assertRefused(reply, "UserError", refusal)
        decided.with_user(self.manager).action_reopen()
        reopened = decided.message_ids.filtered(lambda message: "reopened" in message.body)
        reply = self.rpc("ve_manager", "mail.message", "unlink", (decision | reopened).ids)
        self.assertRefused(reply, "UserError", refusal)
        self.assertEqual(decision.body, body)
        self.assertEqual(len(reopened.exists()), 1)
