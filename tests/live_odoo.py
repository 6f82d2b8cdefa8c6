"""Helpers for repository-level tests that talk to the Odoo server the test command runs
(pytest-odoo's --odoo-http) over real HTTP, with data committed in their own transactions,
like a scoring job in production. Each test removes what it created."""

import os
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api


def our_addons():
    """The addons of the checkout (every folder of addons/ with a manifest), by name."""
    addons = Path(__file__).resolve().parent.parent / "addons"
    return sorted(path.parent.name for path in addons.glob("*/__manifest__.py"))


def base_url():
    return f"http://127.0.0.1:{odoo.tools.config['http_port']}"


def why_login_refused(login, response):
    """The failure message of a live test whose login the server refused: what answered, and
    the state of the user as the server's own connections see it (committed or not)."""
    port = odoo.tools.config["http_port"]
    httpd = getattr(odoo.service.server.server, "httpd", None)
    server = (
        "this run's server"
        if httpd is not None and httpd.socket.getsockname()[1] == port
        else "NOT this run's server (no server of this process listens there)"
    )
    with odoo.sql_db.db_connect(odoo.tools.config["db_name"]).cursor() as cr:
        cr.execute("SELECT id, active FROM res_users WHERE login = %s", [login])
        row = cr.fetchone()
    user = (
        "not committed (a new connection does not see it)"
        if not row
        else f"committed as user #{row[0]}" + ("" if row[1] else ", archived")
    )
    try:
        error = response.json()["error"]["data"]
        answer = f"{error['name']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        answer = f"{response.status_code} {response.text[:300]}"
    return (
        f"login {login!r} refused by {base_url()}, {server}, database "
        f"{odoo.tools.config['db_name']}; the user is {user}; answer: {answer}"
    )


@contextmanager
def live_env():
    """An environment on a cursor of its own, committed when the block ends."""
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


def make_sync_user(env, login):
    user = env["res.users"].create(
        {
            "name": login,
            "login": login,
            "groups_id": [(6, 0, [env.ref("crm_churn_score.group_churn_sync").id])],
        }
    )
    key = env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "bench", None)
    return user, key


def insert_companies(env, count, prefix):
    """``count`` customer companies in one statement; returns their ids."""
    env.cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, is_company, type, lang,
                                 create_date, write_date)
        SELECT %(prefix)s || g, %(prefix)s || g, true, true, 'contact', 'en_US',
               now() at time zone 'UTC', now() at time zone 'UTC'
          FROM generate_series(1, %(count)s) g
        RETURNING id
        """,
        {"prefix": prefix, "count": count},
    )
    ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids])
    return ids


def delete_partners(env, ids):
    env.cr.execute("DELETE FROM crm_churn_score WHERE partner_id = ANY(%s)", [ids])
    env.cr.execute("DELETE FROM res_partner WHERE id = ANY(%s)", [ids])


def run_odoo(db, *args, stdin=None):
    """Run the Odoo command line on ``db`` with this run's configuration, in a process of its
    own (install, upgrade, ``shell`` with a script on stdin); returns its output.

    The process runs in a session of its own, its output goes to files, not pipes, and what it
    leaves running is stopped when it ends: a browser Odoo started for a tour and did not stop
    would otherwise hold the output pipe open, and reading it would wait for the timeout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "odoo", *args, "-c", odoo.tools.config.rcfile, "-d", db]
            + ["--log-level=warn"],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env={**os.environ, "TZ": "UTC"},
            start_new_session=True,
        )
        try:
            process.communicate(stdin.encode() if stdin is not None else None, timeout=1200)
        finally:
            _stop_session(process)
        output = b""
        for stream in (out, err):
            stream.seek(0)
            output += stream.read()
    output = output.decode(errors="replace")
    assert process.returncode == 0, output[-4000:]
    return output


def _stop_session(process):
    """Stop ``process`` and whatever it started that is still running (its process group)."""
    if process.poll() is None:
        process.kill()
        process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_sql_on_server(statement):
    """A statement outside any database (CREATE/DROP DATABASE)."""
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(statement)


def drop_database(db):
    odoo.sql_db.close_db(db)
    run_sql_on_server(f'DROP DATABASE IF EXISTS "{db}"')
