from odoo.tests import new_test_user, tagged

from .common import PushCase


@tagged("post_install", "-at_install")
class TestPushApi(PushCase):
    def test_mixed_batch_applies_valid_rows_and_reports_each_rejection(self):
        rows = [
            {
                "partner_id": self.acme.id,
                "score": 82.0,
                "drivers": [
                    {"feature": "recency_days", "label": "No order for 150 days", "impact": 24.0}
                ],
            },
            {"partner_ref": "C-200", "score": 35},
            {"partner_id": 999999999, "score": 50},
            {"partner_id": self.foreign.id, "score": 50},
            {"partner_ref": "NOPE", "score": 50},
            {"partner_id": self.bolt.id, "score": 150},
            {"partner_id": self.bolt.id, "score": "a lot"},
            {"partner_id": self.bolt.id},
        ]
        response = self.push(self.envelope(rows))
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()
        self.assertEqual((result["created"], result["unchanged"], result["rejected"]), (2, 0, 6))
        reasons = {error["index"]: error["reason"] for error in result["errors"]}
        self.assertEqual(sorted(reasons), [2, 3, 4, 5, 6, 7])
        self.assertEqual(reasons[2], "unknown partner 999999999 in the sync user's companies")
        self.assertEqual(
            reasons[3], f"unknown partner {self.foreign.id} in the sync user's companies"
        )
        self.assertEqual(reasons[4], "unknown partner_ref NOPE in the sync user's companies")
        self.assertIn("150 is out of range", reasons[5])
        self.assertIn("must be a number", reasons[6])
        self.assertIn("missing field: score", reasons[7])
        self.assertEqual((self.acme.churn_score, self.acme.churn_risk), (82.0, "high"))
        self.assertIn("No order for 150 days (+24.0)", self.acme.churn_drivers_text)
        # Bolt's malformed rows (5-7) are rejected for their own fault: they do not make its
        # valid row (1, by reference) a duplicate.
        self.assertEqual((self.bolt.churn_score, self.bolt.churn_risk), (35.0, "low"))
        self.assertFalse(self.foreign.churn_score_ids)
        run = self.env["crm.churn.sync.run"].browse(result["sync_run_id"])
        self.assertEqual((run.state, run.received_count, run.source), ("partial", 8, "push"))
        self.assertEqual(run.user_id, self.sync_user)

    def test_contact_rows_score_their_company_and_duplicates_are_rejected(self):
        rows = [
            {"partner_id": self.acme_contact.id, "score": 60},
            {"partner_id": self.acme.id, "score": 61},
            {"partner_id": self.bolt.id, "score": 10},
        ]
        result = self.push(self.envelope(rows)).json()
        self.assertEqual((result["created"], result["rejected"]), (1, 2))
        self.assertEqual(
            {e["index"] for e in result["errors"]}, {0, 1}, "both rows of the same customer"
        )
        self.assertIn("duplicate partner in the batch (rows 0, 1)", result["errors"][0]["reason"])
        self.assertFalse(self.history(self.acme))
        single = self.push(self.envelope([{"partner_id": self.acme_contact.id, "score": 60}], "r2"))
        self.assertEqual(single.json()["created"], 1)
        self.assertEqual(self.history(self.acme).score, 60.0)
        self.assertEqual(self.acme_contact.company_churn_score, 60.0)

    def test_resending_a_run_changes_nothing(self):
        body = self.envelope(
            [{"partner_id": self.acme.id, "score": 45}, {"partner_ref": "C-200", "score": 5}]
        )
        first = self.push(body).json()
        again = self.push(body).json()
        self.assertEqual((first["created"], first["unchanged"]), (2, 0))
        self.assertEqual((again["created"], again["unchanged"], again["rejected"]), (0, 2, 0))
        self.assertEqual(len(self.history(self.acme)), 1)
        self.assertEqual(self.acme.churn_score, 45.0)

    def test_an_older_score_goes_to_history_only(self):
        self.push(
            self.envelope(
                [{"partner_id": self.acme.id, "score": 30}], "new", "2026-11-20T02:00:00Z"
            )
        )
        late = self.push(
            self.envelope(
                [{"partner_id": self.acme.id, "score": 90}], "old", "2026-11-01T02:00:00Z"
            )
        ).json()
        self.assertEqual(late["created"], 1)
        self.assertEqual(len(self.history(self.acme)), 2)
        self.assertEqual((self.acme.churn_score, self.acme.churn_risk), (30.0, "low"))
        newer = self.push(
            self.envelope(
                [{"partner_id": self.acme.id, "score": 50}], "newer", "2026-11-21T02:00:00Z"
            )
        )
        self.assertEqual(newer.status_code, 200)
        self.assertEqual((self.acme.churn_score, self.acme.churn_score_change), (50.0, 20.0))

    def test_authentication_method_and_content_type(self):
        body = self.envelope([{"partner_id": self.acme.id, "score": 45}])
        self.assertEqual(self.push(body, key="0123456789abcdef").status_code, 401)
        self.assertEqual(self.push(body, key=False).status_code, 401)
        outsider = new_test_user(self.env, login="not_sync", groups="base.group_user")
        self.assertEqual(self.push(body, key=self._api_key(outsider)).status_code, 403)
        wrong_method = self.push(body, method="PUT")
        self.assertEqual(wrong_method.status_code, 405)
        self.assertEqual(wrong_method.headers["Allow"], "POST")
        self.assertEqual(self.push(body, content_type="text/plain").status_code, 415)
        self.assertFalse(self.history(self.acme), "nothing was written")

    def test_malformed_batches_are_refused_whole(self):
        Run = self.env["crm.churn.sync.run"]
        malformed = self.push('{"run_id": "x", "scores": [')
        self.assertEqual(malformed.status_code, 400)
        self.assertIn("Malformed JSON", malformed.json()["error"])
        no_scores = self.push(
            {"run_id": "x", "model_version": "1", "scored_at": "2026-11-20T02:00:00Z"}
        )
        self.assertEqual(no_scores.status_code, 400)
        self.assertIn("missing field(s): scores", no_scores.json()["error"])
        self.assertEqual(Run.search([("run_id", "=", "x")]).state, "failed")
        too_many = self.push(self.envelope([{"partner_id": self.acme.id, "score": 1}] * 10001))
        self.assertEqual(too_many.status_code, 400)
        self.assertFalse(self.history(self.acme), "nothing was written")

    def test_errors_speak_the_sync_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.sync_user.lang = "zh_CN"
        result = self.push(self.envelope([{"partner_id": 999999999, "score": 50}])).json()
        self.assertEqual(result["errors"][0]["reason"], "同步用户所属公司中没有合作伙伴 999999999")

    def test_rise_to_high_schedules_one_follow_up(self):
        Activity = self.env["mail.activity"]
        followups = lambda: Activity.search(  # noqa: E731
            [("res_model", "=", "res.partner"), ("res_id", "=", self.acme.id)]
        )
        self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 50}], "r1", "2026-11-01T00:00:00Z")
        )
        self.assertFalse(followups(), "medium risk: no follow-up")
        self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 85}], "r2", "2026-11-08T00:00:00Z")
        )
        activity = followups()
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("crm_churn_score.mail_activity_type_churn_followup"),
        )
        self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 92}], "r3", "2026-11-15T00:00:00Z")
        )
        self.assertEqual(len(followups()), 1, "still the same rise: no second activity")
        activity.action_feedback("Called, discount offered")
        self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 20}], "r4", "2026-11-22T00:00:00Z")
        )
        self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 75}], "r5", "2026-11-29T00:00:00Z")
        )
        self.assertEqual(len(followups()), 1, "a new rise gets a new follow-up")
