import json
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

from lxml import html

from odoo.tests import tagged

from .common import PushCase

HUGE = "1" + "0" * 400
MAX_BODY_BYTES = 32 * 1024 * 1024  # README: "at most 32 MB per request"


@contextmanager
def captured_logs():
    """Every record Odoo logs meanwhile, whatever its level."""
    records = []
    handler = logging.Handler(level=logging.DEBUG)
    handler.emit = records.append
    logger = logging.getLogger("odoo")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@tagged("post_install", "-at_install")
class TestPushRobustness(PushCase):
    """Bad numbers, oversized fields, future dates, HTML labels, bad keys, run ids of two sync
    users: each answered in JSON with the exact reason, nothing lost of the valid rows."""

    def raw_rows(self, *rows):
        """A body as text, for what json.dumps would not write (a 400-digit literal)."""
        envelope = self.envelope([], "raw-run")
        text = json.dumps(envelope)
        return text.replace('"scores": []', '"scores": [' + ", ".join(rows) + "]")

    def test_non_finite_and_huge_numbers_reject_their_row_only(self):
        acme, bolt = self.acme.id, self.bolt.id
        driver = '{"feature": "recency_days", "impact": %s}'
        body = self.raw_rows(
            f'{{"partner_id": {acme}, "score": 50, "drivers": [{driver % "NaN"}]}}',
            f'{{"partner_id": {acme}, "score": 50, "drivers": [{driver % "Infinity"}]}}',
            f'{{"partner_id": {acme}, "score": 50, "drivers": [{driver % HUGE}]}}',
            f'{{"partner_id": {acme}, "score": 50, "drivers": [{driver % "-1e999"}]}}',
            f'{{"partner_id": {acme}, "score": NaN}}',
            f'{{"partner_id": {acme}, "score": Infinity}}',
            f'{{"partner_id": {acme}, "score": {HUGE}}}',
            f'{{"partner_id": {HUGE}, "score": 10}}',
            f'{{"partner_id": {bolt}, "score": 64.5, "drivers": [{driver % "12.5"}]}}',
        )
        response = self.push(body)
        self.assertEqual(response.status_code, 200, response.text[:500])
        result = response.json()
        reasons = {error["index"]: error["reason"] for error in result["errors"]}
        impact = "driver 0: impact must be a number from -100 to 100"
        self.assertEqual(
            reasons,
            {
                0: impact,
                1: impact,
                2: impact,
                3: impact,
                4: "score must be a number",
                5: "score must be a number",
                6: "score must be a number",
                7: "partner_id must be a whole number from 1 to 2147483647",
            },
        )
        self.assertEqual((result["created"], result["rejected"]), (1, 8))
        self.assertEqual((self.bolt.churn_score, self.bolt.churn_risk), (64.5, "medium"))
        self.assertFalse(self.history(self.acme))

    def test_sizes_are_bounded_and_never_logged_whole(self):
        long_label = {"feature": "f", "label": "x" * 257, "impact": 1}
        long_feature = {"feature": "f" * 65, "impact": 1}
        rows = [
            {"partner_id": self.acme.id, "score": 50, "drivers": [long_label]},
            {"partner_id": self.acme.id, "score": 50, "drivers": [long_feature]},
            {
                "partner_id": self.acme.id,
                "score": 50,
                "drivers": [{"feature": "f", "impact": 1}] * 21,
            },
            {"partner_ref": "C" * 129, "score": 50},
            {
                "partner_id": self.bolt.id,
                "score": 20,
                "drivers": [{"feature": "f", "label": "ok", "impact": 1}],
            },
        ]
        result = self.push(self.envelope(rows, "sized")).json()
        self.assertEqual(
            [error["reason"] for error in result["errors"]],
            [
                "driver 0: label must be text of at most 256 characters",
                "driver 0: feature must be text of at most 64 characters",
                "at most 20 drivers per score",
                "partner_ref must be non-empty text of at most 128 characters",
            ],
        )
        self.assertEqual(result["created"], 1)
        Run = self.env["crm.churn.sync.run"]
        for body, message in (
            (
                self.envelope([], "r" * 129),
                "run_id must be non-empty text of at most 128 characters",
            ),
            (
                {**self.envelope([]), "model_version": "v" * 65},
                "model_version must be text of at most 64 characters",
            ),
        ):
            runs_before = Run.search_count([])
            response = self.push(body)
            self.assertEqual((response.status_code, response.json()), (400, {"error": message}))
            failed = Run.search([], order="id desc", limit=1)
            self.assertEqual(Run.search_count([]), runs_before + 1)
            self.assertEqual((failed.state, failed.message), ("failed", message))
            self.assertFalse(failed.run_id and len(failed.run_id) > 128)
        huge_run_id = "r" * (MAX_BODY_BYTES + 1)
        runs_before = Run.search_count([])
        with captured_logs() as records:
            response = self.push(
                self.envelope([{"partner_id": self.acme.id, "score": 50}], huge_run_id)
            )
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(
            response.json(),
            {"error": "The request is larger than 32 MB: send fewer scores per request."},
        )
        self.assertEqual(Run.search_count([]), runs_before)
        self.assertFalse(self.history(self.acme))
        longest = max((len(record.getMessage()) for record in records), default=0)
        self.assertLess(longest, 1000, "a log line held the request")

    def test_text_the_database_cannot_store_is_refused(self):
        rows = [
            {
                "partner_id": self.acme.id,
                "score": 50,
                "drivers": [{"feature": "f", "label": "a\x00b", "impact": 1}],
            },
            {
                "partner_id": self.acme.id,
                "score": 50,
                "drivers": [{"feature": "\ud800", "impact": 1}],
            },
            {"partner_ref": "C-1\x00", "score": 50},
        ]
        result = self.push(self.envelope(rows, "nul")).json()
        self.assertEqual(result["rejected"], 3)
        for run_id in ("nul\x00", "\udfff"):
            response = self.push(self.envelope([], run_id))
            self.assertEqual(response.status_code, 400)
            self.assertEqual(
                response.json()["error"], "run_id must be non-empty text of at most 128 characters"
            )
        for body, reason in (
            (b'{"run_id": "x", "scores": [' + b"[" * 100_000, "Malformed JSON: nested too deeply"),
            (b'{"run_id": "\xff\xfe"}', "Malformed JSON: the body is not UTF-8 text"),
        ):
            response = self.push(body)
            self.assertEqual((response.status_code, response.json()), (400, {"error": reason}))

    def test_a_score_from_the_future_is_refused(self):
        response = self.push(
            self.envelope(
                [{"partner_id": self.acme.id, "score": 91}], "future", "9999-12-31T00:00:00Z"
            )
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json(),
            {"error": "scored_at 9999-12-31 00:00:00 lies more than a day in the future"},
        )
        self.assertFalse(self.history(self.acme))
        soon = (datetime.utcnow() + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
        accepted = self.push(
            self.envelope([{"partner_id": self.acme.id, "score": 91}], "clock", soon)
        )
        self.assertEqual(accepted.json()["created"], 1, "a clock a few hours ahead is tolerated")

    def test_run_ids_belong_to_their_sync_user(self):
        shared = self.env["res.partner"].create({"name": "Shared Customer", "is_company": True})
        other_key = self.key_of_company_b()
        mine = self.push(
            self.envelope(
                [{"partner_id": shared.id, "score": 30}], "nightly", "2026-11-20T02:00:00Z"
            )
        )
        theirs = self.push(
            self.envelope(
                [{"partner_id": shared.id, "score": 80}], "nightly", "2026-11-21T02:00:00Z"
            ),
            key=other_key,
        )
        self.assertEqual((mine.json()["created"], theirs.json()["created"]), (1, 1))
        self.assertEqual(sorted(self.history(shared).mapped("score")), [30.0, 80.0])
        self.assertEqual(shared.churn_score, 80.0)
        again = self.push(
            self.envelope(
                [{"partner_id": shared.id, "score": 80}], "nightly", "2026-11-21T02:00:00Z"
            ),
            key=other_key,
        )
        self.assertEqual((again.json()["created"], again.json()["unchanged"]), (0, 1))

    def test_html_in_a_label_is_plain_text_in_the_follow_up(self):
        label = '<a href="https://evil.example/">Renew now</a><img src="x" onerror="alert(1)">'
        self.push(
            self.envelope(
                [
                    {
                        "partner_id": self.acme.id,
                        "score": 88,
                        "drivers": [{"feature": "f", "label": label, "impact": 30}],
                    }
                ],
                "html",
            )
        )
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.acme.id)]
        )
        self.assertEqual(len(activity), 1)
        note = html.fromstring(str(activity.note))
        self.assertFalse(note.xpath("//a | //img"), "no link, no image")
        self.assertIn(label + " (+30.0)", note.text_content())
        self.assertIn(label, self.acme.churn_drivers_text)

    def test_401_is_json_and_names_the_scheme(self):
        body = self.envelope([{"partner_id": self.acme.id, "score": 45}])
        for key, challenge, message in (
            (False, "Bearer", "Send an API key: Authorization: Bearer <key>."),
            ("0123456789abcdef", 'Bearer error="invalid_token"', "Invalid API key."),
        ):
            response = self.push(body, key=key)
            self.assertEqual(response.status_code, 401)
            self.assertEqual(response.headers["WWW-Authenticate"], challenge)
            self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
            self.assertEqual(response.json(), {"error": message})
        # A browser session is no credential here: the key is.
        self.authenticate("admin", "admin")
        response = self.push(body, key=False)
        self.assertEqual(
            (response.status_code, response.json()["error"]),
            (401, "Send an API key: Authorization: Bearer <key>."),
        )
        self.assertFalse(self.history(self.acme), "nothing was written")
