"""Benchmark: push churn scores through the HTTP API against the real Odoo and PostgreSQL on
loopback, next to the floor: the same rows written with one plain SQL statement.

    make bench                                   # 100,000 rows (BENCH_CHURN_ROWS)
    make test ARGS="tests/bench_churn_push.py -s"  # the small smoke run of the test command

Prints rows/s and the ratio API time / floor time. The smoke run (2,000 rows) also checks the
API still writes every row; the figures of the full run go to the README."""

import os
import time

import requests
from live_odoo import base_url, delete_partners, insert_companies, live_env, make_sync_user

URL = "/crm_churn_score/v1/scores"
ROWS = int(os.environ.get("BENCH_CHURN_ROWS", "2000"))
BATCH = 10_000


def _rows(ids):
    return [
        {
            "partner_id": pid,
            "score": float((pid * 37) % 1000) / 10.0,
            "drivers": [
                {"feature": "recency_days", "label": "No purchase for 95 days", "impact": 12.5},
                {"feature": "trend", "label": "Revenue down 40 %", "impact": 6.0},
            ],
        }
        for pid in ids
    ]


def _floor(env, rows):
    """One INSERT of all rows, as a plain SQL floor; rolled back by the caller."""
    start = time.perf_counter()
    env.cr.execute(
        """
        INSERT INTO crm_churn_score (partner_id, score, risk, drivers, model_version,
                                     scored_at, run_id, create_date, write_date)
        SELECT u.partner_id, u.score, 'low', u.drivers::jsonb, 'floor', now(), 'floor',
               now(), now()
          FROM unnest(%s::int[], %s::numeric[], %s::text[]) AS u(partner_id, score, drivers)
        """,
        [
            [row["partner_id"] for row in rows],
            [row["score"] for row in rows],
            [str(row["drivers"]).replace("'", '"') for row in rows],
        ],
    )
    return time.perf_counter() - start


def test_bench_churn_push():
    with live_env() as env:
        ids = insert_companies(env, ROWS, "Bench customer ")
        user, key = make_sync_user(env, "churn_sync_bench")
        user_id = user.id
    rows = _rows(ids)
    try:
        with live_env() as env:
            floor = _floor(env, rows)
            env.cr.rollback()
        session = requests.Session()
        headers = {"Authorization": f"Bearer {key}"}
        created = 0
        start = time.perf_counter()
        for offset in range(0, ROWS, BATCH):
            body = {
                "run_id": "bench",
                "model_version": "rfm-1.0",
                "scored_at": "2026-11-23T00:00:00Z",
                "scores": rows[offset : offset + BATCH],
            }
            response = session.post(base_url() + URL, json=body, headers=headers, timeout=600)
            assert response.status_code == 200, response.text[:500]
            created += response.json()["created"]
        api_seconds = time.perf_counter() - start
        assert created == ROWS
        print(
            f"\nchurn push benchmark: {ROWS:,} rows in {-(-ROWS // BATCH)} request(s)\n"
            f"  floor (one SQL INSERT): {floor:8.2f} s  {ROWS / floor:12,.0f} rows/s\n"
            f"  push API (HTTP, JSON):  {api_seconds:8.2f} s  {ROWS / api_seconds:12,.0f} rows/s\n"
            f"  ratio API / floor:      {api_seconds / floor:8.1f} x"
        )
    finally:
        with live_env() as env:
            env.cr.execute("DELETE FROM crm_churn_sync_run WHERE user_id = %s", [user_id])
            env.cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'res.partner' AND res_id = ANY(%s)",
                [ids],
            )
            delete_partners(env, ids)
            env["res.users"].browse(user_id).unlink()
