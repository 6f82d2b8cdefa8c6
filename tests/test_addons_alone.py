"""Each addon works with only the addons it depends on: it installs alone into a database with
crm and its demo data, and every test of its own passes there. The rest of the test command
runs every test with all the addons installed; this is where a test (or a feature) that leans
on an addon it does not depend on fails.

The addon's tests run as the test command runs them (pytest-odoo, the Odoo HTTP server on a
port of their own), browser tours left out: they click through the same screens as the other
tests of their addon, and a tour's view that needed another addon would not install."""

import configparser
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from live_odoo import drop_database, our_addons, run_odoo, run_sql_on_server

import odoo

REPO = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    """This run's configuration, with an HTTP port of its own."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(odoo.tools.config.rcfile)
    config["options"]["http_port"] = str(_free_port())
    path = tmp_path_factory.mktemp("alone") / "odoo.conf"
    with path.open("w") as handle:
        config.write(handle)
    return path


@pytest.mark.parametrize("addon", our_addons())
def test_addon_installs_and_passes_its_tests_alone(crm_db, config_file, addon):
    db = f"{crm_db}_{addon}"
    run_sql_on_server(f'CREATE DATABASE "{db}" TEMPLATE "{crm_db}"')
    try:
        run_odoo(db, "-i", addon, "--stop-after-init")
        odoo.sql_db.close_db(db)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                f"--odoo-config={config_file}",
                f"--odoo-database={db}",
                "--odoo-http",
                "--odoo-log-level=warn",
                "-p",
                "no:cacheprovider",
                "-q",
                "-k",
                "not tour",
                f"addons/{addon}",
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        output = result.stdout + result.stderr
        summary = re.findall(r"^=*\s*(\d+ (?:passed|failed).*)$", output, re.M)
        assert result.returncode == 0, f"{addon} alone:\n" + output[-5000:]
        assert summary and " passed" in summary[-1], output[-2000:]
    finally:
        drop_database(db)
