"""Blind scoring holds against an evaluator with a JSON-RPC client (issue #11, items 1 and 2):
each call goes over real HTTP with the attacker's session; each refusal is exact and leaves
the database as it was. No read path (searches on scores and results, grouped reads, the form,
exports) shows an evaluator who has not submitted what the others scored."""

import importlib.util
import json
import os

from markupsafe import Markup

from odoo import Command
from odoo.modules import get_module_path
from odoo.tests import HttpCase, tagged

from .common import AttackMixin, VendorEvalCase

SERVER_SET = "These fields are set by the server and cannot be changed: %s."


@tagged("post_install", "-at_install")
class TestScoringAttacks(AttackMixin, HttpCase, VendorEvalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carol = cls.env["res.users"].create(
            {
                "name": "Carol",
                "login": "ve_carol",
                "password": "ve_carol",
                "groups_id": [
                    Command.set(cls.env.ref("crm_vendor_eval.crm_vendor_eval_group_member").ids)
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation()
        self._fill_hand_example(self.evaluation)
        # Another team's evaluation, decided, that Alice is not on.
        self.decided = self._evaluation(
            name="Decided elsewhere", member_ids=[Command.set(self.carol.ids)]
        )
        carol_sheet = self.decided.assignment_ids
        for line in carol_sheet.score_ids:
            line.with_user(self.carol).score = "3"
        carol_sheet.with_user(self.carol).action_submit()
        self.decided.write({"decision_vendor_id": self.v1.id, "decision_reason": "Tie: cheaper"})
        self.decided.with_user(self.manager).action_decide()
        self.alice_sheet = self._sheet(self.evaluation, self.alice)
        self.alice_line = self.alice_sheet.score_ids.filtered(
            lambda line: line.vendor_id == self.v1 and line.criterion_id == self.a1
        )

    def _sheet(self, evaluation, user):
        return evaluation.assignment_ids.filtered(lambda sheet: sheet.user_id == user)

    def _everything(self):
        """What the attacker might change: every score line, sheet and result."""
        Score = self.env["crm.vendor.eval.score"]
        evaluations = self.evaluation | self.decided
        return (
            self.snapshot(Score.search([("evaluation_id", "in", evaluations.ids)])),
            self.snapshot(evaluations.assignment_ids),
            self.snapshot(evaluations.result_ids),
            self.snapshot(evaluations),
        )

    # ------------------------------------------------------------------ item 1

    def test_evaluator_writes_only_score_and_comment_of_own_lines(self):
        before = self._everything()
        attempts = {
            "evaluation_id": (self.decided.id, "Evaluation"),
            "vendor_id": (self.v2.id, "Vendor"),
            "criterion_id": (self.b1.id, "Criterion"),
            "score_value": (5.0, "Score Value"),
            "scored": (False, "Scored"),
            "submitted": (True, "Submitted"),
            "evaluator_id": (self.bob.id, "Evaluator"),
            "assignment_id": (self._sheet(self.evaluation, self.bob).id, "Scoring Sheet"),
        }
        for field, (value, label) in attempts.items():
            reply = self.rpc(
                "ve_alice", "crm.vendor.eval.score", "write", self.alice_line.ids, {field: value}
            )
            self.assertRefused(reply, "AccessError", SERVER_SET % label)
        # Mixed with a legitimate change, the whole write is refused.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "write",
            self.alice_line.ids,
            {"score": "1", "score_value": 1.0},
        )
        self.assertRefused(reply, "AccessError", SERVER_SET % "Score Value")
        self.assertEqual(self._everything(), before)
        # Score and comment of her own line: yes, and the server derives the rest.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "write",
            self.alice_line.ids,
            {"score": "2", "comment": "Weak pipeline"},
        )
        self.assertEqual(reply, {"result": True})
        self.assertEqual(
            (self.alice_line.score, self.alice_line.score_value, self.alice_line.scored),
            ("2", 2.0, True),
        )

    def test_lines_are_neither_created_nor_deleted_by_users(self):
        before = self._everything()
        vals = {
            "evaluation_id": self.decided.id,
            "assignment_id": self.alice_sheet.id,
            "evaluator_id": self.alice.id,
            "vendor_id": self.v1.id,
            "criterion_id": self.a1.id,
            "score": "5",
        }
        for login in ("ve_alice", "ve_manager"):
            reply = self.rpc(login, "crm.vendor.eval.score", "create", [vals])
            self.assertEqual(reply["error"], "AccessError", login)
            reply = self.rpc(login, "crm.vendor.eval.score", "unlink", self.alice_line.ids)
            self.assertEqual(reply["error"], "AccessError", login)
        self.assertEqual(self._everything(), before)

    def test_others_lines_are_out_of_reach(self):
        bob_line = self._sheet(self.evaluation, self.bob).score_ids[:1]
        before = self._everything()
        for login in ("ve_alice", "ve_manager"):
            reply = self.rpc(login, "crm.vendor.eval.score", "write", bob_line.ids, {"score": "0"})
            self.assertRefused(reply, "AccessError", "Only the evaluator changes their own scores.")
        self.assertEqual(self._everything(), before)

    def test_a_sheet_is_submitted_by_its_evaluator_only_and_stays_submitted(self):
        bob_sheet = self._sheet(self.evaluation, self.bob)
        before = self._everything()
        for login in ("ve_alice", "ve_manager"):
            reply = self.rpc(login, "crm.vendor.eval.assignment", "action_submit", bob_sheet.ids)
            self.assertRefused(reply, "AccessError", "Only the evaluator can submit their scores.")
        for field, value, label in (
            ("state", "submitted", "Status"),
            ("date_submitted", "2020-01-01 00:00:00", "Submitted On"),
            ("evaluation_id", self.decided.id, "Evaluation"),
            ("user_id", self.bob.id, "Evaluator"),
        ):
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.eval.assignment",
                "write",
                self.alice_sheet.ids,
                {field: value},
            )
            self.assertRefused(reply, "AccessError", SERVER_SET % label)
        # Through the sheet's lines: only score and comment of existing lines.
        for command in (
            Command.create({"vendor_id": self.v1.id, "criterion_id": self.a1.id}),
            Command.delete(self.alice_line.id),
            Command.unlink(self.alice_line.id),
            Command.set([]),
        ):
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.eval.assignment",
                "write",
                self.alice_sheet.ids,
                {"score_ids": [command]},
            )
            self.assertRefused(
                reply,
                "AccessError",
                "The lines of a scoring sheet are set by the server: only their score and "
                "comment change.",
            )
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "write",
            self.alice_sheet.ids,
            {"score_ids": [Command.update(self.alice_line.id, {"submitted": True})]},
        )
        self.assertRefused(reply, "AccessError", SERVER_SET % "Submitted")
        self.assertEqual(self._everything(), before)
        # Alice submits her own sheet; then nothing reopens or changes it.
        reply = self.rpc(
            "ve_alice", "crm.vendor.eval.assignment", "action_submit", self.alice_sheet.ids
        )
        self.assertNotIn("error", reply)
        self.assertEqual(self.alice_sheet.state, "submitted")
        after_submit = self._everything()
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "write",
            self.alice_sheet.ids,
            {"state": "open"},
        )
        self.assertRefused(reply, "AccessError", SERVER_SET % "Status")
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "write",
            self.alice_line.ids,
            {"submitted": False},
        )
        self.assertRefused(reply, "AccessError", SERVER_SET % "Submitted")
        reply = self.rpc(
            "ve_alice", "crm.vendor.eval.score", "write", self.alice_line.ids, {"score": "0"}
        )
        self.assertRefused(
            reply, "UserError", "These scores were submitted: they cannot change any more."
        )
        reply = self.rpc(
            "ve_alice", "crm.vendor.eval.assignment", "action_submit", self.alice_sheet.ids
        )
        self.assertRefused(reply, "UserError", "These scores were already submitted.")
        self.assertEqual(self._everything(), after_submit)

    def test_scores_change_only_while_the_evaluation_is_scored(self):
        carol_line = self.decided.assignment_ids.score_ids[:1]
        before = self._everything()
        reply = self.rpc(
            "ve_carol", "crm.vendor.eval.score", "write", carol_line.ids, {"comment": "late"}
        )
        self.assertRefused(
            reply, "UserError", "Scores can only change while the evaluation is being scored."
        )
        self.assertEqual(self._everything(), before)

    def test_results_derive_from_the_scores(self):
        """What the attacker tried above cannot move a ranking: results equal the hand
        calculation of the scores given, and only the scores."""
        for field, value in (("score_value", 0.0), ("scored", False)):
            self.rpc(
                "ve_alice", "crm.vendor.eval.score", "write", self.alice_line.ids, {field: value}
            )
        self._submit_all(self.evaluation)
        first, second = self.evaluation.result_ids.sorted("rank")
        self.assertEqual((first.vendor_id, first.total), (self.v2, 76.0))
        self.assertEqual((second.vendor_id, second.total), (self.v1, 66.0))

    # ------------------------------------------------------------------ item 2

    def test_results_are_updated_by_managers_only_and_never_after_the_decision(self):
        self._submit_all(self.evaluation)
        before = self._everything()
        reply = self.rpc(
            "ve_alice", "crm.vendor.evaluation", "action_compute_results", self.evaluation.ids
        )
        self.assertRefused(reply, "AccessError", "Only Evaluation Managers may do this.")
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "action_compute_results", self.decided.ids
        )
        self.assertRefused(
            reply,
            "UserError",
            "“Decided elsewhere” is decided: its results are frozen. Reopen it to update them.",
        )
        for field in ("total", "rank"):
            reply = self.rpc(
                "ve_manager",
                "crm.vendor.eval.result",
                "write",
                self.decided.result_ids.ids,
                {field: 99},
            )
            self.assertEqual(reply["error"], "AccessError")
        reply = self.rpc(
            "ve_manager", "crm.vendor.eval.result", "unlink", self.decided.result_ids.ids
        )
        self.assertEqual(reply["error"], "AccessError")
        self.assertEqual(self._everything(), before)
        reply = self.rpc(
            "ve_manager", "crm.vendor.evaluation", "action_compute_results", self.evaluation.ids
        )
        self.assertNotIn("error", reply)


@tagged("post_install", "-at_install")
class TestBlindScoringReadPaths(AttackMixin, HttpCase, VendorEvalCase):
    """Alice has not submitted; Bob has: whatever Alice asks over JSON-RPC, she learns nothing
    of Bob's scores or of the results (blind scoring)."""

    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation()
        self._fill_hand_example(self.evaluation)
        self.bob_sheet = self.evaluation.assignment_ids.filtered(lambda s: s.user_id == self.bob)
        self.bob_sheet.with_user(self.bob).action_submit()
        self.assertTrue(self.evaluation.result_ids)

    def test_no_read_path_shows_an_unsubmitted_evaluator_the_others_scores(self):
        ev = self.evaluation
        # Searching the team's sheets on the scores of their lines.
        for value in ("0", "1", "2", "3", "4", "5"):
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.eval.assignment",
                "search_count",
                [("id", "=", self.bob_sheet.id), ("score_ids.score", "=", value)],
            )
            self.assertEqual(reply, {"result": 0}, value)
            reply = self.rpc(
                "ve_alice",
                "crm.vendor.evaluation",
                "search_count",
                [("id", "=", ev.id), ("score_ids.evaluator_id", "=", self.bob.id),
                 ("score_ids.score", "=", value)],
            )  # fmt: skip
            self.assertEqual(reply, {"result": 0}, value)
        # The results, their ranking through a domain, the comparison on the form.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.evaluation",
            "search_count",
            [("id", "=", ev.id), ("result_ids.rank", "=", 1)],
        )
        self.assertEqual(reply, {"result": 0})
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.evaluation",
            "web_read",
            ev.ids,
            {
                "comparison_html": {},
                "result_ids": {"fields": {"total": {}, "rank": {}}},
                "score_ids": {"fields": {"score": {}, "evaluator_id": {}}},
            },
        )
        [values] = reply["result"]
        self.assertFalse(values["comparison_html"])
        self.assertEqual(values["result_ids"], [])
        self.assertEqual({line["evaluator_id"] for line in values["score_ids"]}, {self.alice.id})
        # Grouped scores: her own only.
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.score",
            "read_group",
            [("evaluation_id", "=", ev.id)],
            ["score_value:avg"],
            ["evaluator_id"],
        )
        self.assertEqual([g["evaluator_id"][0] for g in reply["result"]], [self.alice.id])
        # Exported through Bob's sheet (the team reads it), with the export right Odoo gives
        # every new user.
        self.alice.groups_id = [Command.link(self.env.ref("base.group_allow_export").id)]
        reply = self.rpc(
            "ve_alice",
            "crm.vendor.eval.assignment",
            "export_data",
            self.bob_sheet.ids,
            ["score_ids/score", "score_ids/comment"],
        )
        self.assertFalse([row for row in reply["result"]["datas"] if any(row)])


@tagged("post_install", "-at_install")
class TestBlindScoringAfterReopen(AttackMixin, HttpCase, VendorEvalCase):
    """Alice submits, a manager decides, then reopens; Bob is still scoring. The chatter is the
    team's: what it says of the decision must not show Bob the results he sees only once he
    has submitted (the second review's probe)."""

    NOTE = (
        "<p>Decision: Nimbus CRM.</p><p>Reason: Best fit</p><p>The ranking it was decided on "
        "is in the Results tab (Evaluation Managers, and members once they have submitted "
        "their own scores).</p>"
    )

    def setUp(self):
        super().setUp()
        self.evaluation = self._evaluation()
        self._fill_hand_example(self.evaluation)
        self.alice_sheet, self.bob_sheet = (
            self.evaluation.assignment_ids.filtered(lambda s, u=u: s.user_id == u)
            for u in (self.alice, self.bob)
        )
        self.alice_sheet.with_user(self.alice).action_submit()
        self.evaluation.write({"decision_vendor_id": self.v1.id, "decision_reason": "Best fit"})
        self.evaluation.with_user(self.manager).action_decide()
        # From Alice's scores alone: Nimbus CRM 80.0, Pacific Integrators 88.0.
        self.totals = [f"{total:.1f}" for total in self.evaluation.result_ids.mapped("total")]
        self.assertEqual(sorted(self.totals), ["80.0", "88.0"])
        self.evaluation.with_user(self.manager).action_reopen()
        self.assertEqual((self.evaluation.state, self.bob_sheet.state), ("scoring", "open"))

    def assertNoResults(self, text):
        for secret in ("Weighted total", "Spread", *self.totals):
            self.assertNotIn(secret, text)

    def test_the_chatter_names_the_decision_not_the_ranking(self):
        thread = [("model", "=", "crm.vendor.evaluation"), ("res_id", "=", self.evaluation.id)]
        # The messages of the evaluation, searched.
        reply = self.rpc("ve_bob", "mail.message", "search_read", thread, ["body"])
        bodies = [str(message["body"]) for message in reply["result"]]
        self.assertIn(self.NOTE, bodies)
        self.assertNoResults(json.dumps(reply))
        # Through the evaluation's own thread.
        reply = self.rpc("ve_bob", "crm.vendor.evaluation", "read", self.evaluation.ids,
                         ["message_ids"])  # fmt: skip
        ids = reply["result"][0]["message_ids"]
        self.assertEqual(sorted(ids), sorted(message["id"] for message in self.rpc(
            "ve_bob", "mail.message", "search_read", thread, ["id"])["result"]))  # fmt: skip
        reply = self.rpc("ve_bob", "mail.message", "read", ids, ["body"])
        self.assertIn(self.NOTE, [str(message["body"]) for message in reply["result"]])
        self.assertNoResults(json.dumps(reply))
        # As the web client's chatter loads it, with the tracked changes.
        self.authenticate("ve_bob", "ve_bob")
        response = self.url_open(
            "/mail/thread/messages",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "thread_model": "crm.vendor.evaluation",
                        "thread_id": self.evaluation.id,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Decision: Nimbus CRM.", response.text)
        self.assertNoResults(response.text)
        # The results themselves stay where they were: the manager's, and Alice's.
        reply = self.rpc("ve_bob", "crm.vendor.eval.result", "search_read",
                         [("evaluation_id", "=", self.evaluation.id)], ["total"])  # fmt: skip
        self.assertEqual(reply, {"result": []})
        reply = self.rpc("ve_alice", "crm.vendor.eval.result", "search_read",
                         [("evaluation_id", "=", self.evaluation.id)], ["total"])  # fmt: skip
        self.assertEqual(sorted(f"{r['total']:.1f}" for r in reply["result"]), ["80.0", "88.0"])

    def test_the_upgrade_takes_the_ranking_out_of_earlier_notes(self):
        """A decision note of an earlier version (with its ranking table) loses the table at
        the upgrade to 18.0.1.5.0; its decision and reason stay."""
        old = self.evaluation._message_log(
            body=Markup(
                "<p>Decision: Nimbus CRM.</p><table class='table table-sm'><thead><tr><th>#</th>"
                "<th>Vendor</th><th>Weighted total</th><th>Spread</th></tr></thead><tbody><tr>"
                "<td>1</td><td>Pacific Integrators</td><td>88.0</td><td>0.0</td></tr><tr><td>2"
                "</td><td>Nimbus CRM</td><td>80.0</td><td>0.0</td></tr></tbody></table><p>"
                "Reason: Best fit</p>"
            )
        )
        path = os.path.join(
            get_module_path("crm_vendor_eval"), "migrations", "18.0.1.5.0", "post-migrate.py"
        )
        spec = importlib.util.spec_from_file_location("crm_vendor_eval_migrate_1_5", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(self.env.cr, "18.0.1.4.0")
        reply = self.rpc("ve_bob", "mail.message", "read", old.ids, ["body"])
        self.assertEqual(
            reply["result"][0]["body"], "<p>Decision: Nimbus CRM.</p><p>Reason: Best fit</p>"
        )
