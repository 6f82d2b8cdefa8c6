"""crm-churn-job: score every customer of an Odoo database and push the scores.

    python -m churn_job --url http://localhost:8069 --db crm_suite \\
        --login reader@example.com --secret <API key or password> --push-key <sync API key>

Every option can also come from the environment: CHURN_JOB_URL, CHURN_JOB_DB, CHURN_JOB_LOGIN,
CHURN_JOB_SECRET, CHURN_JOB_PUSH_KEY (or CHURN_JOB_PUSH_KEY_FILE: a file holding the key).
"""

import argparse
import json
import os
import sys
from datetime import date, datetime, timezone

from .model import MODEL_VERSION, score_customer
from .odoo_source import OdooClient, read_customers
from .push import push_scores


def build_parser():
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="crm-churn-job", description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=env("CHURN_JOB_URL", "http://localhost:8069"))
    parser.add_argument("--db", default=env("CHURN_JOB_DB"))
    parser.add_argument("--login", default=env("CHURN_JOB_LOGIN"), help="user that reads CRM data")
    parser.add_argument("--secret", default=env("CHURN_JOB_SECRET"), help="its API key/password")
    parser.add_argument("--push-key", default=env("CHURN_JOB_PUSH_KEY"), help="sync user API key")
    parser.add_argument(
        "--push-key-file",
        default=env("CHURN_JOB_PUSH_KEY_FILE"),
        help="file holding the sync user API key (instead of --push-key)",
    )
    parser.add_argument("--source", choices=["sale.order", "account.move", "crm.lead"])
    parser.add_argument("--as-of", type=date.fromisoformat, help="score as of this date")
    parser.add_argument("--run-id", help="default: churn-<UTC timestamp>")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--dry-run", action="store_true", help="score, print, push nothing")
    return parser


def run(args, session=None):
    client = OdooClient(args.url, args.db, args.login, args.secret, session=session)
    customers = read_customers(client, as_of=args.as_of, source=args.source)
    rows = []
    for customer in customers:
        score, drivers = score_customer(customer)
        rows.append({"partner_id": customer.partner_id, "score": score, "drivers": drivers})
    now = datetime.now(timezone.utc)
    summary = {"customers": len(rows)}
    if args.dry_run:
        summary["scores"] = rows
        return summary
    summary.update(
        push_scores(
            args.url,
            args.push_key,
            args.run_id or f"churn-{now:%Y%m%dT%H%M%SZ}",
            now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            rows,
            model_version=MODEL_VERSION,
            batch_size=args.batch_size,
            session=session,
        )
    )
    return summary


def main(argv=None):
    args = build_parser().parse_args(argv)
    if not args.push_key and args.push_key_file:
        try:
            with open(args.push_key_file, encoding="utf-8") as file:
                args.push_key = file.read().strip()
        except OSError as error:
            sys.stderr.write(f"crm-churn-job: cannot read the push key file: {error}\n")
            return 2
    missing = [name for name in ("db", "login", "secret") if not getattr(args, name)]
    if not args.dry_run and not args.push_key:
        missing.append("push_key")
    if missing:
        sys.stderr.write(f"crm-churn-job: missing {', '.join(missing)}\n")
        return 2
    summary = run(args)
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 1 if summary.get("rejected") else 0
