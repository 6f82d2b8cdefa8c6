from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestProblems(ProjectStagesCase):
    def test_problem_log_per_phase(self):
        lead = self._new_opportunity(stage=self.stage_proof)
        Problem = self.env["crm.lead.problem"].with_user(self.rep)
        first = Problem.create({"lead_id": lead.id, "name": "No test data from the customer"})
        second = Problem.create(
            {
                "lead_id": lead.id,
                "name": "Legal review of the NDA",
                "phase_id": self.phases["design"].id,
            }
        )
        self.assertEqual(
            first.phase_id.code, "proof", "a problem belongs to the current phase by default"
        )
        self.assertEqual(first.user_id, self.rep)
        self.assertEqual(second.phase_id.code, "design")
        lead.invalidate_recordset(["open_problem_count"])
        self.assertEqual(lead.open_problem_count, 2)
        first.action_solve()
        self.assertEqual(first.state, "solved")
        self.assertTrue(first.date_solved)
        lead.invalidate_recordset(["open_problem_count"])
        self.assertEqual(lead.open_problem_count, 1)
        with_open = self.env["crm.lead"].search([("problem_ids.state", "=", "open")])
        self.assertIn(lead, with_open)
        second.action_solve()
        first.action_reopen()
        self.assertFalse(first.date_solved)

    def test_problems_follow_the_opportunity_rules(self):
        mine = self._new_opportunity()
        theirs = self._new_opportunity("Their deal", user=self.other_rep)
        Problem = self.env["crm.lead.problem"]
        Problem.create([{"lead_id": mine.id, "name": "A"}, {"lead_id": theirs.id, "name": "B"}])
        visible = Problem.with_user(self.rep).search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(visible.lead_id, mine)


@tagged("post_install", "-at_install")
class TestMergeKeepsWhatWasEntered(JsonRpcMixin, HttpCase, ProjectStagesCase):
    def test_merging_duplicates_keeps_their_problems_and_ticks(self):
        """A rep merges a duplicate into the deal (crm's *Merge* wizard, over JSON-RPC): crm
        deletes the duplicate, its problems come to the kept deal and the items it ticked off
        stay ticked there, by whom and when they were ticked."""
        kept = self._new_opportunity("Pump station")
        self._tick_mandatory(kept, "contact")
        kept.write({"stage_id": self.stage_design.id})
        duplicate = self._new_opportunity("Pump station (duplicate)")
        self._tick(duplicate.with_user(self.other_rep).sudo(), self.item_need)
        ticked = duplicate.checklist_line_ids.filtered(lambda line: line.item_id == self.item_need)
        ticked_by, ticked_on = ticked.done_by_id, ticked.done_date
        self.assertEqual(ticked_by, self.other_rep)
        problem = self.env["crm.lead.problem"].create(
            {"lead_id": duplicate.id, "name": "Budget frozen until spring"}
        )
        self.env.flush_all()
        history = [(row.phase_id.code, row.date_in) for row in kept.phase_history_ids]
        wizard = self.rpc(
            "ps_rep",
            "crm.merge.opportunity",
            "create",
            {
                "opportunity_ids": [[6, 0, [kept.id, duplicate.id]]],
                "user_id": self.rep.id,
                "team_id": self.team.id,
            },
        )["result"]
        answer = self.rpc("ps_rep", "crm.merge.opportunity", "action_merge", [wizard])
        self.assertNotIn("error", answer, answer.get("error"))
        self.env.invalidate_all()
        self.assertFalse(duplicate.exists())
        self.assertEqual(problem.lead_id, kept)
        self.assertEqual((problem.phase_id.code, problem.company_id), ("contact", kept.company_id))
        line = kept.checklist_line_ids.filtered(lambda line: line.item_id == self.item_need)
        self.assertEqual((line.done, line.done_by_id, line.done_date), (True, ticked_by, ticked_on))
        self.assertEqual(kept.phase_id.code, "design")
        self.assertEqual(kept.open_problem_count, 1)
        self.assertEqual(
            [(row.phase_id.code, row.date_in) for row in kept.phase_history_ids], history
        )
