"""Review probes: a salesperson with "own documents only" and their own session over JSON-RPC,
against the rows of opportunities (problems) that the attack tests do not cover yet. Each probe
asserts the secure behaviour."""

from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestReviewProbesProblems(JsonRpcMixin, HttpCase, ProjectStagesCase):
    def problems_of(self, lead):
        self.env.invalidate_all()
        return self.env["crm.lead.problem"].search([("lead_id", "=", lead.id)])

    def test_a_rep_cannot_move_a_problem_onto_another_reps_deal(self):
        """ "Problems: CRWD own": a rep who cannot create a problem on another rep's deal
        (record rule at create) must not put one there by writing ``lead_id`` of their own
        problem either (Odoo checks write rules before the write only)."""
        mine = self._new_opportunity()
        theirs = self._new_opportunity("Their deal", user=self.other_rep)
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "create", {"lead_id": theirs.id, "name": "Planted"}
        )
        self.assertNotIn("result", answer, "the create is refused by the record rule")
        problem = self.env["crm.lead.problem"].create({"lead_id": mine.id, "name": "Planted"})
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "write", [problem.id], {"lead_id": theirs.id}
        )
        self.assertNotIn("result", answer, "a rep moved their problem onto another rep's deal")
        self.assertFalse(self.problems_of(theirs))
        self.assertEqual(self.problems_of(mine), problem)

    def test_the_solved_date_of_a_problem_is_the_servers(self):
        """``date_solved`` ("Solved On", read-only) is recorded by the server when the problem
        is solved; the README: fields the server records are written by nobody else."""
        lead = self._new_opportunity()
        problem = self.env["crm.lead.problem"].create({"lead_id": lead.id, "name": "Late"})
        problem.action_solve()
        self.env.invalidate_all()
        before = problem.date_solved
        answer = self.rpc(
            "ps_rep",
            "crm.lead.problem",
            "write",
            [problem.id],
            {"date_solved": "2001-01-01 00:00:00"},
        )
        self.assertNotIn("result", answer, "a rep back-dated when their problem was solved")
        self.env.invalidate_all()
        self.assertEqual(problem.date_solved, before)

    def test_a_rep_does_not_duplicate_a_deal_into_a_later_phase(self):
        """*Duplicate* (``copy``) of a deal in Tender makes a new opportunity that starts at the
        beginning of the pipeline, with nothing ticked and a history of its own (control
        held)."""
        lead = self._new_opportunity("Tender deal", stage=self.stage_tender)
        answer = self.rpc("ps_rep", "crm.lead", "copy", [lead.id])
        [copy_id] = answer["result"]
        self.env.invalidate_all()
        copy = self.env["crm.lead"].browse(copy_id)
        self.assertEqual((copy.phase_id.code, copy.phase_reached_id.code), ("contact", "contact"))
        self.assertFalse(copy.checklist_line_ids.filtered("done"))
        self.assertEqual(self.codes(copy.phase_history_ids), ["contact"])
