import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from churn_job.push import PushError, push_scores


class FakePushApi(ThreadingHTTPServer):
    """A real HTTP server on loopback that answers like the push API, failing on demand."""

    def __init__(self, statuses=()):
        self.statuses, self.bodies = list(statuses), []
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server = self.server
        server.bodies.append((self.path, self.headers["Authorization"], body))
        status = server.statuses.pop(0) if server.statuses else 200
        if status == 200:
            errors = [
                {"index": i, "reason": "unknown partner"}
                for i, row in enumerate(body["scores"])
                if row["partner_id"] < 0
            ]
            answer = {
                "created": len(body["scores"]) - len(errors),
                "unchanged": 0,
                "rejected": len(errors),
                "errors": errors,
            }
        else:
            answer = {"error": "no"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        if status == 503:
            self.send_header("Retry-After", "7")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def api():
    server = FakePushApi()
    yield server
    server.shutdown()
    server.server_close()


ROWS = [{"partner_id": i, "score": 50.0, "drivers": []} for i in range(1, 6)] + [
    {"partner_id": -1, "score": 1.0, "drivers": []}
]


def test_batches_and_rejections_keep_their_row_index(api):
    totals = push_scores(
        api.url, "k", "run-1", "2026-11-23T00:00:00Z", ROWS, model_version="m", batch_size=4
    )
    assert [len(body["scores"]) for _path, _auth, body in api.bodies] == [4, 2]
    assert api.bodies[0][0] == "/crm_churn_score/v1/scores"
    assert api.bodies[0][1] == "Bearer k"
    assert {body["run_id"] for _p, _a, body in api.bodies} == {"run-1"}
    assert (totals["created"], totals["rejected"], totals["requests"]) == (5, 1, 2)
    assert totals["errors"] == [{"index": 5, "reason": "unknown partner"}]


def test_server_errors_are_retried(api):
    api.statuses = [503, 502]
    slept = []
    totals = push_scores(
        api.url, "k", "r", "2026-11-23T00:00:00Z", ROWS[:2], model_version="m", sleep=slept.append
    )
    assert totals["created"] == 2
    assert len(api.bodies) == 3
    assert slept == [7.0, 2.0], "Retry-After of the 503 honoured, then exponential backoff"


def test_a_batch_refused_for_a_concurrent_push_is_sent_again(api):
    api.statuses = [409, 503]
    slept = []
    totals = push_scores(
        api.url, "k", "r", "2026-11-23T00:00:00Z", ROWS[:3], model_version="m", sleep=slept.append
    )
    assert (totals["created"], len(api.bodies)) == (3, 3)
    assert slept == [1.0, 7.0]


def test_a_refused_batch_stops_the_push(api):
    api.statuses = [400]
    with pytest.raises(PushError, match="HTTP 400"):
        push_scores(
            api.url, "k", "r", "2026-11-23T00:00:00Z", ROWS, model_version="m", sleep=lambda s: None
        )
    assert len(api.bodies) == 1, "a 400 is not retried"


def test_giving_up_after_the_retries(api):
    api.statuses = [500] * 10
    with pytest.raises(PushError, match="gave up after 3 attempts"):
        push_scores(
            api.url,
            "k",
            "r",
            "2026-11-23T00:00:00Z",
            ROWS,
            model_version="m",
            retries=2,
            sleep=lambda s: None,
        )
