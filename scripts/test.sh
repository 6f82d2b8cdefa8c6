#!/usr/bin/env bash
# The test command (`make test`): lint, then a fresh database with the three addons installed
# with demo data, then every test of the addons and of tests/ with pytest-odoo, the Odoo HTTP
# server and headless Chromium for the browser tours. Exits non-zero on any failure, and on
# any skipped test: a skipped tour is a failed tour.
#
# Odoo 18 is PYTHON's (default python3) when it imports it; otherwise the checkout's .venv,
# made on the first run from ODOO_SOURCE with requirements-dev.txt too (scripts/bootstrap.py).
# PostgreSQL server binaries and Chromium are installed when missing (apt-get, as root on
# Debian/Ubuntu). Stops at once, naming Odoo 18, when Odoo 18 cannot be had.
#
#   scripts/test.sh [pytest arguments…]     e.g. scripts/test.sh -k phase
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC

echo "== Odoo"
require_odoo18 test
echo "== System packages"
require_system_parts test

echo "== Test tools"
missing=()
for mod in pytest pytest_odoo websocket ruff vermin pylint_odoo xlsxwriter openpyxl; do
    "$PYTHON" -c "import $mod" >/dev/null 2>&1 || missing+=("$mod")
done
[ ${#missing[@]} -eq 0 ] || die "Python packages missing: ${missing[*]}. Run: $PYTHON -m pip install -r requirements-dev.txt"

run_lint "$PYTHON"

echo "== Database"
start_database test
RUN_DIR="$REPO_ROOT/.run/test"
rm -rf "$RUN_DIR"
CONF="$RUN_DIR/odoo.conf"
write_odoo_config "$CONF" config/test.conf "$(free_port)"
DB="${TEST_DB:-crm_suite_test}"
"$PYTHON" - "$CONF" "$DB" <<'EOF'
import sys
import odoo
from odoo.service import db
odoo.tools.config.parse_config(["-c", sys.argv[1]])
if db.exp_db_exist(sys.argv[2]):
    db.exp_drop(sys.argv[2])
EOF

echo "== Install $ADDONS with demo data into $DB"
INSTALL_LOG="$RUN_DIR/install.log"
if ! odoo_cli -c "$CONF" -d "$DB" -i "$ADDONS" --stop-after-init --log-level=warn \
        --logfile="$INSTALL_LOG"; then
    tail -n 50 "$INSTALL_LOG" >&2
    die "installing the addons failed (log: $INSTALL_LOG)"
fi
if grep -E " (WARNING|ERROR|CRITICAL) " "$INSTALL_LOG" | grep -E "${ADDONS//,/|}"; then
    die "installing the addons logged the warnings or errors above (log: $INSTALL_LOG)"
fi

echo "== Tests"
set +e
ODOO_TEST_CONF="$CONF" ODOO_TEST_DB="$DB" "$PYTHON" -m pytest \
    --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    -p no:cacheprovider -rfEs "$@"
rc=$?
set -e
exit $rc
