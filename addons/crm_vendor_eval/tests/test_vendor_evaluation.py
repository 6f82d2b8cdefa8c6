from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestVendorEvaluation(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="ve_manager", groups="crm_vendor_eval.crm_vendor_eval_group_manager"
        )
        cls.member = new_test_user(
            cls.env, login="ve_member", groups="crm_vendor_eval.crm_vendor_eval_group_member"
        )
        Partner = cls.env["res.partner"]
        cls.vendor_a = Partner.create({"name": "Nimbus CRM", "is_company": True})
        cls.vendor_b = Partner.create({"name": "Pacific Integrators", "is_company": True})

    def test_evaluation_lifecycle_on_shared_partners(self):
        evaluation = (
            self.env["crm.vendor.evaluation"]
            .with_user(self.manager)
            .create(
                {
                    "name": "CRM selection 2027",
                    "vendor_ids": [(6, 0, (self.vendor_a | self.vendor_b).ids)],
                }
            )
        )
        self.assertEqual(evaluation.state, "draft")
        self.assertEqual(evaluation.vendor_count, 2)
        self.assertEqual(evaluation.company_id, self.manager.company_id)
        evaluation.action_start()
        self.assertEqual(evaluation.state, "in_progress")
        with self.assertRaises(UserError):
            evaluation.action_decide()
        evaluation.write({"decision_vendor_id": self.vendor_b.id, "decision_reason": "Best fit"})
        evaluation.action_decide()
        self.assertEqual(evaluation.state, "done")
        self.vendor_b.invalidate_recordset(["vendor_evaluation_count"])
        self.assertEqual(self.vendor_b.vendor_evaluation_count, 1)
        self.assertEqual(self.vendor_b.vendor_evaluation_ids, evaluation)

    def test_decision_must_be_one_of_the_vendors(self):
        evaluation = self.env["crm.vendor.evaluation"].create(
            {"name": "Partner selection", "vendor_ids": [(6, 0, self.vendor_a.ids)]}
        )
        with self.assertRaises(ValidationError):
            evaluation.decision_vendor_id = self.vendor_b

    def test_members_cannot_create_evaluations(self):
        with self.assertRaises(AccessError):
            self.env["crm.vendor.evaluation"].with_user(self.member).create({"name": "Mine"})
