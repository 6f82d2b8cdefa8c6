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
new_test_database test

echo "== Tests"
set +e
ODOO_TEST_CONF="$CONF" ODOO_TEST_DB="$DB" "$PYTHON" -m pytest \
    --odoo-config="$CONF" --odoo-database="$DB" --odoo-http --odoo-log-level=warn \
    -p no:cacheprovider -rfEs "$@"
rc=$?
set -e
exit $rc
