from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import VendorEvalCase


@tagged("post_install", "-at_install")
class TestTemplates(VendorEvalCase):
    def test_default_template_has_the_fifteen_weighted_categories(self):
        template = self.env.ref("crm_vendor_eval.template_crm_system")
        self.assertEqual(len(template.category_ids), 15)
        self.assertEqual(template.total_weight, 100)
        self.assertIn("System integration", template.category_ids.mapped("name"))
        self.assertTrue(all(template.category_ids.mapped("criterion_ids")))
        self.assertTrue(all(template.category_ids.criterion_ids.mapped("guide")))

    def test_category_weights_must_add_up_to_100(self):
        # Checked once the whole change is made: when the transaction is flushed. Each refused
        # change in a savepoint of its own (Odoo's assertRaises), as a refused request is rolled
        # back: the check it left waiting does not run again with the next one.
        with self.assertRaises(ValidationError) as refused:
            self.env["crm.vendor.eval.template"].create(
                {
                    "name": "Broken",
                    "category_ids": [
                        Command.create({"name": "X", "weight": 50}),
                        Command.create({"name": "Y", "weight": 40}),
                    ],
                }
            )
            self.env.cr.flush()
        self.assertIn("add up to 90; they must add up to 100", str(refused.exception))
        with self.assertRaises(ValidationError) as refused:
            self.cat_a.weight = 70
            self.env.cr.flush()
        self.assertIn("add up to 110", str(refused.exception))
        # Moving weight between categories in one save of the template is fine.
        self.template.write(
            {
                "category_ids": [
                    Command.update(self.cat_a.id, {"weight": 70}),
                    Command.update(self.cat_b.id, {"weight": 30}),
                ]
            }
        )
        self.assertEqual(self.template.total_weight, 100)

    def test_managers_copy_and_edit_templates_members_cannot(self):
        copy = self.template.with_user(self.manager).copy()
        self.assertEqual(copy.name, "Small template (copy)")
        self.assertEqual(copy.category_ids.mapped("name"), ["A", "B"])
        self.assertEqual(len(copy.category_ids.criterion_ids), 3)
        self.assertNotEqual(
            copy.category_ids.criterion_ids, self.template.category_ids.criterion_ids
        )
        with self.assertRaises(AccessError):
            self.template.with_user(self.alice).write({"name": "Mine"})


@tagged("post_install", "-at_install")
class TestScoring(VendorEvalCase):
    def test_start_prepares_a_sheet_per_evaluator(self):
        evaluation = self._evaluation()
        self.assertEqual(evaluation.state, "scoring")
        self.assertEqual(len(evaluation.assignment_ids), 2)
        self.assertEqual(len(evaluation.sudo().score_ids), 2 * 2 * 3)
        mine = evaluation.assignment_ids.filtered(lambda a: a.user_id == self.alice)
        self.assertEqual((mine.line_count, mine.scored_count, mine.progress), (6, 0, 0.0))
        self._score(evaluation, self.alice, self.v1, self.a1, 4)
        mine.invalidate_recordset(["scored_count", "progress"])
        self.assertEqual((mine.scored_count, round(mine.progress, 1)), (1, 16.7))

    def test_weighted_totals_and_ranking_match_a_hand_calculation(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        evaluation.with_user(self.manager).action_compute_results()
        self.assertEqual(
            evaluation.result_ids.mapped("total"), [0.0, 0.0], "no sheet submitted yet"
        )
        self._submit_all(evaluation)
        first, second = evaluation.result_ids.sorted("rank")
        # V2: a1 = (4+2)/2 = 3 -> A = 60 (a2 nobody scored: left out, not 0); B = 5 -> 100
        #     total = 0.6 * 60 + 0.4 * 100 = 76; Alice alone 88, Bob alone 40 -> spread 48
        self.assertEqual(first.vendor_id, self.v2)
        self.assertAlmostEqual(first.total, 76.0)
        self.assertAlmostEqual(first.spread, 48.0)
        self.assertEqual((first.missing_count, first.coverage), (1, 66.7))
        self.assertEqual(
            (first.strongest_category_id, first.weakest_category_id), (self.cat_b, self.cat_a)
        )
        # V1: a1 = 4, a2 = 3 -> A = 70; b1 = 3 -> B = 60; total = 42 + 24 = 66
        #     Alice alone 80, Bob alone 52 -> spread 28
        self.assertEqual(second.vendor_id, self.v1)
        self.assertAlmostEqual(second.total, 66.0)
        self.assertAlmostEqual(second.spread, 28.0)
        self.assertEqual(second.missing_count, 0)
        self.assertEqual(
            (second.strongest_category_id, second.weakest_category_id), (self.cat_a, self.cat_b)
        )

    def test_evaluators_do_not_see_each_others_scores_until_they_submit(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        Score = self.env["crm.vendor.eval.score"]
        domain = [("evaluation_id", "=", evaluation.id)]
        self.assertEqual(Score.with_user(self.alice).search(domain).evaluator_id, self.alice)
        bob_line = Score.with_user(self.bob).search(domain, limit=1)
        with self.assertRaises(AccessError):
            bob_line.with_user(self.alice).read(["score"])
        with self.assertRaises(AccessError):
            bob_line.with_user(self.alice).write({"score": "0"})
        self.assertFalse(self.env["crm.vendor.eval.result"].with_user(self.alice).search(domain))
        alice_sheet = evaluation.assignment_ids.filtered(lambda a: a.user_id == self.alice)
        alice_sheet.with_user(self.alice).action_submit()
        self.assertEqual(
            Score.with_user(self.alice).search(domain).evaluator_id,
            self.alice,
            "Bob has not submitted",
        )
        self.assertTrue(self.env["crm.vendor.eval.result"].with_user(self.alice).search(domain))
        with self.assertRaisesRegex(UserError, "submitted"):
            self._score(evaluation, self.alice, self.v1, self.a1, 1)
        evaluation.assignment_ids.filtered(lambda a: a.user_id == self.bob).with_user(
            self.bob
        ).action_submit()
        self.assertEqual(
            Score.with_user(self.alice).search(domain).evaluator_id, self.alice | self.bob
        )
        with self.assertRaises(UserError):
            alice_sheet.with_user(self.alice).write({"state": "open"})

    def test_team_members_see_only_their_evaluations(self):
        evaluation = self._evaluation()
        other = self.env["crm.vendor.evaluation"].create(
            {
                "name": "Not yours",
                "template_id": self.template.id,
                "vendor_ids": [Command.set(self.v1.ids)],
            }
        )
        visible = self.env["crm.vendor.evaluation"].with_user(self.alice).search([])
        self.assertIn(evaluation, visible)
        self.assertNotIn(other, visible)
        with self.assertRaises(AccessError):
            self.env["crm.vendor.evaluation"].with_user(self.alice).create({"name": "Mine"})


@tagged("post_install", "-at_install")
class TestDecision(VendorEvalCase):
    def test_decision_locks_scores_and_is_logged(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        with self.assertRaisesRegex(UserError, "Choose the vendor"):
            evaluation.action_decide()
        with self.assertRaises(ValidationError):
            evaluation.decision_vendor_id = self.env["res.partner"].create({"name": "Stranger"})
        evaluation.write({"decision_vendor_id": self.v2.id, "decision_reason": "Best integration"})
        evaluation.action_decide()
        self.assertEqual(evaluation.state, "done")
        note = evaluation.message_ids.filtered(lambda m: "Decision" in (m.body or ""))
        self.assertIn("Decision: Pacific Integrators.", note.body)
        self.assertIn("Best integration", note.body)
        # The ranking is the results: in the Results tab, not in the team's chatter.
        self.assertIn("76.0", str(evaluation.comparison_html))
        self.assertNotIn("76.0", note.body)
        line = (
            self.env["crm.vendor.eval.score"]
            .with_user(self.alice)
            .search([("evaluation_id", "=", evaluation.id), ("evaluator_id", "=", self.alice.id)])
        )[:1]
        with self.assertRaisesRegex(UserError, "being scored|submitted"):
            line.write({"score": "1"})
        with self.assertRaisesRegex(UserError, "is decided: reopen it to change Vendors"):
            evaluation.write(
                {"vendor_ids": [Command.link(self.env["res.partner"].create({"name": "Late"}).id)]}
            )
        self.v2.invalidate_recordset(["vendor_evaluation_count"])
        self.assertEqual(self.v2.vendor_evaluation_count, 1)

    def test_cost_of_ownership(self):
        evaluation = self._evaluation(horizon_years=4)
        offer = self.env["crm.vendor.eval.offer"].create(
            {
                "evaluation_id": evaluation.id,
                "vendor_id": self.v1.id,
                "licence_cost": 100_000,
                "customisation_cost": 40_000,
                "integration_cost": 30_000,
                "training_cost": 10_000,
                "maintenance_cost": 20_000,
                "upgrade_cost": 5_000,
                "hosting_cost": 7_000,
            }
        )
        self.assertEqual((offer.initial_cost, offer.recurring_cost), (180_000, 32_000))
        self.assertEqual(offer.tco, 180_000 + 4 * 32_000)
        evaluation.horizon_years = 5
        self.assertEqual(offer.tco, 340_000)
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        result = evaluation.result_ids.filtered(lambda r: r.vendor_id == self.v1)
        self.assertEqual(result.tco, 340_000)
        self.assertAlmostEqual(result.score_per_cost, 66.0 / 3.4, places=2)

    def test_comparison_matrix_highlights_strongest_and_weakest(self):
        evaluation = self._evaluation()
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        html = str(evaluation.comparison_html)
        self.assertIn("Pacific Integrators", html)
        self.assertIn("76.0", html)
        self.assertEqual(html.count("o_strongest"), 2)
        self.assertEqual(html.count("o_weakest"), 2)
        report = (
            self.env["ir.actions.report"]
            ._render_qweb_html("crm_vendor_eval.action_report_vendor_comparison", evaluation.ids)[0]
            .decode()
        )
        self.assertIn("Nimbus CRM", report)
        self.assertIn("66.0", report)
