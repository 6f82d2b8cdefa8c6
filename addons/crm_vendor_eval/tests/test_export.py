import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import VendorEvalCase


@tagged("post_install", "-at_install")
class TestExport(HttpCase, VendorEvalCase):
    def test_excel_export_matches_the_screen(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        self.env["crm.vendor.eval.offer"].create(
            {"evaluation_id": evaluation.id, "vendor_id": self.v2.id, "licence_cost": 250_000}
        )
        self._submit_all(evaluation)
        self.authenticate("ve_manager", "ve_manager")
        response = self.url_open(f"/crm_vendor_eval/comparison/{evaluation.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = book["Comparison"]
        rows = {
            row[0].strip(): row[2:]
            for row in sheet.iter_rows(min_row=3, values_only=True)
            if row[0]
        }
        weights = {
            row[0].strip(): row[1] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]
        }
        self.assertEqual(list(rows["Criterion"]), ["Pacific Integrators", "Nimbus CRM"])
        self.assertEqual((weights["A"], weights["B"], weights["a1"]), (60, 40, 1))
        results = evaluation.result_ids.sorted("rank")
        self.assertEqual(list(rows["Rank"]), [1, 2])
        self.assertEqual(list(rows["Weighted total (0-100)"]), results.mapped("total"))
        self.assertEqual(list(rows["Spread between evaluators"]), results.mapped("spread"))
        self.assertEqual(list(rows["Criteria not scored"]), [1, 0])
        self.assertEqual(list(rows["Total cost of ownership"]), [250_000, 0])
        self.assertEqual(list(rows["A"]), [60.0, 70.0])
        self.assertEqual(list(rows["a1"]), [3.0, 4.0])
        self.assertEqual(rows["a2"][0], None, "nobody scored a2 for Pacific: empty, not 0")
        self.assertEqual(list(rows["Strongest category"]), ["B", "A"])
        # Each evaluator's share of the criteria scored, per vendor: Bob left a2 and b1 of
        # Pacific empty, so the 100 % coverage of the vendor does not hide it.
        self.assertEqual(list(rows["Alice"]), [66.7, 100])
        self.assertEqual(list(rows["Bob"]), [33.3, 100])
        # The detail: every submitted score, by evaluator.
        detail = list(book["Scores by evaluator"].iter_rows(values_only=True))
        self.assertEqual(
            detail[0], ("Evaluator", "Vendor", "Category", "Criterion", "Score (0-5)", "Comment")
        )
        self.assertIn(("Bob", "Pacific Integrators", "A", "a1", 2, None), detail)
        self.assertIn(("Bob", "Pacific Integrators", "A", "a2", None, None), detail)
        self.assertEqual(len(detail), 1 + 2 * 2 * 3)
        # Another member's evaluation is not exported to someone outside the team.
        member_group = self.env.ref("crm_vendor_eval.crm_vendor_eval_group_member")
        outsider = self.env["res.users"].create(
            {
                "name": "Out",
                "login": "ve_out",
                "password": "ve_out_pw_1",
                "groups_id": [Command.set([member_group.id])],
            }
        )
        self.authenticate(outsider.login, "ve_out_pw_1")
        refused = self.url_open(f"/crm_vendor_eval/comparison/{evaluation.id}/xlsx")
        self.assertEqual(refused.status_code, 403)
