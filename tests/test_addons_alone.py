"""Each addon works with only the addons it depends on: it installs alone into a database with
crm and its demo data, and every test of its own passes there (``--test-enable --test-tags
/<addon>``, browser tours included). The rest of the test command runs every test with all the
addons installed; this is where a test (or a feature) that leans on an addon it does not depend
on fails."""

import re
import socket

import pytest
from live_odoo import drop_database, our_addons, run_odoo, run_sql_on_server

import odoo


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def crm_db():
    """A database with crm and its demo data: the template of each addon's database."""
    db = odoo.tools.config["db_name"] + "_alone"
    run_odoo(db, "-i", "crm", "--stop-after-init")
    odoo.sql_db.close_db(db)
    yield db
    drop_database(db)


@pytest.mark.parametrize("addon", our_addons())
def test_addon_installs_and_passes_its_tests_alone(crm_db, addon):
    db = f"{crm_db}_{addon}"
    run_sql_on_server(f'CREATE DATABASE "{db}" TEMPLATE "{crm_db}"')
    try:
        output = run_odoo(
            db,
            "-i",
            addon,
            "--test-enable",
            "--test-tags",
            f"/{addon}",
            "--http-port",
            str(_free_port()),
            "--log-handler",
            "odoo.tests.result:INFO",
            "--stop-after-init",
        )
        errors = [line for line in output.splitlines() if re.search(r" (ERROR|CRITICAL) ", line)]
        assert not errors, f"{addon} alone:\n" + "\n".join(errors[:30])
        summary = re.search(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", output)
        assert summary, output[-3000:]
        failed, errored, run = map(int, summary.groups())
        assert (failed, errored) == (0, 0) and run > 0, summary.group(0)
    finally:
        drop_database(db)
