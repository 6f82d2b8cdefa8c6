from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFormTour(HttpCase):
    def test_problems_and_history_one_click_from_the_form(self):
        """A rep opens their opportunity: the checklist is on the form; the problems and the
        phase history open from stat buttons, and a problem logged there is the opportunity's,
        in its phase (the form used to show both lists inline)."""
        rep = new_test_user(
            self.env, login="form_rep", name="Form Rep", groups="sales_team.group_sale_salesman"
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Form Tour Deal",
                "type": "opportunity",
                "user_id": rep.id,
                "stage_id": self.env.ref("crm.stage_lead1").id,
            }
        )
        self.start_tour(f"/odoo/crm/{lead.id}", "crm_project_stages_form_tour", login="form_rep")
        problem = lead.problem_ids
        self.assertEqual(problem.mapped("name"), ["IT department questions the integration"])
        self.assertEqual(problem.phase_id.code, "contact")
        self.assertEqual((problem.state, problem.user_id), ("open", rep))
