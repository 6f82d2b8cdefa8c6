"""Review probes: what the attack tests of vendor evaluations do not cover yet, played over
JSON-RPC with the attacker's own session. Each probe asserts the secure behaviour."""

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AttackMixin, VendorEvalCase


@tagged("post_install", "-at_install")
class TestReviewProbesVendorEval(AttackMixin, HttpCase, VendorEvalCase):
    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation(horizon_years=4)
        self._fill_hand_example(self.evaluation)
        self._submit_all(self.evaluation)
        self.evaluation.write({"decision_vendor_id": self.v2.id, "decision_reason": "Best fit"})
        self.evaluation.with_user(self.manager).action_decide()

    def _decided_state(self):
        evaluation = self.evaluation
        self.env.invalidate_all()
        scores = self.env["crm.vendor.eval.score"].search([("evaluation_id", "=", evaluation.id)])
        return (
            sorted(evaluation.vendor_ids.ids),
            evaluation.decision_vendor_id.id,
            sorted((s.evaluator_id.id, s.vendor_id.id, s.criterion_id.id, s.score) for s in scores),
            sorted((r.vendor_id.id, r.rank, r.total) for r in evaluation.result_ids),
        )

    def test_merging_two_vendors_does_not_undo_a_decision(self):
        """Any internal user Odoo creates gets *Contact Creation* (base.default_user), which
        opens Odoo's contact merge wizard. Merging the two vendors of a decided evaluation (no
        email on either: the wizard's same-email check passes) must not change the decided
        evaluation's vendors, chosen vendor, submitted scores or results: "a decided evaluation
        is frozen with everything it was decided on ... submitted work is never deleted"."""
        new_test_user(
            self.env,
            login="ve_clerk",
            name="Clara Clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        before = self._decided_state()
        self.assertEqual(len(before[2]), 12)
        reply = self.rpc(
            "ve_clerk",
            "base.partner.merge.automatic.wizard",
            "create",
            {
                "state": "selection",
                "partner_ids": [Command.set((self.v1 | self.v2).ids)],
                "dst_partner_id": self.v2.id,
            },
        )
        self.assertIn("result", reply, reply)
        wizard_id = reply["result"]
        reply = self.rpc(
            "ve_clerk", "base.partner.merge.automatic.wizard", "action_merge", [wizard_id]
        )
        # Today: the merge goes through, one vendor leaves the decided evaluation, the six
        # submitted scores of the merged vendor are deleted, both results name the kept vendor.
        self.assertEqual(self._decided_state(), before, "the decided evaluation changed")
        self.assertNotIn("result", reply, "a clerk merged the vendors of a decided evaluation")

    def test_a_decision_and_submitted_work_do_not_vanish_by_reopen_cancel_delete(self):
        """ "Submitted work is never deleted"; a decision stays until a manager reopens it,
        logged in the chatter. Reopen, Cancel and delete (a cancelled evaluation may be
        deleted) must not take the submitted sheets, their scores and the log of the reopening
        with them."""
        Score = self.env["crm.vendor.eval.score"]
        sheets = self.evaluation.assignment_ids
        self.assertEqual(set(sheets.mapped("state")), {"submitted"})
        for method in ("action_reopen", "action_cancel"):
            reply = self.rpc("ve_manager", "crm.vendor.evaluation", method, self.evaluation.ids)
            self.assertIn("result", reply, reply)
        reply = self.rpc("ve_manager", "crm.vendor.evaluation", "unlink", self.evaluation.ids)
        self.assertNotIn("result", reply, "the decided evaluation and its submitted work vanished")
        self.assertTrue(sheets.exists())
        self.assertEqual(Score.search_count([("evaluation_id", "=", self.evaluation.id)]), 12)


@tagged("post_install", "-at_install")
class TestReviewProbesBlindScoring(AttackMixin, HttpCase, VendorEvalCase):
    """Alice has not submitted; Bob has: whatever Alice asks over JSON-RPC, she learns nothing
    of Bob's scores or of the results (blind scoring)."""

    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation()
        self._fill_hand_example(self.evaluation)
        self.bob_sheet = self.evaluation.assignment_ids.filtered(lambda s: s.user_id == self.bob)
        self.bob_sheet.with_user(self.bob).action_submit()
        self.assertTrue(self.evaluation.result_ids)

    def test_no_read_path_shows_an_unsubmitted_evaluator_the_others_scores(self):
        ev = self.evaluation
        # Searching the team's sheets on the scores of their lines.
        for value in ("0", "1", "2", "3", "4", "5"):
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.eval.assignment",
                "search_count",
                [("id", "=", self.bob_sheet.id), ("score_ids.score", "=", value)],
            )
            self.assertEqual(reply, {"result": 0}, value)
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.evaluation",
                "search_count",
                [("id", "=", ev.id), ("score_ids.evaluator_id", "=", self.bob.id),
                 ("score_ids.score", "=", value)],
            )  # fmt: skip
            self.assertEqual(reply, {"result": 0}, value)
        # The results, their ranking through a domain, the comparison on the form.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.evaluation",
            "search_count",
            [("id", "=", ev.id), ("result_ids.rank", "=", 1)],
        )
        self.assertEqual(reply, {"result": 0})
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.evaluation",
            "web_read",
            ev.ids,
            {
                "comparison_html": {},
                "result_ids": {"fields": {"total": {}, "rank": {}}},
                "score_ids": {"fields": {"score": {}, "evaluator_id": {}}},
            },
        )
        [values] = reply["result"]
        self.assertFalse(values["comparison_html"])
        self.assertEqual(values["result_ids"], [])
        self.assertEqual({line["evaluator_id"] for line in values["score_ids"]}, {self.alice.id})
        # Grouped scores: her own only.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "read_group",
            [("evaluation_id", "=", ev.id)],
            ["score_value:avg"],
            ["evaluator_id"],
        )
        self.assertEqual([g["evaluator_id"][0] for g in reply["result"]], [self.alice.id])
        # Exported through Bob's sheet (the team reads it), with the export right Odoo gives
        # every new user.
        self.alice.groups_id = [Command.link(self.env.ref("base.group_allow_export").id)]
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "export_data",
            self.bob_sheet.ids,
            ["score_ids/score", "score_ids/comment"],
        )
        self.assertFalse([row for row in reply["result"]["datas"] if any(row)])
