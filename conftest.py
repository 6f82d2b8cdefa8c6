"""Rules of the whole test run, on top of pytest-odoo.

* A skipped test fails the run: Odoo skips browser tours when websocket-client or Chromium is
  missing and would otherwise report success.
* An ERROR logged by Odoo during a test fails that test, as Odoo's own test runner does (a tour
  step that fails in the browser, for one, is reported through the log); so does a WARNING
  caused by the suite's addons (logged by them, or naming them).
* The Odoo HTTP server of the run (``--odoo-http``) binds a port no other process can take,
  and knows the modules' static folders before the first browser asks (``warm_up_statics``).
* A test that fails with Odoo's bare "Access Denied" says why: which check refused, the login,
  whether that user is committed, which server answered.
* Tests that talk to the HTTP server carry the marker ``http`` (``-m http``: the flake hunt).
"""

import logging
import signal

import pytest

import odoo
import odoo.http
from odoo.exceptions import AccessDenied

_skipped = []


class _TestFrameworkImportNotice(logging.Filter):
    """pytest-odoo imports Odoo's test framework while it reads the configuration, before its
    tests turn Odoo's test mode on; Odoo logs that import as an ERROR with a stack trace (meant
    for business modules importing it outside tests), a false alarm at the top of every run."""

    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_TestFrameworkImportNotice())
OUR_ADDONS = (
    "crm_suite_base",
    "crm_project_stages",
    "crm_project_forecast",
    "crm_churn_score",
    "crm_vendor_eval",
    "crm_vendor_eval_tender",
)


def _ours(record):
    return record.name.startswith(tuple(f"odoo.addons.{a}" for a in OUR_ADDONS)) or any(
        addon in record.getMessage() for addon in OUR_ADDONS
    )


class _ErrorCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.ERROR or _ours(record):
            self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_logged_errors():
    collector = _ErrorCollector()
    odoo_logger = logging.getLogger("odoo")
    odoo_logger.addHandler(collector)
    try:
        yield
    finally:
        odoo_logger.removeHandler(collector)
    if collector.records:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in collector.records)
        pytest.fail(
            f"Odoo logged {len(collector.records)} error(s) or warning(s) of the suite "
            f"during the test:\n{lines}"
        )


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped and exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("skipped tests fail this run", red=True)
        for nodeid in _skipped:
            terminalreporter.line(f"SKIPPED (counted as a failure): {nodeid}", red=True)


@pytest.fixture(scope="session", autouse=True)
def load_http(request, load_registry):
    """pytest-odoo's fixture of the same name, race-free: it picks a free port, releases it and
    binds it again once Odoo's server-wide modules are loaded; another run on the machine may
    take the port meanwhile (then every test of the session errors). Here the server binds port
    0 itself (the kernel gives it a free port and it keeps it) and the configuration learns the
    port it got, for ``HttpCase.base_url()`` and ``tests/live_odoo.base_url()`` alike."""
    if not request.config.getoption("--odoo-http"):
        yield
        return
    from odoo.service import server  # Odoo is configured by now

    server.load_server_wide_modules()
    warm_up_statics()
    odoo.tools.config["http_port"] = 0
    server.server = server.ThreadedServer(odoo.http.root)
    server.server.start(stop=False)
    odoo.tools.config["http_port"] = server.server.httpd.server_port
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    server.server.stop()


def warm_up_statics():
    """Read every module's manifest for the static files now, in one thread. Odoo does it on
    the first request for a static file (``odoo.http.root.statics``), in each request thread
    that asks before it is done: a browser's first page asks in several threads at once, and
    CPython 3.11 can fail parsing a manifest in two threads at once ("SystemError: AST
    constructor recursion depth mismatch", python/cpython#106905); that request then fails and
    the tour with it."""
    odoo.http.root.statics  # noqa: B018 (a lazy property: computed and kept)


def _is_http_test(item):
    cls = getattr(item, "cls", None)
    module = getattr(item, "module", None)
    from odoo.tests import HttpCase

    return (cls is not None and issubclass(cls, HttpCase)) or (
        getattr(getattr(module, "base_url", None), "__module__", "") == "live_odoo"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        if _is_http_test(item):
            item.add_marker("http")


def _user_seen_by_a_new_connection(login):
    """The committed state of the login, as another connection (the HTTP server's) sees it."""
    try:
        with odoo.sql_db.db_connect(odoo.tools.config["db_name"]).cursor() as cr:
            cr.execute("SELECT id, active FROM res_users WHERE login = %s", [login])
            row = cr.fetchone()
    except Exception as error:  # a diagnosis never hides the failure
        return f"unknown ({error})"
    if not row:
        return "not committed (a new connection does not see it)"
    return f"committed as user #{row[0]}" + ("" if row[1] else ", archived")


def explain_access_denied(excinfo):
    """Where Odoo's bare AccessDenied came from and what the login's state is."""
    frames = [entry.frame for entry in excinfo.traceback]
    where = frames[-1]
    credential = next(
        (f.f_locals["credential"] for f in reversed(frames) if "credential" in f.f_locals), {}
    )
    login = (credential or {}).get("login") or where.f_locals.get("login")
    reasons = {
        "_login": "no active user has this login in the database the check's cursor sees",
        "_check_credentials": "the password or API key is wrong for this user",
        "check": "the session's uid and password/key no longer match",
        "if_db_mgt_enabled": "Odoo's database manager is disabled here (list_db = False)",
        "_assert_can_auth": "login cooldown: too many failed logins from this address",
    }
    registry = odoo.modules.registry.Registry.registries.get(odoo.tools.config["db_name"])
    httpd = getattr(odoo.service.server.server, "httpd", None)
    lines = [
        f"raised by {where.code.name}() at {where.code.path}:{excinfo.traceback[-1].lineno + 1}: "
        + reasons.get(where.code.name, str(excinfo.value)),
        f"login: {login!r}; that user is {_user_seen_by_a_new_connection(login)}"
        if login
        else "no login in the failing call",
        f"registry of {odoo.tools.config['db_name']}: "
        + (
            "in test mode (one shared test transaction)"
            if registry and registry.in_test_mode()
            else "not in test mode (requests see committed data only)"
        ),
        f"HTTP server of this run: 127.0.0.1:{httpd.server_port}" if httpd else "no HTTP server",
    ]
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.excinfo is not None and call.excinfo.errisinstance(AccessDenied):
        outcome.get_result().sections.append(
            ("why Odoo denied access", explain_access_denied(call.excinfo))
        )
