"""Pushes for the same customers at the same time, through the real HTTP server and real
transactions: no score is lost, none is written twice, and a push that keeps colliding is
answered 503 with Retry-After (never 500), so that the job sends it again."""

import threading
import time

import requests
from live_odoo import base_url, delete_partners, insert_companies, live_env, make_sync_user

URL = "/crm_churn_score/v1/scores"


def _body(run_id, scored_at, scores):
    return {
        "run_id": run_id,
        "model_version": "rfm-1.0",
        "scored_at": scored_at,
        "scores": [{"partner_id": pid, "score": score} for pid, score in scores],
    }


def _send_together(bodies, key):
    """POST every body at the same moment, one thread each; returns the responses."""
    barrier = threading.Barrier(len(bodies))
    responses = [None] * len(bodies)

    def send(slot):
        barrier.wait()
        responses[slot] = requests.post(
            base_url() + URL,
            json=bodies[slot],
            headers={"Authorization": f"Bearer {key}"},
            timeout=300,
        )

    threads = [threading.Thread(target=send, args=(slot,)) for slot in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _cleanup(ids, user_id):
    with live_env() as env:
        env.cr.execute("DELETE FROM crm_churn_sync_run WHERE user_id = %s", [user_id])
        env.cr.execute(
            "DELETE FROM mail_activity WHERE res_model = 'res.partner' AND res_id = ANY(%s)", [ids]
        )
        delete_partners(env, ids)
        env["res.users"].browse(user_id).unlink()


def test_two_simultaneous_pushes_for_the_same_partners():
    with live_env() as env:
        ids = insert_companies(env, 300, "Concurrent customer ")
        user, key = make_sync_user(env, "churn_sync_concurrency")
        user_id = user.id
    bodies = [
        _body(run_id, scored_at, [(pid, score) for pid in ids])
        for run_id, scored_at, score in (
            ("concurrent-a", "2026-11-20T00:00:00Z", 30.0),
            ("concurrent-b", "2026-11-21T00:00:00Z", 80.0),
        )
    ]
    responses = _send_together(bodies, key)
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
        _cleanup(ids, user_id)


def test_eight_overlapping_pushes_never_get_a_500():
    """Eight pushes over overlapping windows of customers, twice over: each answer is 200, or
    409/503 with Retry-After, never 500; sent again after Retry-After, every row lands once."""
    with live_env() as env:
        ids = insert_companies(env, 375, "Overlapping customer ")
        user, key = make_sync_user(env, "churn_sync_overlap")
        user_id = user.id
    windows = {k: ids[k * 25 : k * 25 + 200] for k in range(8)}
    statuses = []
    try:
        for round_ in range(2):
            bodies = [
                _body(
                    f"overlap-{round_}-{k}",
                    f"2026-11-{1 + round_ * 8 + k:02d}T00:00:00Z",
                    [(pid, float(round_ * 40 + k * 5)) for pid in window],
                )
                for k, window in windows.items()
            ]
            pending = list(zip(bodies, _send_together(bodies, key), strict=True))
            for body, response in pending:
                statuses.append(response.status_code)
                assert response.status_code in (200, 409, 503), response.text[:500]
                assert response.headers["Content-Type"].startswith("application/json")
                while response.status_code != 200:
                    wait = int(response.headers["Retry-After"])
                    assert 0 < wait <= 60, wait
                    time.sleep(wait)
                    response = requests.post(
                        base_url() + URL,
                        json=body,
                        headers={"Authorization": f"Bearer {key}"},
                        timeout=300,
                    )
                    statuses.append(response.status_code)
                    assert response.status_code in (200, 409, 503), response.text[:500]
        assert 500 not in statuses
        with live_env() as env:
            env.cr.execute(
                """SELECT count(*), count(DISTINCT (partner_id, run_id))
                     FROM crm_churn_score WHERE partner_id = ANY(%s)""",
                [ids],
            )
            expected = 2 * sum(len(window) for window in windows.values())
            assert env.cr.fetchone() == (expected, expected), "every row once"
            # Each customer's current score is the one of the latest push that covered it.
            env.cr.execute(
                "SELECT id, churn_score FROM res_partner WHERE id = ANY(%s) ORDER BY id", [ids]
            )
            latest = {pid: max(k for k, window in windows.items() if pid in window) for pid in ids}
            assert env.cr.fetchall() == [(pid, float(40 + latest[pid] * 5)) for pid in ids]
    finally:
        _cleanup(ids, user_id)


def test_a_push_that_keeps_colliding_gets_503_with_retry_after():
    """Another transaction keeps updating the customers the push locks: every try of the push
    fails to serialize; after Odoo's retries the answer is 503 with Retry-After, nothing of the
    batch is written, and sent again once the customers are free, it is applied."""
    with live_env() as env:
        ids = insert_companies(env, 5, "Contended customer ")
        user, key = make_sync_user(env, "churn_sync_contended")
        user_id = user.id
    stop = threading.Event()

    def contend():
        while not stop.is_set():
            with live_env() as env:
                env.cr.execute(
                    "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids]
                )
                time.sleep(0.2)
                env.cr.execute(
                    "UPDATE res_partner SET write_date = now() WHERE id = ANY(%s)", [ids]
                )

    blocker = threading.Thread(target=contend)
    body = _body("contended", "2026-11-20T00:00:00Z", [(pid, 90.0) for pid in ids])
    try:
        blocker.start()
        time.sleep(0.1)
        response = requests.post(
            base_url() + URL, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=300
        )
        stop.set()
        blocker.join()
        assert response.status_code == 503, (response.status_code, response.text[:300])
        assert response.headers["Retry-After"] == "5"
        assert response.json() == {
            "error": "Another push is writing the same customers: send this batch again."
        }
        with live_env() as env:
            env.cr.execute("SELECT count(*) FROM crm_churn_score WHERE partner_id = ANY(%s)", [ids])
            assert env.cr.fetchone() == (0,), "nothing of the refused batch was written"
        again = requests.post(
            base_url() + URL, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=300
        )
        assert (again.status_code, again.json()["created"]) == (200, 5)
    finally:
        stop.set()
        if blocker.is_alive():
            blocker.join()
        _cleanup(ids, user_id)
