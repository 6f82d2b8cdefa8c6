import json

from odoo_test_helper import FakeModelLoader

from odoo.tests import HttpCase, new_test_user


class ServerFieldsCase(HttpCase):
    """The test models of ``fake_models`` in the registry, open to internal users, and a user
    who calls them over JSON-RPC like any client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.loader = FakeModelLoader(cls.env, cls.__module__)
        cls.loader.backup_registry()
        from .fake_models import (
            CrmSuiteTestDeal,
            CrmSuiteTestExtension,
            CrmSuiteTestGuarded,
            CrmSuiteTestSheet,
        )

        cls.loader.update_registry(
            (CrmSuiteTestGuarded, CrmSuiteTestDeal, CrmSuiteTestSheet, CrmSuiteTestExtension)
        )
        cls.addClassCleanup(cls.loader.restore_registry)
        for model in ("crm.suite.test.deal", "crm.suite.test.sheet", "crm.suite.test.extension"):
            cls.env["ir.model.access"].create(
                {
                    "name": model,
                    "model_id": cls.env["ir.model"]._get_id(model),
                    "group_id": cls.env.ref("base.group_user").id,
                    "perm_read": True,
                    "perm_write": True,
                    "perm_create": True,
                    "perm_unlink": True,
                }
            )
        cls.user = new_test_user(cls.env, login="suite_base_user", groups="base.group_user")
        cls.Deal = cls.env["crm.suite.test.deal"]
        cls.Sheet = cls.env["crm.suite.test.sheet"]

    def call_kw(self, model, method, args, kwargs=None):
        """``model.method`` over /web/dataset/call_kw with the user's own session; returns the
        decoded JSON-RPC answer."""
        self.authenticate(self.user.login, self.user.login)
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        url = f"/web/dataset/call_kw/{model}/{method}"
        response = self.url_open(url, body, headers={"Content-Type": "application/json"})
        self.assertEqual(response.status_code, 200, response.text[:500])
        self.env.invalidate_all()
        return response.json()
