#!/usr/bin/env bash
# The flake hunt (`make stress`): the tests that talk to the Odoo HTTP server (browser tours,
# controllers through HttpCase, the live-server tests of tests/: the marker `http`), several
# rounds in a row on one fresh database, each round in a new random order, while processes this
# script starts keep every core busy (they are stopped on exit). Exits non-zero at the first
# failing round and prints how to replay its order. `make test` keeps its fixed order.
#
#   scripts/stress.sh [pytest arguments…]      e.g. scripts/stress.sh -k push
#   STRESS_ROUNDS=3      rounds
#   STRESS_HOGS=<cores>  busy processes (0: none)
#   STRESS_SEED=<n>      the order of every round (replays a failed round)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC

require_odoo18 test
require_system_parts test
"$PYTHON" -c "import random_order" >/dev/null 2>&1 \
    || die "pytest-random-order is missing. Run: $PYTHON -m pip install -r requirements-dev.txt"
ROUNDS="${STRESS_ROUNDS:-3}"
HOGS="${STRESS_HOGS:-$(nproc)}"

echo "== Database"
new_test_database stress

hogs=()
stop_hogs() {
    if [ ${#hogs[@]} -gt 0 ]; then kill "${hogs[@]}" 2>/dev/null || true; fi
}
trap 'stop_hogs; stop_database' EXIT
for _ in $(seq 1 "$HOGS"); do
    "$PYTHON" -c 'while True: pass' &
    hogs+=($!)
done

echo "== $ROUNDS round(s) in random order, $HOGS busy process(es) on $(nproc) core(s)"
for round in $(seq 1 "$ROUNDS"); do
    seed="${STRESS_SEED:-$((RANDOM * 32768 + RANDOM))}"
    echo "== Round $round of $ROUNDS (seed $seed)"
    if ! "$PYTHON" -m pytest --odoo-config="$CONF" --odoo-database="$DB" --odoo-http \
        --odoo-log-level=warn -p no:cacheprovider -rfEs -m http \
        --random-order-bucket=global --random-order-seed="$seed" "$@"; then
        echo
        echo "Round $round failed. Replay its order: STRESS_ROUNDS=1 STRESS_SEED=$seed make stress"
        exit 1
    fi
done
echo "== $ROUNDS round(s) passed"
