"""Read customer behaviour from Odoo over its external JSON-RPC API (an API key works as the
password), aggregated by Odoo itself (read_group): a handful of calls whatever the number of
customers.

Purchases come from confirmed sales orders when the Sales app is installed, else from posted
customer invoices when Invoicing is, else from won opportunities."""

import itertools
import math
from datetime import date, timedelta

import requests

from .model import Customer

TIMEOUT = (5, 120)


class OdooError(Exception):
    pass


class OdooClient:
    def __init__(self, url, db, login, secret, session=None):
        self.url, self.db, self.login, self.secret = url.rstrip("/"), db, login, secret
        self.session = session or requests.Session()
        self._ids = itertools.count(1)
        self.uid = None

    def _call(self, service, method, *args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": list(args)},
        }
        response = self.session.post(f"{self.url}/jsonrpc", json=payload, timeout=TIMEOUT)
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            data = body["error"].get("data") or {}
            raise OdooError(data.get("message") or body["error"].get("message"))
        return body["result"]

    def authenticate(self):
        self.uid = self._call("common", "authenticate", self.db, self.login, self.secret, {})
        if not self.uid:
            raise OdooError(f"Odoo refused the login {self.login!r} on database {self.db!r}")
        return self.uid

    def execute(self, model, method, *args, **kwargs):
        if self.uid is None:
            self.authenticate()
        return self._call(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.secret,
            model,
            method,
            list(args),
            kwargs,
        )

    def has_model(self, model):
        """Whether the model exists (its app is installed) and this user may read it."""
        try:
            return bool(self.execute(model, "has_access", [], "read"))
        except OdooError:
            return False


# model, domain of a purchase, partner field, amount field, date field
SOURCES = {
    "sale.order": ([("state", "=", "sale")], "partner_id", "amount_untaxed", "date_order"),
    "account.move": (
        [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
        "partner_id",
        "amount_untaxed_signed",
        "invoice_date",
    ),
    "crm.lead": ([("stage_id.is_won", "=", True)], "partner_id", "expected_revenue", "date_closed"),
}


def pick_source(client):
    for model in ("sale.order", "account.move"):
        if client.has_model(model):
            return model
    return "crm.lead"


def _group(client, model, domain, partner_field, aggregates):
    rows = client.execute(
        model,
        "read_group",
        domain + [(partner_field, "!=", False)],
        aggregates,
        [partner_field],
        lazy=False,
    )
    return {row[partner_field][0]: row for row in rows}


def read_customers(client, as_of=None, source=None):
    """The behaviour of every customer that ever bought, per commercial partner."""
    as_of = as_of or date.today()
    model = source or pick_source(client)
    domain, partner, amount, when = SOURCES[model]
    year_ago = (as_of - timedelta(days=365)).isoformat()
    half = (as_of - timedelta(days=180)).isoformat()
    before = (as_of - timedelta(days=360)).isoformat()
    ever = _group(client, model, domain, partner, [f"{when}:max"])
    last_year = _group(client, model, domain + [(when, ">=", year_ago)], partner, [f"{amount}:sum"])
    recent = _group(client, model, domain + [(when, ">=", half)], partner, [f"{amount}:sum"])
    previous = _group(
        client,
        model,
        domain + [(when, ">=", before), (when, "<", half)],
        partner,
        [f"{amount}:sum"],
    )
    open_opps = {}
    if client.has_model("crm.lead"):
        open_opps = _group(
            client,
            "crm.lead",
            [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
            "partner_id",
            ["__count"],
        )
    contacts = set(ever) | set(open_opps)
    commercial = {
        row["id"]: row["commercial_partner_id"][0]
        for row in client.execute(
            "res.partner", "read", sorted(contacts), ["commercial_partner_id"]
        )
    }
    totals = {}
    for contact, row in ever.items():
        cid = commercial[contact]
        last = (row.get(when) or "")[:10]
        entry = totals.setdefault(
            cid,
            {"last": last, "count": 0, "amount": 0.0, "recent": 0.0, "previous": 0.0, "open": 0},
        )
        entry["last"] = max(entry["last"], last)
        if contact in last_year:
            entry["count"] += last_year[contact]["__count"]
            entry["amount"] += last_year[contact].get(amount) or 0.0
        entry["recent"] += (recent.get(contact) or {}).get(amount) or 0.0
        entry["previous"] += (previous.get(contact) or {}).get(amount) or 0.0
    for contact, row in open_opps.items():
        if commercial.get(contact) in totals:
            totals[commercial[contact]]["open"] += row["__count"]
    customers = []
    for cid, entry in sorted(totals.items()):
        last = date.fromisoformat(entry["last"]) if entry["last"] else as_of - timedelta(days=720)
        customers.append(
            Customer(
                partner_id=cid,
                recency_days=max((as_of - last).days, 0),
                frequency=entry["count"],
                monetary=entry["amount"],
                trend=_log_ratio(entry["recent"], entry["previous"]),
                open_opportunities=entry["open"],
            )
        )
    return customers


def _log_ratio(recent, previous):
    return math.log((max(recent, 0.0) + 1.0) / (max(previous, 0.0) + 1.0))
