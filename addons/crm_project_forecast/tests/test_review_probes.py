"""Review probes: a salesperson with "own documents only" and their own session over JSON-RPC,
against the selling expenses of other salespeople's deals. Each probe asserts the secure
behaviour."""

from odoo.addons.crm_project_stages.tests.common import JsonRpcMixin
from odoo.tests import HttpCase, tagged

from .forecast_common import ForecastCase


@tagged("post_install", "-at_install")
class TestReviewProbesCosts(JsonRpcMixin, HttpCase, ForecastCase):
    def costs_of(self, lead):
        self.env.invalidate_all()
        return self.env["crm.lead.cost"].search([("lead_id", "=", lead.id)])

    def test_a_rep_cannot_move_an_expense_onto_another_reps_deal(self):
        """ "Selling expenses: CRWD own": Rita cannot create an expense on Raul's deal (record
        rule at create), and must not put one there by writing ``lead_id`` of her own expense
        either: it would raise the cost of selling of Raul's deal and team."""
        answer = self.rpc(
            "fc_rita",
            "crm.lead.cost",
            "create",
            {"lead_id": self.contact.id, "name": "Planted", "amount": 50_000},
            context={"allowed_company_ids": self.company.ids},
        )
        self.assertNotIn("result", answer, "the create is refused by the record rule")
        mine = self.env["crm.lead.cost"].create(
            {"lead_id": self.tender.id, "name": "Planted", "amount": 50_000}
        )
        answer = self.rpc(
            "fc_rita",
            "crm.lead.cost",
            "write",
            [mine.id],
            {"lead_id": self.contact.id},
            context={"allowed_company_ids": self.company.ids},
        )
        self.assertNotIn("result", answer, "Rita moved her expense onto Raul's deal")
        self.assertFalse(self.costs_of(self.contact))
        self.assertEqual(self.costs_of(self.tender), mine)
