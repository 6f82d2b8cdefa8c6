# shellcheck shell=bash
# Shared helpers of scripts/run.sh and scripts/test.sh: find Odoo 18, start an embedded
# PostgreSQL when no database server is configured, write the Odoo configuration of a run.
#
# Database settings come from the environment, as libpq and the official Docker image name
# them: PGHOST, PGPORT, PGUSER, PGPASSWORD. With no PGHOST set, an embedded throwaway server is
# started in .pgdata/<name> of the checkout, listening on 127.0.0.1 only, and stopped on exit.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
ADDONS="crm_project_stages,crm_churn_score,crm_vendor_eval"

die() {
    echo >&2
    echo "ERROR: $*" >&2
    echo >&2
    exit 2
}

# Stop at once, with a message that says how to get it, unless `import odoo` gives Odoo 18.
require_odoo18() {
    local out
    if ! out=$("$PYTHON" - 2>&1 <<'EOF'
import odoo.release as release
if release.version_info[0] != 18:
    raise SystemExit("found Odoo %s, not 18" % release.version)
print(release.version)
EOF
    ); then
        die "Odoo 18.0 is missing: \`$PYTHON -c 'import odoo'\` does not give Odoo 18 ($(echo "$out" | tail -n 1)).
       Odoo is not on PyPI. Check out the Odoo 18.0 source (branch 18.0 of Odoo's repository)
       into a folder outside this checkout, install its Python dependencies
       (pip install -r requirements-odoo.txt) and make it importable, e.g.
           echo /path/to/odoo-18.0 > \"\$($PYTHON -c 'import site; print(site.getsitepackages()[0])')/odoo.pth\"
       then run this command again. See README.md, \"Getting Odoo 18\"."
    fi
    ODOO_VERSION="$out"
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

# Run a command as the unprivileged owner of the embedded cluster (PostgreSQL refuses root).
as_pg_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

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
    PG_OS_USER="$(id -un)"
    if [ "$(id -u)" = 0 ]; then
        PG_OS_USER=postgres
        id -u "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$PG_OS_USER"
    fi
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
    # A server left running by an interrupted run holds the folder: stop it first.
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
        -o "-c listen_addresses=127.0.0.1 -p $DB_PORT -k $PG_DIR -c fsync=off -c max_connections=200" start >/dev/null \
        || { tail -n 20 "$PG_DIR/server.log" >&2; die "the embedded PostgreSQL did not start"; }
    PG_CTL_STOP=("$bindir/pg_ctl" -D "$PG_DIR" -m fast -w stop)
    trap stop_database EXIT
    echo "Embedded PostgreSQL started on 127.0.0.1:$DB_PORT (data in $PG_DIR)."
}

stop_database() {
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
    if grep -E " (WARNING|ERROR|CRITICAL) " "$log" | grep -E "odoo\.addons\.(crm_project_stages|crm_churn_score|crm_vendor_eval)|crm_project_stages|crm_churn_score|crm_vendor_eval"; then
        die "installing the addons logged the warnings or errors above (log: $log)"
    fi
}
