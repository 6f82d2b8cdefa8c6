"""Push scores to crm_churn_score's push API in batches, retrying what failed."""

import time

import requests

PATH = "/crm_churn_score/v1/scores"
RETRY_STATUSES = {409, 429, 500, 502, 503, 504}
TIMEOUT = (5, 300)


class PushError(Exception):
    pass


def push_scores(
    url,
    key,
    run_id,
    scored_at,
    rows,
    *,
    model_version,
    batch_size=1000,
    retries=4,
    backoff=1.0,
    session=None,
    sleep=time.sleep,
):
    """POST ``rows`` ({partner_id, score, drivers}) in batches; returns the summed counts and
    the rejections (with their index in ``rows``). A batch refused whole (HTTP 4xx) raises;
    one that fails for the server or the network (or that the server refuses for a concurrent
    push: 503 with Retry-After, honoured) is sent again, up to ``retries`` times."""
    session = session or requests.Session()
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    totals = {"created": 0, "unchanged": 0, "rejected": 0, "errors": [], "requests": 0}
    for start in range(0, len(rows), batch_size):
        body = {
            "run_id": run_id,
            "model_version": model_version,
            "scored_at": scored_at,
            "scores": rows[start : start + batch_size],
        }
        result = _post(session, url.rstrip("/") + PATH, headers, body, retries, backoff, sleep)
        totals["requests"] += 1
        for name in ("created", "unchanged", "rejected"):
            totals[name] += result[name]
        totals["errors"] += [
            {"index": start + error["index"], "reason": error["reason"]}
            for error in result["errors"]
        ]
    return totals


def _retry_after(response):
    """Seconds the server asks to wait (``Retry-After`` in seconds), else 0."""
    try:
        return max(0.0, min(float(response.headers.get("Retry-After", 0)), 300.0))
    except ValueError:
        return 0.0


def _post(session, url, headers, body, retries, backoff, sleep):
    problem, wait = None, 0.0
    for attempt in range(retries + 1):
        if attempt:
            sleep(max(backoff * 2 ** (attempt - 1), wait))
        try:
            response = session.post(url, json=body, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            problem, wait = f"{type(error).__name__}: {error}", 0.0
            continue
        if response.status_code in RETRY_STATUSES:
            problem, wait = f"HTTP {response.status_code}", _retry_after(response)
            continue
        if response.status_code != 200:
            raise PushError(f"HTTP {response.status_code}: {response.text[:300]}")
        return response.json()
    raise PushError(f"gave up after {retries + 1} attempts ({problem})")
