"""Two pushes for the same customers at the same time, through the real HTTP server and real
transactions: no score is lost and none is written twice."""

import threading

import requests
from live_odoo import base_url, delete_partners, insert_companies, live_env, make_sync_user

URL = "/crm_churn_score/v1/scores"


def test_two_simultaneous_pushes_for_the_same_partners():
    with live_env() as env:
        ids = insert_companies(env, 300, "Concurrent customer ")
        user, key = make_sync_user(env, "churn_sync_concurrency")
        user_id = user.id
    bodies = [
        {
            "run_id": run_id,
            "model_version": "rfm-1.0",
            "scored_at": scored_at,
            "scores": [{"partner_id": pid, "score": score} for pid in ids],
        }
        for run_id, scored_at, score in (
            ("concurrent-a", "2026-11-20T00:00:00Z", 30.0),
            ("concurrent-b", "2026-11-21T00:00:00Z", 80.0),
        )
    ]
    barrier = threading.Barrier(2)
    responses = [None, None]

    def send(slot):
        barrier.wait()
        responses[slot] = requests.post(
            base_url() + URL,
            json=bodies[slot],
            headers={"Authorization": f"Bearer {key}"},
            timeout=120,
        )

    threads = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        for response in responses:
            assert response.status_code == 200, response.text
            assert response.json()["created"] == 300
        with live_env() as env:
            env.cr.execute(
                """SELECT count(*), count(DISTINCT (partner_id, run_id))
                     FROM crm_churn_score WHERE partner_id = ANY(%s)""",
                [ids],
            )
            assert env.cr.fetchone() == (600, 600), "two scores per customer, none twice"
            env.cr.execute(
                """SELECT churn_score, churn_risk, churn_score_change, count(*)
                     FROM res_partner WHERE id = ANY(%s)
                 GROUP BY 1, 2, 3""",
                [ids],
            )
            assert env.cr.fetchall() == [(80.0, "high", 50.0, 300)], "the later score is current"
    finally:
        with live_env() as env:
            delete_partners(env, ids)
            env["res.users"].browse(user_id).unlink()
