import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import RpcCase


class ScoringService(ThreadingHTTPServer):
    """A small real scoring service on loopback: pages of scores, optionally failing first.
    ``pages`` is a list of bodies, or a function page -> body (an endless service)."""

    def __init__(self, pages, failures=0, key="service-key", redirect=None, delay=0):
        self.pages, self.failures, self.key, self.requests = pages, failures, key, []
        self.redirect, self.delay = redirect, delay
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
        if service.delay:
            time.sleep(service.delay)
        if service.redirect:
            self.send_response(302)
            self.send_header("Location", service.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if self.headers.get("Authorization") != f"Bearer {service.key}":
            return self._answer(401, {"error": "bad key"})
        if service.failures:
            service.failures -= 1
            return self._answer(503, {"error": "busy"})
        pages = service.pages
        return self._answer(200, pages(page) if callable(pages) else pages[page - 1])

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def page(scores, next_page, run_id="nightly-42"):
    return {
        "run_id": run_id,
        "model_version": "rfm-1.1",
        "scored_at": "2026-11-23T01:00:00Z",
        "scores": scores,
        "next_page": next_page,
    }


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

    def pull(self, service):
        self.params.set_param("crm_churn_score.pull_url", service.url)
        return self.env["crm.churn.sync.run"]._cron_pull_scores()

    def test_pull_follows_pages_and_retries_a_busy_service(self):
        pages = [
            page([{"partner_id": self.first.id, "score": 77}], 2),
            page([{"partner_ref": "P-2", "score": 12}, {"partner_id": 0, "score": 5}], None),
        ]
        with ScoringService(pages, failures=2) as service:
            runs = self.pull(service)
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
            runs = self.pull(service)
        self.assertEqual(len(service.requests), 4, "one try and three retries")
        self.assertEqual(runs.state, "failed")
        self.assertIn("HTTP 503", runs.message)
        self.assertFalse(self.first.churn_score_ids)

    def test_no_url_no_pull(self):
        self.params.set_param("crm_churn_score.pull_url", "")
        self.assertFalse(self.env["crm.churn.sync.run"]._cron_pull_scores())

    def test_a_service_that_never_ends_is_stopped_at_the_page_limit(self):
        self.params.set_param("crm_churn_score.pull_max_pages", "3")

        def endless(number):
            return page([{"partner_id": self.first.id, "score": 50}], number + 1, f"run-{number}")

        with ScoringService(endless) as service:
            runs = self.pull(service)
        self.assertEqual([number for number, _key in service.requests], [1, 2, 3])
        self.assertEqual(runs.mapped("state"), ["done", "done", "done", "failed"])
        self.assertEqual(
            runs[-1].message,
            "Pull stopped after 3 pages, the limit set in Settings; the scoring service "
            "announced page 4.",
        )
        self.assertEqual(len(self.first.churn_score_ids), 3)

    def test_a_redirect_is_not_followed(self):
        with ScoringService([page([], None)]) as elsewhere:
            target = elsewhere.url.replace("127.0.0.1", "localhost")
            with ScoringService([], redirect=target) as service:
                runs = self.pull(service)
        self.assertEqual(len(service.requests), 1)
        self.assertFalse(elsewhere.requests, "the key never went to the other host")
        self.assertEqual(runs.state, "failed")
        self.assertIn(f"HTTP 302, redirect to {target} not followed", runs.message)

    def test_a_service_that_does_not_answer_times_out(self):
        self.params.set_param("crm_churn_score.pull_timeout", "0.2")
        with ScoringService([page([], None)], delay=1) as service:
            started = time.monotonic()
            runs = self.pull(service)
        self.assertLess(time.monotonic() - started, 4 * 1 + 2, "four tries, each cut short")
        self.assertEqual(runs.state, "failed")
        self.assertIn("ReadTimeout", runs.message)


@tagged("post_install", "-at_install")
class TestPullRights(RpcCase):
    """Pulling and the pull key are the administrators': attacked over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="churn_portal", groups="base.group_portal")
        cls.rep = new_test_user(
            cls.env, login="churn_pull_rep", groups="sales_team.group_sale_salesman"
        )
        cls.admin = new_test_user(
            cls.env,
            login="churn_pull_admin",
            groups="base.group_system,sales_team.group_sale_manager",
        )
        cls.params = cls.env["ir.config_parameter"].sudo()
        cls.params.set_param("crm_churn_score.pull_backoff", "0.01")
        cls.params.set_param("crm_churn_score.pull_key", "service-key")

    @mute_logger("odoo.http")
    def test_only_administrators_pull(self):
        Run = self.env["crm.churn.sync.run"]
        with ScoringService([page([], None)]) as service:
            self.params.set_param("crm_churn_score.pull_url", service.url)
            for login in (self.portal.login, self.rep.login):
                with self.subTest(login=login):
                    answer = self.call_kw(login, "crm.churn.sync.run", "action_pull_now", [[]])
                    self.assertRefused(
                        answer, "AccessError", "Only administrators can pull churn scores."
                    )
                    private = self.call_kw(login, "crm.churn.sync.run", "_cron_pull_scores", [])
                    self.assertEqual(
                        private["error"]["data"]["message"],
                        "Private methods (such as _cron_pull_scores) cannot be called remotely.",
                    )
            self.assertFalse(service.requests, "the service was never called")
            self.assertFalse(Run.search([("source", "=", "pull")]))
            answer = self.call_kw(self.admin.login, "crm.churn.sync.run", "action_pull_now", [[]])
            self.assertEqual(answer["result"]["res_model"], "crm.churn.sync.run")
        self.assertEqual(len(service.requests), 1)
        self.assertEqual(Run.search([("source", "=", "pull")]).state, "done")

    @mute_logger("odoo.http")
    def test_the_pull_key_never_leaves_the_server(self):
        secret = "pull-key-5b9e3d1c"
        saved = self.call_kw(
            self.admin.login,
            "res.config.settings",
            "create",
            [{"churn_pull_url": "https://scoring.example.com/v1", "churn_pull_key": secret}],
        )
        settings_id = saved["result"]
        self.call_kw(self.admin.login, "res.config.settings", "execute", [[settings_id]])
        self.assertEqual(self.params.get_param("crm_churn_score.pull_key"), secret)
        fields = ["churn_pull_key", "churn_pull_key_set", "churn_pull_url"]
        answers = {
            "default_get as portal": self.call_kw(
                self.portal.login, "res.config.settings", "default_get", [fields]
            ),
            "default_get as rep": self.call_kw(
                self.rep.login, "res.config.settings", "default_get", [fields]
            ),
            "get_values as rep": self.call_kw(
                self.rep.login, "res.config.settings", "get_values", [[]]
            ),
            "get_param as rep": self.call_kw(
                self.rep.login, "ir.config_parameter", "get_param", ["crm_churn_score.pull_key"]
            ),
            "default_get as admin": self.call_kw(
                self.admin.login, "res.config.settings", "default_get", [fields]
            ),
            "read as admin": self.call_kw(
                self.admin.login, "res.config.settings", "read", [[settings_id], fields]
            ),
        }
        for name, answer in answers.items():
            with self.subTest(name):
                self.assertNotIn(secret, json.dumps(answer))
        self.assertEqual(
            answers["get_param as rep"]["error"]["data"]["name"], "odoo.exceptions.AccessError"
        )
        rep_defaults = answers["default_get as rep"]["result"]
        self.assertFalse(rep_defaults.get("churn_pull_url"), "the URL is the administrators'")
        admin_defaults = answers["default_get as admin"]["result"]
        self.assertTrue(
            admin_defaults["churn_pull_key_set"], "the administrator sees a key is saved"
        )
        self.assertFalse(admin_defaults.get("churn_pull_key"), "not the key")
        self.assertEqual(admin_defaults["churn_pull_url"], "https://scoring.example.com/v1")
        # Saving the settings again without typing a key keeps the saved one.
        again = self.call_kw(self.admin.login, "res.config.settings", "create", [{}])
        self.call_kw(self.admin.login, "res.config.settings", "execute", [[again["result"]]])
        self.assertEqual(self.params.get_param("crm_churn_score.pull_key"), secret)
        forget = self.call_kw(
            self.rep.login,
            "res.config.settings",
            "action_churn_clear_pull_key",
            [[again["result"]]],
        )
        self.assertIn("error", forget)
        self.assertEqual(self.params.get_param("crm_churn_score.pull_key"), secret)
        self.call_kw(
            self.admin.login,
            "res.config.settings",
            "action_churn_clear_pull_key",
            [[again["result"]]],
        )
        self.assertFalse(self.params.get_param("crm_churn_score.pull_key"))
