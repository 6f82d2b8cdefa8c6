#!/usr/bin/env bash
# Regenerate i18n/<addon>.pot of each addon from a fresh database, then merge the new terms
# into i18n/zh_CN.po (existing translations kept; untranslated terms listed).
#   scripts/i18n_export.sh [addon …]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
export TZ=UTC

require_odoo18 run
require_system_parts run
start_database i18n
CONF="$REPO_ROOT/.run/i18n/odoo.conf"
write_odoo_config "$CONF" config/test.conf "$(free_port)"
DB=crm_suite_i18n
addons=("$@")
[ ${#addons[@]} -gt 0 ] || IFS=, read -r -a addons <<<"$ADDONS"

odoo_cli -c "$CONF" -d "$DB" -i "$(IFS=,; echo "${addons[*]}")" --without-demo=all \
    --stop-after-init --log-level=warn
for addon in "${addons[@]}"; do
    odoo_cli -c "$CONF" -d "$DB" --i18n-export="addons/$addon/i18n/$addon.pot" \
        --modules="$addon" --stop-after-init --log-level=warn
    "$PYTHON" scripts/i18n_merge.py "addons/$addon/i18n/$addon.pot" "addons/$addon/i18n/zh_CN.po"
done
