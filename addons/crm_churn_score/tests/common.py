import json

from odoo.tests import HttpCase, new_test_user

URL = "/crm_churn_score/v1/scores"


class PushCase(HttpCase):
    """A sync user with an API key, a salesperson, and customers in two companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Second Company Ltd"})
        cls.sync_user = new_test_user(
            cls.env, login="churn_sync", groups="crm_churn_score.group_churn_sync"
        )
        cls.key = cls._api_key(cls.sync_user)
        cls.salesperson = new_test_user(
            cls.env, login="churn_rep", name="Sam Sales", groups="sales_team.group_sale_salesman"
        )
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create(
            {
                "name": "Acme Pipes",
                "is_company": True,
                "ref": "C-100",
                "user_id": cls.salesperson.id,
            }
        )
        cls.acme_contact = Partner.create({"name": "Ann Acme", "parent_id": cls.acme.id})
        cls.bolt = Partner.create({"name": "Bolt Valves", "is_company": True, "ref": "C-200"})
        cls.foreign = Partner.create(
            {"name": "Other Company Client", "is_company": True, "company_id": cls.company_b.id}
        )

    def key_of_company_b(self):
        """The API key of a sync user of the second company only."""
        user = new_test_user(
            self.env,
            login="churn_sync_b",
            groups="crm_churn_score.group_churn_sync",
            company_id=self.company_b.id,
            company_ids=[(6, 0, self.company_b.ids)],
        )
        return self._api_key(user)

    @classmethod
    def _api_key(cls, user):
        return cls.env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "job", None)

    def push(self, body, key=None, content_type="application/json", method="POST"):
        data = body if isinstance(body, (str | bytes)) else json.dumps(body)
        headers = {"Content-Type": content_type}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key}"
        response = self.opener.request(
            method, self.base_url() + URL, data=data, headers=headers, timeout=30
        )
        self.env.invalidate_all()  # the server wrote through SQL in this transaction
        return response

    @staticmethod
    def envelope(scores, run_id="run-1", scored_at="2026-11-20T02:00:00Z"):
        return {
            "run_id": run_id,
            "model_version": "rfm-1.0",
            "scored_at": scored_at,
            "scores": scores,
        }

    def history(self, partner):
        return self.env["crm.churn.score"].search([("partner_id", "=", partner.id)])


class RpcCase(HttpCase):
    """JSON-RPC as a logged-in user, the way any client of Odoo calls the models."""

    def call_kw(self, login, model, method, args, kwargs=None):
        """Call ``model.method`` over /web/dataset/call_kw with ``login``'s session (password =
        login, as new_test_user sets it); returns the decoded JSON-RPC answer."""
        self.authenticate(login, login)
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.env.invalidate_all()
        return response.json()

    def assertRefused(self, answer, exception, message):
        """The call failed with ``exception`` (e.g. "AccessError") and exactly ``message``."""
        self.assertNotIn("result", answer, "the call went through")
        data = answer["error"]["data"]
        self.assertEqual(data["name"], f"odoo.exceptions.{exception}")
        self.assertEqual(data["message"], message)
