#!/usr/bin/env bash
# The test command (`make test`): lint, then a fresh database with the three addons installed
# with demo data, then every test of the addons and of tests/ with pytest-odoo, the Odoo HTTP
# server and headless Chromium for the browser tours. Exits non-zero on any failure, and on
# any skipped test: a skipped tour is a failed tour.
#
#   scripts/test.sh [pytest arguments…]     e.g. scripts/test.sh -k phase
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC

echo "== Odoo"
require_odoo18
echo "Odoo $ODOO_VERSION"

echo "== Test tools"
missing=()
for mod in pytest pytest_odoo websocket ruff pylint_odoo xlsxwriter openpyxl; do
    "$PYTHON" -c "import $mod" >/dev/null 2>&1 || missing+=("$mod")
done
[ ${#missing[@]} -eq 0 ] || die "Python packages missing: ${missing[*]}. Run: $PYTHON -m pip install -r requirements-dev.txt"
CHROME=""
for bin in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$bin" >/dev/null 2>&1 && { CHROME="$bin"; break; }
done
[ -n "$CHROME" ] || die "Chromium is missing (browser tours cannot run). Install Debian's 'chromium' package."

echo "== Lint: ruff"
"$PYTHON" -m ruff check addons scoring_job tests scripts conftest.py
"$PYTHON" -m ruff format --check addons scoring_job tests scripts conftest.py
echo "== Lint: pylint-odoo (mandatory checks)"
"$PYTHON" -m pylint --rcfile=.pylintrc-mandatory addons/*

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
