"""The problems of opportunities against a salesperson with an RPC client ("own documents
only", their own session over JSON-RPC): a problem stays on the deal it was logged on, and the
day it was solved is the server's. Every refusal is checked for its error, its message and that
nothing changed."""

from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestProblemAttacks(JsonRpcMixin, HttpCase, ProjectStagesCase):
    def problems_of(self, lead):
        self.env.invalidate_all()
        return self.env["crm.lead.problem"].search([("lead_id", "=", lead.id)])

    def test_a_rep_cannot_move_a_problem_onto_another_reps_deal(self):
        """A rep who may not log a problem on another rep's deal (the record rule refuses the
        create) does not put one there by writing the deal of their own problem either: Odoo
        checks the rules of a write before it, not after."""
        mine = self._new_opportunity()
        theirs = self._new_opportunity("Their deal", user=self.other_rep)
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "create", {"lead_id": theirs.id, "name": "Planted"}
        )
        self.assertRefused(answer, "AccessError")
        problem = self.env["crm.lead.problem"].create({"lead_id": mine.id, "name": "Planted"})
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "write", [problem.id], {"lead_id": theirs.id}
        )
        self.assertRefused(
            answer,
            "AccessError",
            "These fields are set by the server and cannot be changed: Opportunity.",
            "A problem stays on the opportunity it was logged on",
        )
        self.assertFalse(self.problems_of(theirs))
        self.assertEqual(self.problems_of(mine), problem)
        # Its own deal written again (an exported file imported back, a client sending the
        # whole record) changes nothing and is let through.
        answer = self.rpc("ps_rep", "crm.lead.problem", "write", [problem.id], {"lead_id": mine.id})
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.assertEqual(self.problems_of(mine), problem)
        # The rep still edits what is theirs to edit.
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "write", [problem.id], {"name": "IT questions"}
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))

    def test_the_solved_date_of_a_problem_is_the_servers(self):
        """ "Solved On" is noted by the server when the problem is marked solved: a rep does
        not back-date it, on a new problem or a solved one."""
        lead = self._new_opportunity()
        problem = self.env["crm.lead.problem"].create({"lead_id": lead.id, "name": "Late"})
        answer = self.rpc("ps_rep", "crm.lead.problem", "action_solve", [problem.id])
        self.assertNotIn("error", answer, answer.get("error"))
        self.env.invalidate_all()
        solved_on = problem.date_solved
        self.assertTrue(solved_on)
        for method, args in (
            ("write", [[problem.id], {"date_solved": "2001-01-01 00:00:00"}]),
            (
                "create",
                [
                    {
                        "lead_id": lead.id,
                        "name": "Back-dated",
                        "state": "solved",
                        "date_solved": "2001-01-01 00:00:00",
                    }
                ],
            ),
        ):
            answer = self.rpc("ps_rep", "crm.lead.problem", method, *args)
            self.assertRefused(
                answer,
                "AccessError",
                "These fields are set by the server and cannot be changed: Solved On.",
                "Mark the problem solved",
            )
        self.assertEqual(self.problems_of(lead), problem)
        self.assertEqual(problem.date_solved, solved_on)
        # Duplicated (the form's Duplicate), a problem is a new one, open, not solved on any
        # day: the copy no longer carries the server's date, which refused every duplicate.
        answer = self.rpc("ps_rep", "crm.lead.problem", "copy", [problem.id])
        copy = self.env["crm.lead.problem"].browse(answer.get("result"))
        self.assertEqual((copy.lead_id, copy.state, copy.date_solved), (lead, "open", False))

    def test_a_problem_written_solved_again_keeps_its_day(self):
        """Marked solved again (a whole record saved, a file imported back: the fourth
        review's probe), a solved problem keeps the day it was solved; reopened and solved
        again, it is dated anew."""
        lead = self._new_opportunity()
        Problem = self.env["crm.lead.problem"]
        solved, still_open = Problem.create(
            [{"lead_id": lead.id, "name": "Old"}, {"lead_id": lead.id, "name": "New"}]
        )
        solved.action_solve()
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead_problem SET date_solved = '2026-01-10 09:00' WHERE id = %s",
            [solved.id],
        )
        both = (solved | still_open).ids
        answer = self.rpc("ps_rep", "crm.lead.problem", "write", both, {"state": "solved"})
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.env.invalidate_all()
        self.assertEqual(str(solved.date_solved), "2026-01-10 09:00:00")
        self.assertEqual(still_open.state, "solved")
        self.assertGreater(still_open.date_solved, solved.date_solved)
        for state, dated in (("open", False), ("solved", True)):
            answer = self.rpc("ps_rep", "crm.lead.problem", "write", solved.ids, {"state": state})
            self.assertIs(answer.get("result"), True, answer.get("error"))
            self.env.invalidate_all()
            self.assertEqual(bool(solved.date_solved), dated)
        self.assertGreaterEqual(solved.date_solved, still_open.date_solved)

    def test_a_rep_does_not_duplicate_a_deal_into_a_later_phase(self):
        """*Duplicate* (``copy``) of a deal in Tender makes a new opportunity that starts at the
        beginning of the pipeline, with nothing ticked and a history of its own."""
        lead = self._new_opportunity("Tender deal", stage=self.stage_tender)
        answer = self.rpc("ps_rep", "crm.lead", "copy", [lead.id])
        [copy_id] = answer["result"]
        self.env.invalidate_all()
        copy = self.env["crm.lead"].browse(copy_id)
        self.assertEqual((copy.phase_id.code, copy.phase_reached_id.code), ("contact", "contact"))
        self.assertFalse(copy.checklist_line_ids.filtered("done"))
        self.assertEqual(self.codes(copy.phase_history_ids), ["contact"])
