from odoo.tests import tagged

from .common import ProjectStagesCase


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
