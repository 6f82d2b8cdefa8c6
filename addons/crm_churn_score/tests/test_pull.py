import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from odoo.tests import TransactionCase, tagged


class ScoringService(ThreadingHTTPServer):
    """A small real scoring service on loopback: pages of scores, optionally failing first."""

    def __init__(self, pages, failures=0, key="service-key"):
        self.pages, self.failures, self.key, self.requests = pages, failures, key, []
        super().__init__(("127.0.0.1", 0), _Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}/v1/scores"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        service = self.server
        page = int(parse_qs(urlparse(self.path).query).get("page", ["1"])[0])
        service.requests.append((page, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != f"Bearer {service.key}":
            return self._answer(401, {"error": "bad key"})
        if service.failures:
            service.failures -= 1
            return self._answer(503, {"error": "busy"})
        return self._answer(200, service.pages[page - 1])

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestPull(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.first = Partner.create({"name": "Pull One", "is_company": True})
        cls.second = Partner.create({"name": "Pull Two", "is_company": True, "ref": "P-2"})
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("crm_churn_score.pull_key", "service-key")
        cls.params.set_param("crm_churn_score.pull_backoff", "0.01")

    def page(self, scores, next_page):
        return {
            "run_id": "nightly-42",
            "model_version": "rfm-1.1",
            "scored_at": "2026-11-23T01:00:00Z",
            "scores": scores,
            "next_page": next_page,
        }

    def test_pull_follows_pages_and_retries_a_busy_service(self):
        pages = [
            self.page([{"partner_id": self.first.id, "score": 77}], 2),
            self.page([{"partner_ref": "P-2", "score": 12}, {"partner_id": 0, "score": 5}], None),
        ]
        with ScoringService(pages, failures=2) as service:
            self.params.set_param("crm_churn_score.pull_url", service.url)
            runs = self.env["crm.churn.sync.run"]._cron_pull_scores()
        self.assertEqual([page for page, _key in service.requests], [1, 1, 1, 2])
        self.assertEqual(service.requests[0][1], "Bearer service-key")
        self.assertEqual(runs.mapped("source"), ["pull", "pull"])
        self.assertEqual(sum(runs.mapped("created_count")), 2)
        self.assertEqual(sum(runs.mapped("rejected_count")), 1)
        self.assertEqual((self.first.churn_score, self.first.churn_risk), (77.0, "high"))
        self.assertEqual(self.second.churn_score, 12.0)
        self.assertEqual(self.first.churn_model_version, "rfm-1.1")

    def test_unreachable_service_is_recorded_as_a_failed_sync(self):
        with ScoringService([], failures=10) as service:
            self.params.set_param("crm_churn_score.pull_url", service.url)
            runs = self.env["crm.churn.sync.run"]._cron_pull_scores()
        self.assertEqual(len(service.requests), 4, "one try and three retries")
        self.assertEqual(runs.state, "failed")
        self.assertIn("HTTP 503", runs.message)
        self.assertFalse(self.first.churn_score_ids)

    def test_no_url_no_pull(self):
        self.params.set_param("crm_churn_score.pull_url", "")
        self.assertFalse(self.env["crm.churn.sync.run"]._cron_pull_scores())
