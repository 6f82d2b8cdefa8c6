"""Second review's probes of blind scoring and of what a score means, over JSON-RPC with each
user's own session: the chatter of a reopened evaluation, and the template under scores."""

from odoo.tests import HttpCase, tagged

from .common import AttackMixin, VendorEvalCase


@tagged("post_install", "-at_install")
class TestReview2VendorProbes(AttackMixin, HttpCase, VendorEvalCase):
    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation()
        self._fill_hand_example(self.evaluation)
        self.alice_sheet, self.bob_sheet = (
            self.evaluation.assignment_ids.filtered(lambda s, u=u: s.user_id == u)
            for u in (self.alice, self.bob)
        )
        # Alice submits; Bob has not yet. A manager decides, then reopens.
        self.alice_sheet.with_user(self.alice).action_submit()
        self.evaluation.write({"decision_vendor_id": self.v1.id, "decision_reason": "Best fit"})
        self.evaluation.with_user(self.manager).action_decide()
        self.evaluation.with_user(self.manager).action_reopen()
        self.assertEqual(self.evaluation.state, "scoring")
        self.assertEqual(self.bob_sheet.state, "open")

    def test_an_unsubmitted_evaluator_reads_no_ranking_in_a_reopened_chatter(self):
        """Bob has not submitted: the ranking of the earlier decision (the totals computed
        from Alice's scores) is the results, which he sees only once he has submitted."""
        totals = [f"{r.total:.1f}" for r in self.evaluation.result_ids]
        self.assertTrue(totals)
        reply = self.rpc(
            "ve_bob",
            "mail.message",
            "search_read",
            [("model", "=", "crm.vendor.evaluation"), ("res_id", "=", self.evaluation.id)],
            ["body"],
        )
        bodies = " ".join(str(m["body"]) for m in reply.get("result") or [])
        self.assertFalse(
            "Weighted total" in bodies and any(total in bodies for total in totals),
            f"Bob, not submitted, reads the ranking {totals} in the chatter: {bodies[:400]}",
        )
        # The same through the evaluation's own thread, as the web client reads it.
        reply = self.rpc(
            "ve_bob",
            "crm.vendor.evaluation",
            "read",
            self.evaluation.ids,
            ["message_ids"],
        )
        ids = reply["result"][0]["message_ids"] if "result" in reply else []
        bodies = " ".join(
            str(body) for body in self.env["mail.message"].browse(ids).sudo().mapped("body")
        )
        self.assertFalse(
            "Weighted total" in bodies and any(total in bodies for total in totals),
            "Bob reads the ranking's message through the evaluation's message_ids",
        )

    def test_a_scored_criterion_keeps_its_meaning(self):
        """A criterion Alice has submitted scores on is renamed by an Evaluation Manager: the
        submitted 5 now scores something else. Its weight is locked; its name and guide are
        what the score means."""
        for vals in ({"name": "a1 (lower is better)"}, {"guide": "0 is the best, 5 the worst"}):
            reply = self.rpc("ve_manager", "crm.vendor.eval.criterion", "write", self.a1.ids, vals)
            self.assertNotIn(
                "result", reply, f"a submitted-on criterion changed its meaning: {vals}"
            )
