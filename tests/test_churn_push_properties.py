"""Property-based test of the churn push API: generated bodies (shapes, types, sizes, unicode,
nesting, NaN, huge numbers, HTML, future dates, colliding run ids) thrown at the real server over
HTTP with a sync user's key. Whatever the body, the answer is never a 500 and always JSON, and
the database stays consistent: each customer's current score is its latest history row, a
follow-up is open exactly while the risk is high, every accepted request recorded its sync run.

    make test ARGS="tests/test_churn_push_properties.py"                       # quick profile
    CHURN_HYPOTHESIS_PROFILE=hunt make test ARGS="tests/test_churn_push_properties.py"  # hunt
"""

import json
import os
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.crm_churn_score.tests.common import PushCase
from odoo.tests import tagged

settings.register_profile(
    "quick",
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "hunt",
    max_examples=3000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROFILE = settings.get_profile(os.environ.get("CHURN_HYPOTHESIS_PROFILE", "quick"))

NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\ud800",
        "nul\x00byte",
        '<a href="https://evil.example/">x</a><img src=x onerror=alert(1)>',
        "流失风险",
        "😀" * 3,
        "x" * 300,
        "C-100",
        "2026-11-20T02:00:00Z",
        "9999-12-31T00:00:00Z",
        "NaN",
    ]
)
TEXT = st.one_of(st.text(max_size=12), NASTY_TEXT)
NUMBERS = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([10**400, -(10**40), 2**31, 0, -1, 100, 100.05]),
)
LEAVES = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=12,
)


PAST = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
)


class Bodies:
    """Strategies over the customers of the test (set after they exist): mostly valid bodies
    with a few wrong parts, and anything at all."""

    def __init__(self, partner_ids, refs):
        valid_driver = st.fixed_dictionaries(
            {
                "feature": st.one_of(st.sampled_from(["recency_days", "trend"]), NASTY_TEXT),
                "impact": st.floats(-100, 100),
            },
            optional={"label": st.one_of(NASTY_TEXT, st.text(max_size=12))},
        )
        noisy_driver = st.one_of(
            st.fixed_dictionaries(
                {"feature": TEXT, "impact": st.one_of(st.floats(-100, 100), NUMBERS)},
                optional={"label": st.one_of(TEXT, JSON)},
            ),
            JSON,
        )
        valid_row = st.fixed_dictionaries(
            {"partner_id": st.sampled_from(partner_ids), "score": st.floats(0, 100)},
            optional={"drivers": st.lists(valid_driver, max_size=3)},
        )
        noisy_row = st.one_of(
            st.fixed_dictionaries(
                {"score": st.one_of(st.integers(0, 100), NUMBERS, JSON)},
                optional={
                    "partner_id": st.one_of(st.sampled_from(partner_ids), NUMBERS, JSON),
                    "partner_ref": st.one_of(st.sampled_from(refs), TEXT),
                    "drivers": st.one_of(st.lists(noisy_driver, max_size=3), JSON),
                },
            ),
            JSON,
        )
        complete = st.fixed_dictionaries(
            {
                "run_id": st.one_of(st.sampled_from(["r1", "r2", "r3", " r1 "]), NASTY_TEXT),
                "model_version": st.one_of(st.just("rfm-1.0"), NASTY_TEXT),
                "scored_at": PAST,
                "scores": st.lists(
                    st.one_of(valid_row, valid_row, noisy_row), min_size=1, max_size=6
                ),
            }
        )
        noisy = st.fixed_dictionaries(
            {},
            optional={
                "run_id": st.one_of(st.sampled_from(["r1", "r2"]), TEXT, JSON),
                "model_version": st.one_of(st.just("rfm-1.0"), TEXT, JSON),
                "scored_at": st.one_of(PAST, st.just("+275760-09-13T00:00:00Z"), TEXT, JSON),
                "scores": st.one_of(st.lists(noisy_row, max_size=6), JSON),
            },
        )
        raw = st.one_of(
            st.binary(max_size=40),
            st.integers(1, 200_000).map(lambda depth: b"[" * depth),
            st.just(b'{"run_id": "r1", "scores": [NaN, Infinity, -Infinity]}'),
        )
        self.body = st.one_of(complete, complete, complete, noisy, JSON, raw)
        self.content_type = st.sampled_from(
            ["application/json"] * 8 + ["application/json; charset=utf-8", "text/plain"]
        )


@tagged("post_install", "-at_install")
class TestPushProperties(PushCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.acme | cls.bolt | cls.foreign | cls.acme_contact
        cls.bodies = Bodies(cls.partners.ids + [999_999_999], ["C-100", "C-200", "NOPE"])

    def setUp(self):
        super().setUp()
        self.accepted_runs = set()

    def check_answer(self, response):
        self.assertNotEqual(response.status_code, 500, response.text[:500])
        self.assertIn(response.status_code, {200, 400, 413, 415, 503}, response.text[:500])
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        answer = response.json()
        if response.status_code != 200:
            self.assertIsInstance(answer["error"], str)
            return
        run = self.env["crm.churn.sync.run"].browse(answer["sync_run_id"]).exists()
        self.assertTrue(run, "the accepted request recorded its sync run")
        self.assertEqual(
            answer["created"] + answer["unchanged"] + answer["rejected"], run.received_count
        )
        self.assertEqual(len(answer["errors"]), answer["rejected"])
        self.accepted_runs.add(run.id)

    def check_database(self):
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(
            """
            WITH latest AS (
                SELECT DISTINCT ON (partner_id) partner_id, score, risk, scored_at
                  FROM crm_churn_score ORDER BY partner_id, scored_at DESC, id DESC
            )
            SELECT p.id, p.churn_score, p.churn_risk, p.churn_scored_at,
                   l.score, l.risk, l.scored_at
              FROM res_partner p LEFT JOIN latest l ON l.partner_id = p.id
             WHERE p.id = ANY(%s)
            """,
            [self.partners.ids],
        )
        for pid, score, risk, when, latest_score, latest_risk, latest_when in cr.fetchall():
            self.assertEqual(
                (score, risk, when),
                (latest_score, latest_risk, latest_when),
                f"partner {pid}: the current score is the latest history row",
            )
        followup = self.env.ref("crm_churn_score.mail_activity_type_churn_followup")
        for partner in self.partners:
            has_user = bool(partner._get_churn_followup_users().get(partner.id))
            opened = self.env["mail.activity"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", followup.id),
                ]
            )
            expected = int(partner.churn_risk == "high" and has_user)
            self.assertEqual(opened, expected, f"{partner.name}: one follow-up per rise")
        self.assertEqual(
            len(self.env["crm.churn.sync.run"].browse(list(self.accepted_runs)).exists()),
            len(self.accepted_runs),
        )

    def test_any_body_gets_a_json_answer_and_leaves_the_database_consistent(self):
        @PROFILE
        @given(body=self.bodies.body, content_type=self.bodies.content_type)
        def throw(body, content_type):
            data = body if isinstance(body, bytes) else json.dumps(body)
            response = self.push(data, content_type=content_type)
            self.check_answer(response)
            self.check_database()

        throw()
        self.assertTrue(self.accepted_runs, "some generated bodies were accepted")
        self.assertTrue(
            self.env["crm.churn.score"].search([("partner_id", "in", self.partners.ids)])
        )

    def test_a_known_good_body_is_accepted(self):
        """The generator's baseline: a valid body gives 200 (so the property above is not
        passing only because everything is refused)."""
        today = (datetime.utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        response = self.push(
            json.dumps(self.envelope([{"partner_id": self.acme.id, "score": 90}], "r9", today))
        )
        self.check_answer(response)
        self.check_database()
        self.assertEqual(self.acme.churn_risk, "high")
