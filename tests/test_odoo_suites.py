"""Odoo's own ``crm`` and ``sale_crm`` tests pass with the suite's addons installed, their
query-count assertions included (part of the test command; about 5 minutes).

A database with demo data, ``crm``, ``sale_crm`` and the suite's addons (every installable
addon of addons/). Odoo's tests of ``crm`` and ``sale_crm`` (``--test-enable --test-tags
/crm,/sale_crm``) run in the database's whole registry: Odoo's own runner would run the
at_install tests while it loads the registry, before the modules that depend on crm are loaded,
so they would never meet the addons; here both the at_install and the post_install tests run
once every installed module is loaded, as a deployment runs crm's code (``odoo shell
--test-enable`` with the small runner below, through ``run_odoo``).

Every test passes but those of ``EXPECTED_FAILURES``, which assume what the phase gate forbids
by design; each must fail, and for its documented reason (Odoo's failure and the refusal the
server logged while it ran): a test of the list that passes, or fails otherwise, fails this
test too. The query counts of Odoo's assertions are printed.

With ``ODOO_SUITES_CONTROL=1`` (``make bench``) the same tests also run in a database without
the addons (the control), and the report compares the query counts of both."""

import json
import os
import re
import textwrap
from pathlib import Path

from live_odoo import drop_database, run_odoo, run_sql_on_server
from perf_tools import free_port, suite_addons

import odoo

MODULES = ("crm", "sale_crm")
CONTROL = bool(os.environ.get("ODOO_SUITES_CONTROL"))

# Odoo's tests that assume what the phase gate forbids by design: {test: (Odoo's failure, the
# refusal the server logged while the test ran)}. README.md, "Odoo's own tests", says why.
EXPECTED_FAILURES = {
    # A salesperson creates a deal in the first column (Contact) and drags it to the Won
    # column, then wins another from its form: the gate refuses a salesperson's move to Won
    # while the mandatory items of the phases it leaves are open (a Sales Manager may).
    "odoo.addons.crm.tests.test_crm_ui.TestUi.test_02_crm_tour_rainbowman": (
        "Tour crm_rainbowman → Step .o_reward_rainbow",
        "“Test Lead 1” cannot move to Generic Won: these mandatory items of the phases it "
        "leaves are open",
    ),
}

RUNNER = textwrap.dedent(
    """
    import json
    import logging
    import threading

    import odoo
    from odoo.modules import module as odoo_module

    # As --test-enable --test-tags would, but after the registry is loaded: given on the
    # command line, Odoo would also run the at_install tests while loading it, crm's before
    # the modules that depend on it are loaded.
    odoo.tools.config["test_enable"] = True
    odoo.tools.config["test_tags"] = %(tags)r
    from odoo.tests import loader
    from odoo.tests.result import OdooTestResult

    # The browser tests need the HTTP server the shell does not keep.
    server = odoo.service.server.server
    if server.httpd:
        server.httpd.server_close()
    server.http_spawn()
    # The modules' static folders, known before the first browser asks in several threads at
    # once (see warm_up_statics in conftest.py: CPython 3.11, python/cpython#106905).
    odoo.http.root.statics

    # What the server refused while each test ran (a UserError of a request is logged by
    # odoo.http as a warning).
    refusals = {}
    current = [None]

    class Refusals(logging.Handler):
        def emit(self, record):
            if record.levelno >= logging.WARNING and current[0]:
                refusals.setdefault(current[0], []).append(record.getMessage())

    logging.getLogger("odoo.http").addHandler(Refusals())

    class Collecting(OdooTestResult):
        def __init__(self):
            super().__init__()
            self.problems = []

        def startTest(self, test):
            current[0] = test.id()
            super().startTest(test)

        def _problem(self, kind, test, err):
            text = self._exc_info_to_string(err, test)
            self.problems.append([kind, test.id(), text, refusals.get(current[0], [])])

        def addError(self, test, err):
            super().addError(test, err)
            self._problem("error", test, err)

        def addFailure(self, test, err):
            super().addFailure(test, err)
            self._problem("failure", test, err)


    # Odoo's query-count assertions log the counts under their limit: keep them all.
    query_counts = []

    class QueryCounts(logging.Handler):
        def emit(self, record):
            if str(record.msg).startswith("Query count less than expected"):
                login, count, limit, function, _file, line = record.args
                query_counts.append([f"{function}:{line}", login, count, limit])

    for module in %(modules)r:
        test_logger = logging.getLogger(f"odoo.addons.{module}.tests")
        test_logger.setLevel(logging.INFO)
        test_logger.addHandler(QueryCounts())
    result = Collecting()
    odoo_module.current_test = True
    threading.current_thread().testing = True
    for position in ("at_install", "post_install"):
        suite = loader.make_suite(%(modules)r, position)
        if position == "post_install" and suite.has_http_case():
            with env.registry.cursor() as cr:
                qweb = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["ir.qweb"]
                qweb._pregenerate_assets_bundles()
        suite(result)
    threading.current_thread().testing = False
    odoo_module.current_test = False
    print("ODOO_TESTS=" + json.dumps(
        {"run": result.testsRun, "skipped": result.skipped, "problems": result.problems,
         "query_counts": query_counts}
    ))
    """
)


def _odoo_tests(db, log_dir):
    tags = ",".join(f"/{module}" for module in MODULES)
    output = run_odoo(
        db,
        "shell",
        f"--http-port={free_port()}",
        stdin=RUNNER % {"modules": list(MODULES), "tags": tags},
    )
    (Path(log_dir) / f"{db}.log").write_text(output)
    found = re.search(r"^ODOO_TESTS=(.*)$", output, re.M)
    assert found, output[-3000:]
    return json.loads(found.group(1))


def _reason(text):
    """What made a test fail, in a few words, from its traceback."""
    count = re.search(r"Query count more than expected for user (\S+): (\d+) > (\d+)", text)
    if count:
        user, got, limit = count.groups()
        return f"query count: {got} > {limit} (+{int(got) - int(limit)}) as {user}"
    tour = re.search(r"^FAILED: (.*)$", text, re.M)
    if tour:
        return f"tour step failed: {tour.group(1)[:200]}"
    last = [line for line in text.strip().splitlines() if line.strip()][-1]
    return last.strip()[:300]


def _as_expected(test, text, refusals):
    """Whether ``test`` failed as ``EXPECTED_FAILURES`` says it does."""
    failure, refusal = EXPECTED_FAILURES[test]
    return failure in text and any(refusal in message for message in refusals)


def _make_database(db, *modules):
    drop_database(db)
    run_odoo(db, "-i", ",".join(modules), "--stop-after-init")
    odoo.sql_db.close_db(db)


def test_odoo_crm_tests_pass_with_the_addons(tmp_path):
    base = odoo.tools.config["db_name"]
    control, with_addons = f"{base}_odoo_crm", f"{base}_odoo_crm_addons"
    addons = suite_addons()
    stock = None
    try:
        if CONTROL:
            _make_database(control, *MODULES)
            run_sql_on_server(f'CREATE DATABASE "{with_addons}" TEMPLATE "{control}"')
            run_odoo(with_addons, "-i", ",".join(addons), "--stop-after-init")
            stock = _odoo_tests(control, tmp_path)
        else:
            _make_database(with_addons, *MODULES, *addons)
        ours = _odoo_tests(with_addons, tmp_path)
    finally:
        for db in (control, with_addons):
            drop_database(db)

    lines = [
        f"Odoo's {', '.join(MODULES)} tests with {', '.join(addons)}: {ours['run']} run, "
        f"{len(ours['problems'])} failing (logs in {tmp_path})"
    ]
    unexpected = []
    failed = set()
    for kind, test, text, refusals in sorted(ours["problems"], key=lambda p: p[1]):
        failed.add(test)
        if test in EXPECTED_FAILURES and _as_expected(test, text, refusals):
            lines.append(f"  {kind} {test}, as documented: {_reason(text)}")
            continue
        unexpected.append(test)
        lines.append(f"  {kind} {test}: {_reason(text)}")
        lines += [f"    the server refused: {message[:300]}" for message in refusals]
    for test in sorted(set(EXPECTED_FAILURES) - failed):
        unexpected.append(test)
        lines.append(f"  {test} was expected to fail ({EXPECTED_FAILURES[test][1]}) but passed")
    stock_counts = {}
    if stock is not None:
        lines[0] += f"; without the addons: {stock['run']} run, {len(stock['problems'])} failing"
        stock_counts = {(place, login): count for place, login, count, _l in stock["query_counts"]}
    lines.append(
        "  query counts of Odoo's assertions (under their limits)"
        + (", without -> with the addons:" if stock is not None else ":")
    )
    for place, login, count, limit in sorted(ours["query_counts"]):
        if stock is None:
            lines.append(f"    {place} as {login}: {count} (limit {limit})")
            continue
        before = stock_counts.get((place, login))
        delta = f"{count - before:+d}" if before is not None else "new"
        lines.append(f"    {place} as {login}: {before} -> {count} ({delta}; limit {limit})")
    print("\n" + "\n".join(lines))
    assert ours["run"] > 100, lines[0]
    if stock is not None:
        assert ours["run"] == stock["run"], lines[0]
    assert not unexpected, "\n".join(lines)
