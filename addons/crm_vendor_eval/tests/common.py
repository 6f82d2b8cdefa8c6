import json

from odoo import Command
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL


class VendorEvalCase(TransactionCase):
    """A small template (A 60 %: a1, a2; B 40 %: b1), two evaluators, two vendors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, login="ve_manager", name="Mia Manager",
            groups="crm_vendor_eval.crm_vendor_eval_group_manager",
        )  # fmt: skip
        cls.alice = new_test_user(
            cls.env,
            login="ve_alice",
            name="Alice",
            groups="crm_vendor_eval.crm_vendor_eval_group_member",
        )
        cls.bob = new_test_user(
            cls.env,
            login="ve_bob",
            name="Bob",
            groups="crm_vendor_eval.crm_vendor_eval_group_member",
        )
        Partner = cls.env["res.partner"]
        cls.v1 = Partner.create({"name": "Nimbus CRM", "is_company": True})
        cls.v2 = Partner.create({"name": "Pacific Integrators", "is_company": True})
        cls.template = cls.env["crm.vendor.eval.template"].create(
            {
                "name": "Small template",
                "category_ids": [
                    Command.create(
                        {
                            "name": "A",
                            "weight": 60,
                            "criterion_ids": [
                                Command.create({"name": "a1"}),
                                Command.create({"name": "a2"}),
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "name": "B",
                            "weight": 40,
                            "criterion_ids": [Command.create({"name": "b1"})],
                        }
                    ),
                ],
            }
        )
        cls.cat_a, cls.cat_b = cls.template.category_ids
        cls.a1, cls.a2 = cls.cat_a.criterion_ids
        cls.b1 = cls.cat_b.criterion_ids

    def _evaluation(self, **vals):
        evaluation = (
            self.env["crm.vendor.evaluation"]
            .with_user(self.manager)
            .create(
                {
                    "name": "CRM selection",
                    "template_id": self.template.id,
                    "vendor_ids": [Command.set((self.v1 | self.v2).ids)],
                    "member_ids": [Command.set((self.alice | self.bob).ids)],
                    **vals,
                }
            )
        )
        evaluation.action_start()
        return evaluation

    def _score(self, evaluation, user, vendor, criterion, value):
        line = (
            self.env["crm.vendor.eval.score"]
            .with_user(user)
            .search(
                [
                    ("evaluation_id", "=", evaluation.id),
                    ("evaluator_id", "=", user.id),
                    ("vendor_id", "=", vendor.id),
                    ("criterion_id", "=", criterion.id),
                ]
            )
        )
        line.write({"score": str(value)})
        return line

    def _fill_hand_example(self, evaluation):
        for user, vendor, criterion, value in [
            (self.alice, self.v1, self.a1, 5),
            (self.alice, self.v1, self.a2, 3),
            (self.alice, self.v1, self.b1, 4),
            (self.bob, self.v1, self.a1, 3),
            (self.bob, self.v1, self.a2, 3),
            (self.bob, self.v1, self.b1, 2),
            (self.alice, self.v2, self.a1, 4),
            (self.alice, self.v2, self.b1, 5),
            (self.bob, self.v2, self.a1, 2),
        ]:
            self._score(evaluation, user, vendor, criterion, value)

    def _decided(self, lead=None):
        """An evaluation scored by the team and decided for Nimbus CRM (on ``lead``)."""
        evaluation = self._evaluation()
        if lead:
            evaluation.sudo().lead_id = lead  # (test set-up)
        self._fill_hand_example(evaluation)
        self._submit_all(evaluation)
        evaluation.write({"decision_vendor_id": self.v1.id, "decision_reason": "Best fit"})
        evaluation.with_user(self.manager).action_decide()
        return evaluation

    @staticmethod
    def _submit_all(evaluation):
        for sheet in evaluation.assignment_ids:
            sheet.with_user(sheet.user_id).action_submit()


class AttackMixin:
    """Plays a user with a JSON-RPC client over real HTTP (mixed into an HttpCase): the calls
    go through Odoo's HTTP layer with that user's session, like any client but the web one."""

    def rpc(self, login, model, method, *args, **kwargs):
        """``{"result": …}`` or ``{"error": name, "message": …}`` of ``model.method`` called by
        ``login`` (test users have their login as password)."""
        self.authenticate(login, login)
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {"model": model, "method": method, "args": args, "kwargs": kwargs},
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.env.invalidate_all()
        if "error" in body:
            data = body["error"]["data"]
            return {"error": data["name"].rsplit(".", 1)[-1], "message": data["message"]}
        return {"result": body.get("result")}

    def assertRefused(self, reply, error, message):
        """The call failed with ``error`` (AccessError, UserError, ValidationError) and
        exactly ``message``."""
        self.assertNotIn("result", reply, "the call was not refused")
        self.assertEqual((reply["error"], reply["message"]), (error, message))

    @staticmethod
    def snapshot(records):
        """Every stored column of ``records`` as the database holds it."""
        records.env.invalidate_all()
        names = [
            name
            for name, field in records._fields.items()
            if field.store and field.type not in ("one2many", "many2many")
        ]
        records.env.cr.execute(
            SQL(
                "SELECT %s FROM %s WHERE id = ANY(%s) ORDER BY id",
                SQL(", ").join(SQL.identifier(name) for name in names),
                SQL.identifier(records._table),
                records.ids,
            )
        )
        return records.env.cr.fetchall()
