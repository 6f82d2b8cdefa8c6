"""Exports, costs, weights and the decision against users with a client of their own (issue #11,
items 5 and 6): over real HTTP, exact refusals, nothing changed."""

import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import AttackMixin, VendorEvalCase

FORMULA = '=HYPERLINK("http://x","y")'


@tagged("post_install", "-at_install")
class TestExportAttacks(AttackMixin, HttpCase, VendorEvalCase):
    def _xlsx(self, evaluation, login):
        self.authenticate(login, login)
        return self.url_open(f"/crm_vendor_eval/comparison/{evaluation.id}/xlsx")

    # ------------------------------------------------------------------ item 5

    def test_names_are_written_as_text_never_as_formulas(self):
        self.v1.name = FORMULA
        self.cat_a.name = "=1+1"
        self.a1.name = "@SUM(A1:A2)"
        evaluation = self._evaluation(name='=CMD("calc")')
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        response = self._xlsx(evaluation, "ve_manager")
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
        texts = {cell.value: cell.data_type for cell in cells if isinstance(cell.value, str)}
        for text in (FORMULA, "=1+1", '=CMD("calc")'):
            self.assertEqual(texts.get(text), "s", text)
        self.assertEqual(texts.get("    @SUM(A1:A2)"), "s")
        self.assertFalse([cell.coordinate for cell in cells if cell.data_type == "f"])

    # ------------------------------------------------------------------ item 6

    def test_the_comparison_is_refused_to_who_has_not_submitted(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        evaluation.assignment_ids.filtered(lambda s: s.user_id == self.bob).with_user(
            self.bob
        ).action_submit()
        refusal = "You see the comparison once you have submitted your own scores."
        routes = (
            f"/crm_vendor_eval/comparison/{evaluation.id}/xlsx",
            f"/report/pdf/crm_vendor_eval.report_vendor_comparison/{evaluation.id}",
            f"/report/html/crm_vendor_eval.report_vendor_comparison/{evaluation.id}",
        )
        for route in routes:
            self.authenticate("ve_alice", "ve_alice")
            response = self.url_open(route)
            self.assertEqual(response.status_code, 403, route)
            self.assertIn(refusal, response.text)
        # Bob has submitted; a manager always may.
        for login in ("ve_bob", "ve_manager"):
            self.assertEqual(self._xlsx(evaluation, login).status_code, 200, login)
            self.authenticate(login, login)
            self.assertEqual(self.url_open(routes[2]).status_code, 200, login)

    def test_negative_costs_and_horizon_are_refused(self):
        evaluation = self._evaluation()
        offer = self.env["crm.vendor.eval.offer"].create(
            {"evaluation_id": evaluation.id, "vendor_id": self.v1.id, "licence_cost": 10}
        )
        before = (self.snapshot(evaluation), self.snapshot(offer))
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.offer", "write", offer.ids, {"hosting_cost": -5}
        )
        self.assertRefused(
            reply, "ValidationError", "Costs cannot be negative: Hosting / Year of Nimbus CRM."
        )
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            [
                {
                    "evaluation_id": evaluation.id,
                    "vendor_id": self.v2.id,
                    "licence_cost": -1,
                }
            ],
        )
        self.assertRefused(
            reply, "ValidationError", "Costs cannot be negative: Licences of Pacific Integrators."
        )
        stranger = self.env["res.partner"].create({"name": "Stranger"})
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            [
                {
                    "evaluation_id": evaluation.id,
                    "vendor_id": stranger.id,
                }
            ],
        )
        self.assertRefused(
            reply, "ValidationError", "Stranger is not one of the vendors of “CRM selection”."
        )
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "write", evaluation.ids, {"horizon_years": -1}
        )
        self.assertRefused(reply, "ValidationError", "The cost horizon cannot be negative.")
        self.assertEqual((self.snapshot(evaluation), self.snapshot(offer)), before)

    def test_costs_are_finite_amounts(self):
        """A cost no number can hold (NaN, infinity, beyond 10^15) would turn every total of
        ownership, the ranking by cost and the Excel workbook into nonsense: refused."""
        evaluation = self._evaluation()
        offer = self.env["crm.vendor.eval.offer"].create(
            {"evaluation_id": evaluation.id, "vendor_id": self.v1.id, "licence_cost": 10}
        )
        before = self.snapshot(offer)
        bound = "between -1,000,000,000,000,000 and 1,000,000,000,000,000."
        for value in ("NaN", "Infinity", "1e16", 10**15 + 1):
            with self.subTest(value=value):
                reply = self.rpc(
                    "ve_manager",
                    "crm.vendor.eval.offer",
                    "write",
                    offer.ids,
                    {"hosting_cost": value},
                )
                self.assertRefused(
                    reply, "ValidationError", f"Hosting / Year must be a number {bound}"
                )
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.offer",
            "create",
            [{"evaluation_id": evaluation.id, "vendor_id": self.v2.id, "licence_cost": "NaN"}],
        )
        self.assertRefused(reply, "ValidationError", f"Licences must be a number {bound}")
        self.assertEqual(self.snapshot(offer), before)
        self.assertEqual(len(evaluation.offer_ids), 1)

    def test_a_template_adds_up_to_100_whatever_the_context(self):
        Template = "crm.vendor.eval.template"
        count = self.env[Template].search_count([])
        before = self.snapshot(self.template.category_ids)
        bypass = {"vendor_eval_weights_later": True}
        reply = self.rpc(
            "ve_manager",
            Template,
            "create",
            [
                {
                    "name": "194 %",
                    "category_ids": [
                        Command.create({"name": "X", "weight": 97}),
                        Command.create({"name": "Y", "weight": 97}),
                    ],
                }
            ],
            context=bypass,
        )
        self.assertRefused(
            reply,
            "ValidationError",
            "The category weights of “194 %” add up to 194; they must add up to 100.",
        )
        message = "The category weights of “Small template” add up to %s; they must add up to 100."
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.category",
            "write",
            self.cat_a.ids,
            {"weight": 154},
            context=bypass,
        )
        self.assertRefused(reply, "ValidationError", message % "194")
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.category", "unlink", self.cat_b.ids, context=bypass
        )
        self.assertRefused(reply, "ValidationError", message % "60")
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.category",
            "create",
            [{"template_id": self.template.id, "name": "Z", "weight": 5}],
            context=bypass,
        )
        self.assertRefused(reply, "ValidationError", message % "105")
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.eval.category",
            "action_archive",
            self.cat_b.ids,
            context=bypass,
        )
        self.assertRefused(reply, "ValidationError", message % "60")
        self.assertEqual(self.env[Template].search_count([]), count)
        self.assertEqual(self.snapshot(self.template.category_ids), before)
        # Moving weight between categories in one save is fine, and so is a new one.
        reply = self.rpc(
            "ve_manager",
            Template,
            "write",
            self.template.ids,
            {
                "category_ids": [
                    Command.update(self.cat_a.id, {"weight": 50}),
                    Command.update(self.cat_b.id, {"weight": 30}),
                    Command.create({"name": "C", "weight": 20}),
                ],
            },
        )
        self.assertEqual(reply, {"result": True})
        self.assertEqual(self.template.total_weight, 100)

    def test_record_decision_works_for_a_manager_without_email(self):
        self.manager.partner_id.email = False
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        reply = self.rpc(
            "ve_manager",
            "crm.vendor.evaluation",
            "write",
            evaluation.ids,
            {"decision_vendor_id": self.v2.id, "decision_reason": "Best"},
        )
        self.assertEqual(reply, {"result": True})
        reply = self.rpc("ve_manager", "crm.vendor.evaluation", "action_decide", evaluation.ids)
        self.assertNotIn("error", reply)
        self.assertEqual(evaluation.state, "done")
        note = evaluation.message_ids.filtered(lambda m: "Decision" in (m.body or ""))
        self.assertEqual(note.author_id, self.manager.partner_id)
        self.assertIn("Pacific Integrators", note.body)
