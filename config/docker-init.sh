#!/bin/bash
# Run by the odoo-init service of docker-compose.yml: create the database crm_suite with the
# addons and demo data, once. An existing database is left as it is (upgrade it with
# `docker compose run --rm odoo odoo -d crm_suite -u crm_project_stages,... --stop-after-init`).
# Then, when the churn-job service has no key yet, give the demo sync user a random API key and
# leave it in the odoo-data volume for churn-job only (config/churn_demo_key.py).
set -euo pipefail
DB=crm_suite
ADDONS=crm_project_stages,crm_project_forecast,crm_churn_score,crm_vendor_eval,crm_vendor_eval_tender
DB_ARGS=(--db_host "$HOST" --db_port "$PORT" --db_user "$USER" --db_password "$PASSWORD")
KEY_FILE=/var/lib/odoo/churn-job/push-key

wait-for-psql.py "${DB_ARGS[@]}" --timeout=60
if python3 - "$DB" <<'PY'
import os
import sys

import psycopg2

conn = psycopg2.connect(
    host=os.environ["HOST"], port=os.environ["PORT"], user=os.environ["USER"],
    password=os.environ["PASSWORD"], dbname="postgres",
)
with conn.cursor() as cr:
    cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [sys.argv[1]])
    sys.exit(0 if cr.fetchone() else 1)
PY
then
    echo "Database $DB exists: nothing to install."
else
    echo "Creating $DB with $ADDONS and demo data…"
    odoo --config=/etc/odoo/odoo.conf "${DB_ARGS[@]}" -d "$DB" -i "$ADDONS" --stop-after-init
fi
if [ ! -s "$KEY_FILE" ]; then
    echo "Generating the demo sync user's API key for churn-job…"
    CHURN_DEMO_KEY_FILE="$KEY_FILE" odoo shell --config=/etc/odoo/odoo.conf "${DB_ARGS[@]}" \
        -d "$DB" --no-http --log-level=warn </etc/odoo/churn_demo_key.py
fi
