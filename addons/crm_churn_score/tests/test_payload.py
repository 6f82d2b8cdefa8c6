import unittest
from datetime import datetime

from ..payload import MAX_ROWS, EnvelopeError, parse_batch


def envelope(scores, **overrides):
    body = {
        "run_id": "run-7",
        "model_version": "rfm-1.0",
        "scored_at": "2026-11-23T02:00:00Z",
        "scores": scores,
    }
    body.update(overrides)
    return body


class TestPayload(unittest.TestCase):
    def test_valid_rows_are_parsed_and_drivers_sorted_by_strength(self):
        batch = parse_batch(
            envelope(
                [
                    {
                        "partner_id": 7,
                        "score": 81.46,
                        "drivers": [
                            {"feature": "trend", "impact": 3},
                            {"feature": "recency_days", "label": "No order", "impact": -12.5},
                        ],
                    },
                    {"partner_ref": " C-1 ", "score": 0},
                ]
            )
        )
        self.assertEqual(batch.scored_at, datetime(2026, 11, 23, 2, 0))
        first, second = batch.rows
        self.assertEqual((first.partner_id, first.score), (7, 81.5))
        self.assertEqual([d["feature"] for d in first.drivers], ["recency_days", "trend"])
        self.assertEqual(
            first.drivers[1]["label"], "trend", "the feature names an unlabelled driver"
        )
        self.assertEqual((second.partner_ref, second.score, second.drivers), ("C-1", 0.0, []))
        self.assertEqual(batch.rejected, [])

    def test_scored_at_with_offset_is_stored_in_utc(self):
        batch = parse_batch(envelope([], scored_at="2026-11-23T10:00:00+08:00"))
        self.assertEqual(batch.scored_at, datetime(2026, 11, 23, 2, 0))

    def test_bad_rows_are_rejected_one_by_one(self):
        rows = [
            {"score": 10},
            {"partner_id": 1, "partner_ref": "X", "score": 10},
            {"partner_id": "1", "score": 10},
            {"partner_id": 1},
            {"partner_id": 1, "score": "high"},
            {"partner_id": 1, "score": True},
            {"partner_id": 1, "score": 100.1},
            {"partner_id": 1, "score": -1},
            {"partner_id": 1, "score": 5, "drivers": "none"},
            {"partner_id": 1, "score": 5, "drivers": [{"feature": "x", "impact": "big"}]},
            "not an object",
            {"partner_id": 2, "score": 50},
        ]
        batch = parse_batch(envelope(rows))
        self.assertEqual([row.index for row in batch.rows], [11])
        reasons = {index: message % params for index, message, params in batch.rejected}
        self.assertEqual(sorted(reasons), list(range(11)))
        self.assertIn("missing field: partner_id", reasons[0])
        self.assertIn("not both", reasons[1])
        self.assertIn("whole number", reasons[2])
        self.assertIn("missing field: score", reasons[3])
        self.assertIn("must be a number", reasons[4])
        self.assertIn("must be a number", reasons[5])
        self.assertIn("100.1 is out of range", reasons[6])
        self.assertIn("out of range", reasons[7])
        self.assertIn("drivers must be a list", reasons[8])
        self.assertIn("impact must be a number", reasons[9])
        self.assertIn("not an object", reasons[10])

    def test_unusable_envelopes_raise(self):
        cases = [
            ([], "JSON object"),
            ({"run_id": "r"}, "missing field(s): model_version, scored_at, scores"),
            (envelope([], run_id=""), "run_id"),
            (envelope([], scored_at="yesterday"), "scored_at"),
            (envelope({"partner_id": 1}), "scores must be a list"),
            (envelope([{}] * (MAX_ROWS + 1)), "at most 10000 scores"),
        ]
        for body, expected in cases:
            with self.subTest(expected=expected), self.assertRaises(EnvelopeError) as caught:
                parse_batch(body)
            self.assertIn(expected, str(caught.exception))
