from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRepFormTour(HttpCase):
    def _rep_deal(self, login, name):
        """A rep with their own documents (password: the login) and their deal in Contact."""
        rep = new_test_user(
            self.env, login=login, name=login, groups="sales_team.group_sale_salesman"
        )
        lead = self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "user_id": rep.id,
                "stage_id": self.env.ref("crm.stage_lead1").id,
            }
        )
        return rep, lead

    def test_the_phase_win_rate_reads_apart(self):
        """A rep with their own documents opens their opportunity in Contact: "Phase win rate",
        "10.0" and "%" stand apart (the first release showed "Phase10.0 %")."""
        _rep, lead = self._rep_deal("rate_rep", "Rate Deal")
        self.assertEqual(lead.phase_probability, 10.0)
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_project_forecast_rep_form_tour", login="rate_rep"
        )

    def test_expenses_one_click_from_the_form(self):
        """A rep enters a selling expense from their opportunity's form (Selling Expenses, a
        list of its own since the form no longer reads it inline) and finds it in the cost of
        selling of the opportunity."""
        rep, lead = self._rep_deal("expense_rep", "Expense Deal")
        self.start_tour(
            f"/odoo/crm/{lead.id}", "crm_project_forecast_expenses_tour", login="expense_rep"
        )
        cost = lead.cost_ids
        self.assertEqual(
            (cost.name, cost.cost_type, cost.amount, cost.user_id),
            ("Taxi to the customer", "travel", 42, rep),
        )
        self.assertEqual(lead.selling_cost, 42)
