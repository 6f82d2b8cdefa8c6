from odoo.addons.crm_project_stages.tests.common import JsonRpcMixin
from odoo.addons.crm_vendor_eval.tests.common import VendorEvalCase
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestBidInTender(JsonRpcMixin, HttpCase, VendorEvalCase):
    """A competitive bid scores our company against competitors on a tender: its opportunity
    is in the Tender phase, whoever creates or moves it and however."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.stage"]
        cls.contact = Stage.search([("phase_id.code", "=", "contact")], limit=1)
        cls.tender = Stage.search([("phase_id.code", "=", "tender")], limit=1)
        # A bid manager: evaluations, and the opportunities of the sales team.
        new_test_user(
            cls.env,
            login="ve_bid_manager",
            name="Bo Bid",
            groups="crm_vendor_eval.crm_vendor_eval_group_manager,"
            "sales_team.group_sale_salesman_all_leads",
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Hospital tender", "type": "opportunity", "stage_id": cls.contact.id}
        )

    def bid_vals(self, lead):
        return {
            "name": "Bid",
            "kind": "bid",
            "lead_id": lead.id,
            "template_id": self.template.id,
        }

    def test_a_competitive_bid_belongs_to_a_tender_opportunity(self):
        Evaluation = self.env["crm.vendor.evaluation"]
        with self.assertRaises(ValidationError) as refusal:  # rolled back to a savepoint
            Evaluation.create(self.bid_vals(self.lead))
        self.assertIn("“Hospital tender” is not in it", str(refusal.exception))
        # Over RPC, a bid manager: the same refusal, nothing created.
        answer = self.rpc(
            "ve_bid_manager", "crm.vendor.evaluation", "create", self.bid_vals(self.lead)
        )
        self.assertRefused(
            answer,
            "ValidationError",
            "A competitive bid belongs to an opportunity in the Tender phase",
        )
        self.assertFalse(Evaluation.search([("lead_id", "=", self.lead.id)]))
        self.lead.stage_id = self.tender
        bid = Evaluation.create(self.bid_vals(self.lead))
        self.assertEqual((bid.lead_id, bid.lead_id.phase_id.code), (self.lead, "tender"))
        # Another opportunity, not in the tender: the bid cannot be moved onto it.
        other = self.lead.copy({"name": "Other deal", "stage_id": self.contact.id})
        with self.assertRaises(ValidationError) as refusal:
            bid.lead_id = other
        self.assertIn("“Other deal” is not in it", str(refusal.exception))
