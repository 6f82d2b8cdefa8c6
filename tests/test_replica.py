"""The managers' reports run on a read replica: a real streaming replica of the embedded
PostgreSQL (``start_replica`` of scripts/lib.sh: ``pg_basebackup -R`` into a second cluster on
another loopback port, a hot standby) and an Odoo server of the test's own configured with it
(``--db_replica_host``/``--db_replica_port``), as a deployment runs it.

How a call is known to have gone to the replica: the server connects to PostgreSQL as a role
of its own (``crm_replica_check``) whose every statement PostgreSQL logs
(``ALTER ROLE ... SET log_statement = 'all'``: a catalog setting, so the hot standby has it
too). Nothing else uses that role, and the test's calls run one after the other, so what the
two clusters' logs gain during a call is that call's SQL: a call on the read-only cursor runs
all of it on the replica and none on the primary. Odoo's access log says the same in its own
words (cursor ``ro``, ``rw``, or ``ro->rw`` when a write on the replica was refused and the
call was run again on the primary). Nothing writes through the read-only cursor: a hot
standby refuses any write (a write would be an ERROR in the replica's log and a warning
"retrying with a read/write cursor" in Odoo's), every response is a success, and the
server's log has no warning or error.

Every public method of the dashboard (what a client can call on it) carries the read-only mark:
one added later without it would run on the primary
(``test_the_dashboard_answers_on_the_read_only_cursor_only``)."""

import json
import time
import uuid

import psycopg2
import pytest
from live_odoo import live_env
from perf_tools import (
    LogTail,
    OdooServer,
    WebClient,
    embedded_cluster,
    field_spec,
    pivot_read_group,
    start_replica,
    stop_replica,
)

import odoo

ROLE = "crm_replica_check"
PASSWORD = "replica-check-Manager-1"
DASHBOARD = "crm.forecast.dashboard"
EXPORT_ROUTE = "/crm_project_forecast/forecast/xlsx"
ANALYSIS_MODELS = ("crm.forecast.report", "crm.funnel.report", "crm.selling.cost.report")


def _replica_connection(port, db):
    cnx = psycopg2.connect(host="127.0.0.1", port=port, user="odoo", dbname=db)
    cnx.autocommit = True
    return cnx


def _wait_replayed(replica_port, db, timeout=60):
    """Wait until the replica has replayed everything the primary has committed so far."""
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cr.fetchone()[0]
    cnx = _replica_connection(replica_port, db)
    try:
        deadline = time.monotonic() + timeout
        with cnx.cursor() as cr:
            while True:
                cr.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
                if cr.fetchone()[0]:
                    return
                assert time.monotonic() < deadline, f"the replica did not replay {lsn}"
                time.sleep(0.1)
    finally:
        cnx.close()


@pytest.fixture(scope="module")
def replica():
    primary_dir, primary_port = embedded_cluster()
    replica_dir, replica_port = start_replica(primary_dir, primary_port)
    try:
        yield {
            "primary_log": f"{primary_dir}/server.log",
            "replica_log": f"{replica_dir}/server.log",
            "port": replica_port,
        }
    finally:
        stop_replica(primary_dir, primary_port)


def test_the_replica_follows_the_primary(replica):
    db = odoo.tools.config["db_name"]
    name = f"Replica probe {uuid.uuid4()}"
    with live_env() as env:
        partner_id = env["res.partner"].create({"name": name}).id
    cnx = _replica_connection(replica["port"], db)
    try:
        with cnx.cursor() as cr:
            cr.execute("SELECT pg_is_in_recovery()")
            assert cr.fetchone()[0], "the replica is a hot standby"
            deadline = time.monotonic() + 30
            while True:
                cr.execute("SELECT name FROM res_partner WHERE id = %s", [partner_id])
                if cr.fetchone() == (name,):
                    break
                assert time.monotonic() < deadline, "the committed row never reached the replica"
                time.sleep(0.1)
            with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
                cr.execute("UPDATE res_partner SET name = 'written' WHERE id = %s", [partner_id])
    finally:
        cnx.close()
        with live_env() as env:
            env["res.partner"].browse(partner_id).unlink()


def test_the_dashboard_answers_on_the_read_only_cursor_only():
    """The methods a client can call on the dashboard (public: not starting with ``_``) are
    all marked ``@api.readonly``: Odoo's call_kw route runs them on the read-only cursor."""
    with live_env() as env:
        dashboard = type(env[DASHBOARD])
        public = {
            name
            for klass in dashboard.__mro__
            if getattr(klass, "_name", None) == DASHBOARD
            and klass.__module__.startswith("odoo.addons.crm_project_forecast")
            for name, member in vars(klass).items()
            if callable(member) and not name.startswith("_")
        }
        assert {"get_dashboard_data", "action_drill"} <= public
        # As Odoo's call_kw route decides it: the mark on the method in any class of the model.
        writable = sorted(
            name
            for name in public
            if not any(
                hasattr(getattr(klass, name, None), "_readonly") for klass in dashboard.__mro__
            )
        )
        assert not writable, f"dashboard methods run on the primary: {writable}"


def _statements(text):
    """The statements of a PostgreSQL log excerpt (entries "LOG:  statement: ...")."""
    entries, current = [], None
    for line in text.splitlines():
        if line[:4].isdigit() and line[4:5] == "-":
            current = [line]
            entries.append(current)
        elif current is not None:
            current.append(line.strip())
    joined = [" ".join(entry) for entry in entries]
    statements = [e.split("statement: ", 1)[1] for e in joined if "LOG:  statement: " in e]
    errors = [e for e in joined if " ERROR: " in e or " FATAL: " in e]
    return statements, errors


def _example(statements):
    for statement in statements:
        if "crm_" in statement:
            return statement[:160]
    return statements[0][:160] if statements else ""


@pytest.fixture(scope="module")
def manager():
    login = f"replica_manager_{uuid.uuid4().hex[:8]}"
    with live_env() as env:
        user = env["res.users"].create(
            {
                "name": "Replica Check Manager",
                "login": login,
                "password": PASSWORD,
                "tz": "UTC",
                "groups_id": [(6, 0, env.ref("sales_team.group_sale_manager").ids)],
            }
        )
        user_id = user.id
        pivots = {
            model: env["ir.actions.act_window"].search([("res_model", "=", model)], limit=1).id
            for model in ANALYSIS_MODELS
        }
        env.cr.execute(f"DROP ROLE IF EXISTS {ROLE}")
        env.cr.execute(f"CREATE ROLE {ROLE} LOGIN SUPERUSER")
        env.cr.execute(f"ALTER ROLE {ROLE} SET log_statement = 'all'")
    try:
        yield login, pivots
    finally:
        with live_env() as env:
            env["res.users"].browse(user_id).unlink()
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(f"DROP ROLE IF EXISTS {ROLE}")


def test_the_managers_reports_read_on_the_replica(replica, manager, tmp_path):
    login, actions = manager
    db = odoo.tools.config["db_name"]
    _wait_replayed(replica["port"], db)
    server = OdooServer(
        db,
        tmp_path / "odoo-replica.log",
        f"--db_user={ROLE}",
        "--db_replica_host=127.0.0.1",
        f"--db_replica_port={replica['port']}",
    )
    with server:
        client = WebClient(server, login, PASSWORD)
        # The analysis views and the drill-down's list, as the web client loads them (not
        # checked: get_views is Odoo's, read-only).
        views = {
            model: client.views(model, [[False, "pivot"], [False, "list"]], action_id)
            for model, action_id in actions.items()
        }
        primary, standby = LogTail(replica["primary_log"]), LogTail(replica["replica_log"])
        odoo_log = LogTail(server.logfile)
        results = []

        def check(label, function):
            primary.read(), standby.read(), odoo_log.read()
            call = function()
            time.sleep(0.2)  # let both clusters write their log lines
            on_primary, _errors = _statements(primary.read())
            on_replica, replica_errors = _statements(standby.read())
            results.append((label, call, on_primary, on_replica, replica_errors, odoo_log.read()))
            return call

        params = {"period_type": "quarter"}
        check(
            "the dashboard (get_dashboard_data, quarter)",
            lambda: client.call(DASHBOARD, "get_dashboard_data", params),
        )
        drill = check(
            "a drill-down (action_drill, forecast figure)",
            lambda: client.call(DASHBOARD, "action_drill", params, "forecast", {}),
        ).result
        list_view = client.views("crm.lead", drill["views"])["list"]
        check(
            "the drill-down's list (web_search_read on its domain)",
            lambda: client.call(
                "crm.lead",
                "web_search_read",
                drill["domain"],
                field_spec(*list_view, "crm.lead"),
                limit=80,
                context=drill.get("context") or {},
            ),
        )
        for model, model_views in views.items():
            groupby, measures = pivot_read_group(*model_views["pivot"], model)
            check(
                f"the analysis view {model} (read_group of its pivot)",
                lambda model=model, groupby=groupby, measures=measures: client.call(
                    model, "read_group", [], measures, groupby, lazy=False
                ),
            )
            check(
                f"the analysis view {model} (web_read_group of its grouped list)",
                lambda model=model, groupby=groupby, measures=measures: client.call(
                    model, "web_read_group", [], measures[1:], groupby[:1], lazy=True
                ),
            )
        export = check(
            "the workbook (export route, year)",
            lambda: client.get(
                EXPORT_ROUTE,
                label="export",
                params=json.dumps({"period_type": "year"}),
                context=json.dumps({"allowed_company_ids": [client.company_id]}),
            ),
        )
        assert export.result.content[:2] == b"PK", "the export is an .xlsx workbook"

    # (b) nothing wrote through the read-only cursor, nothing failed.
    problems = []
    for label, call, _on_primary, _on_replica, replica_errors, log in results:
        if call.cursor == "ro->rw":
            problems.append(f"{label}: wrote on the replica, refused, retried on the primary")
        if replica_errors:
            problems.append(f"{label}: the replica logged {replica_errors[:2]}")
        if server.problems(log):
            problems.append(f"{label}: the server logged {server.problems(log)[:6]}")
    # (a) every read went to the replica: its SQL in the replica's log, none in the primary's.
    to_primary = []
    for label, call, on_primary, on_replica, _errors, _log in results:
        if on_primary or not on_replica:
            crm = sum("crm_" in s for s in on_primary)
            to_primary.append(
                f"{label} went to the PRIMARY: Odoo's cursor {call.cursor!r}; "
                f"{len(on_primary)} statements in the primary's log ({crm} on crm_* tables, "
                f"e.g. {_example(on_primary)!r}), {len(on_replica)} in the replica's"
            )
    report = "\n".join(
        f"  {label}: cursor {call.cursor}, {call.queries} queries, primary "
        f"{len(on_primary)} statements, replica {len(on_replica)}"
        for label, call, on_primary, on_replica, _errors, _log in results
    )
    print(f"\nread replica check (server log {server.logfile}):\n{report}")
    assert not problems, "\n".join(problems)
    assert not to_primary, "\n".join(to_primary)


def test_a_move_shows_at_once_on_the_replica_and_the_funnel_follows(replica, manager, tmp_path):
    """A stage move commits the deal's stays on the primary: the deal's history read on the
    replica shows the move at once. The funnel's facts of its rows (which phase it is in now,
    its first stay in the new phase) are set by the next read of the history on the primary
    or by the scheduled action within a minute: on the replica they follow then."""
    login, _actions = manager
    db = odoo.tools.config["db_name"]
    with live_env() as env:
        Stage = env["crm.stage"]
        contact = Stage.search([("phase_id.code", "=", "contact")], limit=1)
        design = Stage.search([("phase_id.code", "=", "design")], limit=1)
        phases = {"contact": contact.phase_id.id, "design": design.phase_id.id}
        lead = env["crm.lead"].create(
            {
                "name": f"Replica move {uuid.uuid4().hex[:8]}",
                "type": "opportunity",
                "stage_id": contact.id,
                "expected_revenue": 1000,
            }
        )
        lead.checklist_line_ids.write({"done": True})  # its gate open
        lead_id, design_id = lead.id, design.id
    with live_env() as env:
        env["crm.lead.phase.history"]._cron_apply_stale_facts()  # its entry's facts
    server = OdooServer(
        db,
        tmp_path / "odoo-replica-move.log",
        f"--db_user={ROLE}",
        "--db_replica_host=127.0.0.1",
        f"--db_replica_port={replica['port']}",
    )
    try:
        with server:
            client = WebClient(server, login, PASSWORD)

            def history():
                call = client.call(
                    "crm.lead",
                    "web_read",
                    [lead_id],
                    {"phase_history_ids": {"fields": {"phase_id": {}, "date_out": {}}}},
                )
                assert call.cursor == "ro", "the history is read on the replica"
                return [
                    (row["phase_id"], bool(row["date_out"]))
                    for row in call.result[0]["phase_history_ids"]
                ]

            def funnel():
                call = client.call(
                    "crm.funnel.report",
                    "read_group",
                    [("lead_id", "=", lead_id)],
                    ["current_count:sum"],
                    ["phase_id"],
                    lazy=False,
                )
                assert call.cursor == "ro", "the funnel is read on the replica"
                return {row["phase_id"][0]: row["current_count"] for row in call.result}

            _wait_replayed(replica["port"], db)
            assert funnel() == {phases["contact"]: 1}
            moved = client.call("crm.lead", "write", [lead_id], {"stage_id": design_id})
            assert moved.cursor == "rw"
            _wait_replayed(replica["port"], db)
            assert history() == [(phases["contact"], True), (phases["design"], False)]
            assert funnel() == {phases["contact"]: 1}, "the funnel's facts wait for the job"
            with live_env() as env:
                env["crm.lead.phase.history"]._cron_apply_stale_facts()
            _wait_replayed(replica["port"], db)
            assert funnel() == {phases["contact"]: 0, phases["design"]: 1}
            assert not server.problems()
    finally:
        with live_env() as env:
            env["crm.lead"].browse(lead_id).unlink()
