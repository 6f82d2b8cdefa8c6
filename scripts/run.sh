#!/usr/bin/env bash
# The run command (`make run`): serve the Odoo web client with the three addons installed.
#
# Odoo 18 is PYTHON's (default python3) when it imports it; otherwise the checkout's .venv,
# made on the first run from ODOO_SOURCE (scripts/bootstrap.py). The PostgreSQL server binaries
# are installed when missing (apt-get, as root on Debian/Ubuntu).
#
# With no PGHOST set, an embedded PostgreSQL is started from .pgdata/run (kept between runs,
# stopped on exit; `make clean` wipes it). The database (ODOO_DB, default crm_suite) is created
# on the first run with the addons and demo data installed. Settings from the environment:
#   ODOO_DB=crm_suite  HTTP_PORT=8069  HTTP_INTERFACE=127.0.0.1  UPDATE=1 (upgrade the addons)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC

require_odoo18 run
require_system_parts run
start_database run keep
DB="${ODOO_DB:-crm_suite}"
CONF="$REPO_ROOT/.run/run/odoo.conf"
write_odoo_config "$CONF" config/local.conf "${HTTP_PORT:-8069}"
sed -i "s/^http_interface = .*/http_interface = ${HTTP_INTERFACE:-127.0.0.1}/" "$CONF"

installed=$("$PYTHON" - "$CONF" "$DB" "$ADDONS" <<'PY'
import sys

import odoo
from odoo.service import db
from odoo.sql_db import db_connect

odoo.tools.config.parse_config(["-c", sys.argv[1]])
name = sys.argv[2]
if not db.exp_db_exist(name):
    print("no")
    raise SystemExit
with db_connect(name).cursor() as cr:
    addons = tuple(sys.argv[3].split(","))
    cr.execute(
        "SELECT count(*) FROM ir_module_module WHERE state = 'installed' AND name IN %s",
        [addons],
    )
    count = cr.fetchone()[0]
    print("yes" if count == len(addons) else "partly" if count else "no")
PY
)
if [ "$installed" = no ]; then
    echo "Creating $DB with $ADDONS and demo data (a few minutes the first time)…"
    odoo_cli -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init
elif [ "$installed" = partly ] || [ -n "${UPDATE:-}" ]; then
    # A database of an earlier release: its upgrade brings the addons it lacks.
    odoo_cli -c "$CONF" -d "$DB" -u "$ADDONS" --stop-after-init
fi

echo
echo "Odoo serves http://${HTTP_INTERFACE:-127.0.0.1}:${HTTP_PORT:-8069} — log in as admin / admin."
echo "Stop with Ctrl-C."
odoo_cli -c "$CONF" -d "$DB" --db-filter "^${DB}\$"
