# shellcheck shell=bash
# Shared helpers of scripts/run.sh, scripts/test.sh and scripts/lint.sh: find Odoo 18 (or make
# the checkout's .venv with it) and the system parts, start an embedded PostgreSQL when no
# database server is configured, write the Odoo configuration of a run, run the lint.
#
# Odoo: the interpreter PYTHON (default python3) is used as is when it imports Odoo 18;
# otherwise scripts/bootstrap.py makes .venv/ once, with Odoo 18 from ODOO_SOURCE, on PYTHON.
#
# Database settings come from the environment, as libpq and the official Docker image name
# them: PGHOST, PGPORT, PGUSER, PGPASSWORD. With no PGHOST set, an embedded throwaway server is
# started in .pgdata/<name> of the checkout, listening on 127.0.0.1 only, and stopped on exit.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BASE_PYTHON="$PYTHON"
ADDONS="crm_suite_base,crm_project_stages,crm_project_forecast,crm_churn_score,crm_vendor_eval,crm_vendor_eval_tender"
LINT_PATHS=(addons scoring_job tests scripts conftest.py)

die() {
    echo >&2
    echo "ERROR: $*" >&2
    echo >&2
    exit 2
}

# odoo18_version PYTHON: prints Odoo's version if PYTHON imports Odoo 18, else fails saying why.
odoo18_version() {
    "$1" - 2>&1 <<'EOF'
import odoo.release as release
if release.version_info[0] != 18:
    raise SystemExit("found Odoo %s, not 18" % release.version)
print(release.version)
EOF
}

# require_odoo18 run|test: PYTHON becomes an interpreter that imports Odoo 18: PYTHON itself,
# or the checkout's .venv (made or brought up to date by scripts/bootstrap.py, with
# requirements-dev.txt too for test). Stops at once, naming Odoo 18, when it cannot be had.
require_odoo18() {
    local purpose="${1:-run}" out venv_python
    if out=$(odoo18_version "$PYTHON"); then
        ODOO_VERSION="$out"
        echo "Odoo $ODOO_VERSION, imported by $PYTHON (used as is)."
        "$PYTHON" "$REPO_ROOT/scripts/bootstrap.py" packages --for "$purpose" \
            || die "the Python packages the suite needs could not be installed into $PYTHON
       (see above): run $PYTHON -m pip install -r requirements-dev.txt, or leave PYTHON to an
       interpreter without Odoo so that make makes .venv."
        return
    fi
    if ! venv_python=$("$PYTHON" "$REPO_ROOT/scripts/bootstrap.py" odoo --for "$purpose"); then
        die "Odoo 18.0 is missing: \`$PYTHON\` does not import it ($(echo "$out" | tail -n 1)),
       and no .venv with Odoo 18 could be made from ODOO_SOURCE=${ODOO_SOURCE:-(the pinned Odoo 18.0 archive)}
       (the reason is above). Point ODOO_SOURCE to a reachable archive, an Odoo 18 source
       folder or tarball, or PYTHON to an interpreter that imports Odoo 18.
       See README.md, \"Getting Odoo 18\"."
    fi
    PYTHON="$venv_python"
    out=$(odoo18_version "$PYTHON") || die "Odoo 18.0 is missing: $PYTHON does not import it ($out)."
    ODOO_VERSION="$out"
    echo "Odoo $ODOO_VERSION, in .venv ($PYTHON)."
}

# require_system_parts run|test: the PostgreSQL server binaries (unless PGHOST is set) and, for
# test, Chromium; installed with apt-get as root on Debian/Ubuntu, else named with the command.
require_system_parts() {
    "$BASE_PYTHON" "$REPO_ROOT/scripts/bootstrap.py" system --for "$1" \
        || die "system packages are missing (see above)."
}

# lint_python: an interpreter with the lint tools: PYTHON, else the checkout's .venv.
lint_python() {
    local py
    for py in "$PYTHON" "$REPO_ROOT/.venv/bin/python"; do
        if "$py" -c "import ruff, vermin, pylint_odoo" >/dev/null 2>&1; then
            echo "$py"
            return
        fi
    done
    die "the lint tools (ruff, vermin, pylint-odoo) are missing: run \`make test\` once (it makes
       .venv with them), or $PYTHON -m pip install -r requirements-dev.txt"
}

# run_lint PYTHON: the lint of `make lint`, of the test command and of the pre-commit hook.
run_lint() {
    local py="$1"
    echo "== Lint: ruff"
    "$py" -m ruff check "${LINT_PATHS[@]}"
    "$py" -m ruff format --check "${LINT_PATHS[@]}"
    echo "== Lint: Python 3.10 (vermin)"
    if ! "$py" -c "import sys, vermin; sys.exit(vermin.main())" \
            -q --violations --no-tips --eval-annotations -t=3.10- "${LINT_PATHS[@]}"; then
        echo "The files above need a Python newer than 3.10, the oldest Odoo 18 supports." >&2
        return 1
    fi
    echo "== Lint: pylint-odoo (mandatory checks)"
    "$py" -m pylint --rcfile=.pylintrc-mandatory addons/*
}

# Odoo's own addons folders (next to the odoo package) followed by ours.
odoo_addons_path() {
    "$PYTHON" - "$REPO_ROOT/addons" <<'EOF'
import os, sys
import odoo
pkg = os.path.dirname(os.path.abspath(odoo.__file__))
paths = [os.path.join(pkg, "addons"), os.path.join(os.path.dirname(pkg), "addons")]
print(",".join([p for p in paths if os.path.isdir(p)] + [sys.argv[1]]))
EOF
}

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
    die "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's 'postgresql' package or set PGHOST to a running server."
}

# PG_OS_USER: the unprivileged owner of the embedded clusters (postgres when run as root).
set_pg_os_user() {
    PG_OS_USER="$(id -un)"
    if [ "$(id -u)" = 0 ]; then
        PG_OS_USER=postgres
        id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_OS_USER"
    fi
}

# Run a command as the unprivileged owner of the embedded cluster (PostgreSQL refuses root).
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# What a streaming replica needs of the embedded primary (they are PostgreSQL's defaults, said
# here so that nobody turns them off): WAL for replicas and senders for them. initdb's
# pg_hba.conf already lets replication connections in from 127.0.0.1 (trust, as every other
# connection of this throwaway cluster).
PG_REPLICATION_OPTS="-c wal_level=replica -c max_wal_senders=10"
REPLICA_SLOT=crm_suite_replica

# start_database NAME [keep]: sets DB_HOST, DB_PORT, DB_USER, DB_PASSWORD.
# Without "keep" the cluster folder is wiped first (a throwaway server for tests).
start_database() {
    local name="$1" keep="${2:-}"
    if [ -n "${PGHOST:-}" ]; then
        DB_HOST="$PGHOST"
        DB_PORT="${PGPORT:-5432}"
        DB_USER="${PGUSER:-odoo}"
        DB_PASSWORD="${PGPASSWORD:-}"
        echo "Using the configured PostgreSQL server at $DB_HOST:$DB_PORT as $DB_USER."
        return
    fi
    local bindir
    bindir="$(pg_bindir)"
    set_pg_os_user
    PG_DIR="$REPO_ROOT/.pgdata/$name"
    mkdir -p "$REPO_ROOT/.pgdata"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$REPO_ROOT/.pgdata"
    if ! as_pg_user test -w "$REPO_ROOT/.pgdata"; then
        # A parent folder of the checkout is closed to the unprivileged PostgreSQL user
        # (a clone under /root, say): keep the cluster in a folder of its own instead.
        PG_DIR="${TMPDIR:-/tmp}/crm-suite-pgdata-$(id -u)-$(echo "$REPO_ROOT" | md5sum | cut -c1-8)/$name"
        mkdir -p "$(dirname "$PG_DIR")"
        [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$(dirname "$PG_DIR")"
        echo "Note: $PG_OS_USER cannot enter $REPO_ROOT; the embedded cluster lives in $PG_DIR."
    fi
    # A server (or its replica) left running by an interrupted run holds the folder: stop it.
    stop_replica "$PG_DIR"
    if [ -f "$PG_DIR/postmaster.pid" ]; then
        as_pg_user "$bindir/pg_ctl" -D "$PG_DIR" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    if [ -z "$keep" ] || [ ! -f "$PG_DIR/PG_VERSION" ]; then
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR"
        [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DIR"
        as_pg_user "$bindir/initdb" -D "$PG_DIR" -U odoo --auth=trust -E UTF8 --no-locale \
            >"$PG_DIR.initdb.log" 2>&1 \
            || { cat "$PG_DIR.initdb.log" >&2; die "initdb failed"; }
    fi
    DB_PORT="$(free_port)"
    DB_HOST=127.0.0.1
    DB_USER=odoo
    DB_PASSWORD=""
    as_pg_user "$bindir/pg_ctl" -D "$PG_DIR" -w -t 60 -l "$PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $DB_PORT -k $PG_DIR -c fsync=off -c max_connections=200 $PG_REPLICATION_OPTS" start >/dev/null \
        || { tail -n 20 "$PG_DIR/server.log" >&2; die "the embedded PostgreSQL did not start"; }
    PG_CTL_STOP=("$bindir/pg_ctl" -D "$PG_DIR" -m fast -w stop)
    trap stop_database EXIT
    echo "Embedded PostgreSQL started on 127.0.0.1:$DB_PORT (data in $PG_DIR)."
}

stop_database() {
    [ -n "${PG_DIR:-}" ] && stop_replica "$PG_DIR"
    if [ -n "${PG_CTL_STOP:-}" ]; then
        as_pg_user "${PG_CTL_STOP[@]}" >/dev/null 2>&1 || true
        PG_CTL_STOP=()
    fi
}

# write_odoo_config FILE BASE_CONFIG HTTP_PORT: the base configuration of config/ plus this
# run's database, addons path, data folder and port.
write_odoo_config() {
    local file="$1" base="$2" http_port="$3"
    mkdir -p "$(dirname "$file")"
    {
        cat "$base"
        echo
        echo "; written by scripts/lib.sh for this run"
        echo "addons_path = $(odoo_addons_path)"
        echo "data_dir = $REPO_ROOT/.run/filestore"
        echo "db_host = $DB_HOST"
        echo "db_port = $DB_PORT"
        echo "db_user = $DB_USER"
        echo "db_password = ${DB_PASSWORD:-False}"
        echo "http_port = $http_port"
        echo "http_interface = 127.0.0.1"
    } >"$file"
}

odoo_cli() {
    "$PYTHON" -m odoo "$@"
}

# new_test_database NAME: this run's database server (the embedded one, wiped, in .pgdata/NAME,
# unless PGHOST is set), its Odoo configuration .run/NAME/odoo.conf ($CONF) and the database $DB
# (TEST_DB, default crm_suite_NAME), new, with the three addons and their demo data; fails on any
# warning of the addons while installing. A $DB left on the server by an earlier run is dropped
# first (through SQL: Odoo's own drop is refused with list_db = False, with a bare
# "AccessDenied"); one still in use (another run on the same server) is refused, not taken.
# With the embedded server, the server answering on the configured port must be the cluster this
# run has just created ($PG_DIR): a run never works on another run's database.
new_test_database() {
    local name="$1" log
    start_database "$name"
    rm -rf "$REPO_ROOT/.run/$name"
    CONF="$REPO_ROOT/.run/$name/odoo.conf"
    write_odoo_config "$CONF" config/test.conf "$(free_port)"
    DB="${TEST_DB:-crm_suite_$name}"
    log="$REPO_ROOT/.run/$name/install.log"
    PG_DIR_EXPECTED="${PG_DIR:-}" "$PYTHON" - "$CONF" "$DB" <<'PY' \
        || die "the test database $DB cannot be made on the server of $CONF (why: above)"
import os
import sys

import odoo
from odoo.sql_db import db_connect
from odoo.tools import SQL

odoo.tools.config.parse_config(["-c", sys.argv[1]])
name, cfg = sys.argv[2], odoo.tools.config
server = f"{cfg['db_host']}:{cfg['db_port']}"
with db_connect("postgres").cursor() as cr:
    cr._cnx.autocommit = True
    expected = os.environ["PG_DIR_EXPECTED"]
    if expected:
        cr.execute("SHOW data_directory")
        answering = cr.fetchone()[0]
        if os.path.realpath(answering) != os.path.realpath(expected):
            sys.exit(
                f"The PostgreSQL server answering on {server} is not this run's: its data folder "
                f"is {answering}, this run's is {expected}."
            )
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if cr.fetchone():
        cr.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        if busy := cr.fetchone()[0]:
            sys.exit(
                f"The database {name} on {server} is in use ({busy} connection(s)): another "
                "test run on this server? Give this run a database of its own: TEST_DB=<name>."
            )
        print(f"Dropping the database {name} that an earlier run left on {server}.")
        cr.execute(SQL("DROP DATABASE %s", SQL.identifier(name)))
PY
    echo "== Install $ADDONS with demo data into $DB"
    if ! odoo_cli -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --log-level=warn \
            --logfile="$log"; then
        tail -n 50 "$log" >&2
        die "installing the addons failed (log: $log)"
    fi
    if grep -E " (WARNING|ERROR|CRITICAL) " "$log" | grep -E "${ADDONS//,/|}"; then
        die "installing the addons logged the warnings or errors above (log: $log)"
    fi
}

# start_replica PRIMARY_DIR PRIMARY_PORT: a streaming replica (hot standby) of the embedded
# cluster of PRIMARY_DIR listening on 127.0.0.1:PRIMARY_PORT, for the read-replica test: copied
# with pg_basebackup -R into PRIMARY_DIR-replica (made anew, owned by the PostgreSQL OS user),
# started on a free loopback port. Sets REPLICA_DIR and REPLICA_PORT; its log is
# REPLICA_DIR/server.log. A replication slot keeps the WAL it has not replayed yet.
start_replica() {
    local primary_dir="$1" primary_port="$2" bindir
    bindir="$(pg_bindir)"
    set_pg_os_user
    stop_replica "$primary_dir" "$primary_port"
    REPLICA_DIR="$primary_dir-replica"
    mkdir -p "$REPLICA_DIR"
    chmod 700 "$REPLICA_DIR"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$REPLICA_DIR"
    as_pg_user "$bindir/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U "${DB_USER:-odoo}" -w \
        -D "$REPLICA_DIR" -R -X stream -C -S "$REPLICA_SLOT" --checkpoint=fast \
        >"$REPLICA_DIR.basebackup.log" 2>&1 \
        || { cat "$REPLICA_DIR.basebackup.log" >&2; echo "pg_basebackup failed" >&2; return 1; }
    rm -f "$REPLICA_DIR/server.log"  # the primary's log, copied with its folder
    REPLICA_PORT="$(free_port)"
    as_pg_user "$bindir/pg_ctl" -D "$REPLICA_DIR" -w -t 60 -l "$REPLICA_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $REPLICA_PORT -k $REPLICA_DIR -c fsync=off -c max_connections=200 -c hot_standby=on" \
        start >/dev/null \
        || { tail -n 20 "$REPLICA_DIR/server.log" >&2; echo "the replica did not start" >&2; return 1; }
}

# stop_replica PRIMARY_DIR [PRIMARY_PORT]: stop and remove the replica of PRIMARY_DIR, if any,
# and drop its replication slot on the primary (when its port is given).
stop_replica() {
    local primary_dir="$1" primary_port="${2:-}" bindir dir="$1-replica" try
    [ -d "$dir" ] || [ -n "$primary_port" ] || return 0
    bindir="$(pg_bindir)"
    set_pg_os_user
    if [ -f "$dir/postmaster.pid" ]; then
        as_pg_user "$bindir/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir" "$dir.basebackup.log"
    [ -n "$primary_port" ] || return 0
    for try in 1 2 3 4 5 6 7 8 9 10; do  # the primary's sender ends a moment after the replica
        "$bindir/psql" -h 127.0.0.1 -p "$primary_port" -U "${DB_USER:-odoo}" -d postgres -Atqc \
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
              WHERE slot_name = '$REPLICA_SLOT' AND NOT active" >/dev/null 2>&1
        "$bindir/psql" -h 127.0.0.1 -p "$primary_port" -U "${DB_USER:-odoo}" -d postgres -Atqc \
            "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$REPLICA_SLOT'" 2>/dev/null \
            | grep -q 1 || return 0
        sleep 0.5
    done
    echo "the replication slot $REPLICA_SLOT is still in use on port $primary_port" >&2
    return 1
}
