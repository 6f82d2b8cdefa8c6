"""Rules of the whole test run, on top of pytest-odoo.

* A skipped test fails the run: Odoo skips browser tours when websocket-client or Chromium is
  missing and would otherwise report success.
* An ERROR logged by Odoo during a test fails that test, as Odoo's own test runner does (a tour
  step that fails in the browser, for one, is reported through the log); so does a WARNING
  caused by the suite's addons (logged by them, or naming them).
"""

import logging

import pytest

_skipped = []
OUR_ADDONS = ("crm_project_stages", "crm_churn_score", "crm_vendor_eval", "crm_suite_base")


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
