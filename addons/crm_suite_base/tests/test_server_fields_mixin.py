from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import ServerFieldsCase

REFUSED = "These fields are set by the server and cannot be changed: %s."
BOUND = "Amount must be a number between -1,000,000,000,000,000 and 1,000,000,000,000,000."


@tagged("post_install", "-at_install")
class TestServerFieldsMixin(ServerFieldsCase):
    def deal(self, **vals):
        return self.Deal.create({"name": "Deal", "owner_id": self.user.id, **vals})

    def stored(self, records):
        """The records' stored values, read fresh from the database."""
        self.env.invalidate_all()
        return records.read([name for name, f in records._fields.items() if f.store])

    # ------------------------------------------------------------------ over JSON-RPC

    @mute_logger("odoo.http")
    def test_a_client_writing_server_fields_is_refused_and_nothing_changes(self):
        deal = self.deal(amount=100.0)
        before = self.stored(deal)
        for vals, labels in (
            ({"state": "won"}, "Status"),
            ({"weighted": 1e9}, "Weighted Amount"),
            ({"owner_id": self.env.uid}, "Owner"),
            # With a legitimate change, the whole write is refused.
            ({"name": "Renamed", "state": "won", "weighted": 0}, "Status, Weighted Amount"),
        ):
            with self.subTest(vals=vals):
                answer = self.call_kw("crm.suite.test.deal", "write", [deal.ids, vals])
                data = answer["error"]["data"]
                self.assertEqual(data["name"], "odoo.exceptions.AccessError")
                message = REFUSED % labels
                if "state" in vals:
                    message += " Win the deal with its button."
                self.assertEqual(data["message"], message)
                self.assertEqual(self.stored(deal), before)
        answer = self.call_kw(
            "crm.suite.test.deal", "create", [{"name": "Won already", "state": "won"}]
        )
        self.assertEqual(
            answer["error"]["data"]["message"],
            REFUSED % "Status" + " Win the deal with its button.",
        )
        self.assertFalse(self.Deal.search([("name", "=", "Won already")]))

    @mute_logger("odoo.http")
    def test_a_client_context_gives_no_server_field_a_value(self):
        answer = self.call_kw(
            "crm.suite.test.deal",
            "create",
            [{"name": "By context"}],
            {"context": {"default_state": "won", "default_weighted": 5.0, "default_amount": 8}},
        )
        deal = self.Deal.browse(answer["result"])
        self.assertEqual((deal.state, deal.weighted, deal.amount), ("new", 4.0, 8.0))
        answer = self.call_kw(
            "crm.suite.test.deal",
            "onchange",
            [[], {}, [], {"state": {}, "name": {}}],
            {"context": {"default_state": "won", "default_name": "Shown"}},
        )
        self.assertEqual(answer["result"]["value"], {"state": "new", "name": "Shown"})

    @mute_logger("odoo.http")
    def test_a_saved_default_gives_no_server_field_a_value(self):
        """Any user saves defaults of their own for any field (``ir.default``), and Odoo adds
        them after ``create`` has checked the values (the fifth review found it on activity
        types): a server field keeps the default of its definition, or none."""
        for name, value in (("state", "won"), ("weighted", 5.0), ("amount", 8)):
            answer = self.call_kw(
                "ir.default", "set", ["crm.suite.test.deal", name, value], {"user_id": True}
            )
            self.assertIs(answer.get("result"), True, answer)
        answer = self.call_kw("crm.suite.test.deal", "create", [{"name": "By saved default"}])
        deal = self.Deal.browse(answer["result"])
        self.assertEqual((deal.state, deal.weighted, deal.amount), ("new", 4.0, 8.0))
        answer = self.call_kw(
            "crm.suite.test.deal", "onchange", [[], {}, [], {"state": {}, "amount": {}}]
        )
        self.assertEqual(answer["result"]["value"], {"state": "new", "amount": 8.0})

    @mute_logger("odoo.http")
    def test_a_client_cannot_send_an_amount_out_of_bounds(self):
        deal = self.deal(amount=100.0)
        for amount in ("NaN", "Infinity", "1e16", -(10**15) - 1, "many"):
            with self.subTest(amount=amount):
                answer = self.call_kw(
                    "crm.suite.test.deal", "write", [deal.ids, {"amount": amount}]
                )
                data = answer["error"]["data"]
                self.assertEqual(
                    (data["name"], data["message"]), ("odoo.exceptions.ValidationError", BOUND)
                )
                self.assertEqual(deal.amount, 100.0)

    # ------------------------------------------------------------------ the rule

    def test_users_write_their_fields_and_the_server_writes_its_own(self):
        deal = self.deal(amount=10.0).with_user(self.user)
        deal.write({"name": "Mine", "amount": 10**15, "note": "writable: it has an inverse"})
        self.assertEqual(
            (deal.name, deal.weighted, deal.note_store), ("Mine", 10**15 / 2, deal.note)
        )
        deal.sudo().write({"state": "won", "weighted": 1.0, "owner_id": self.env.uid})
        self.assertEqual((deal.state, deal.weighted), ("won", 1.0))

    def test_a_fixed_field_is_given_at_creation_only(self):
        deal = self.Deal.with_user(self.user).create({"name": "Owned", "owner_id": self.user.id})
        self.assertEqual(deal.owner_id, self.user)
        with self.assertRaisesRegex(AccessError, "cannot be changed: Owner"):
            deal.write({"owner_id": self.env.uid})
        kept = self.Deal.with_user(self.user).with_context(default_owner_id=self.user.id)
        self.assertEqual(kept.create({"name": "By default"}).owner_id, self.user)

    def test_the_only_fields_users_write(self):
        sheet = self.Sheet.create({"name": "Sheet", "score": 3})
        sheet.with_user(self.user).write({"comment": "Fine"})
        self.assertEqual(sheet.comment, "Fine")
        for vals, label in (({"score": 5}, "Score"), ({"name": "X", "comment": "Y"}, "Name")):
            with self.subTest(vals=vals), self.assertRaises(AccessError) as refusal:
                sheet.with_user(self.user).write(vals)
            self.assertEqual(str(refusal.exception), REFUSED % label)
        with self.assertRaises(AccessError):
            self.Sheet.with_user(self.user).create({"name": "Made by a user", "comment": "x"})
        self.assertEqual((sheet.name, sheet.score, sheet.comment), ("Sheet", 3, "Fine"))

    def test_an_extension_of_a_model_of_odoo_names_its_computed_fields(self):
        record = self.env["crm.suite.test.extension"].create({"name": "Long name"})
        record.with_user(self.user).write({"level": 1})
        self.assertEqual(record.level, 1, "not the server's: Odoo's own code may write it")
        with self.assertRaises(AccessError) as refusal:
            record.with_user(self.user).write({"badge": "short"})
        self.assertEqual(str(refusal.exception), REFUSED % "Badge")
        self.assertEqual(record.badge, "long")

    def test_bounds_hold_for_the_server_too(self):
        for amount in (float("nan"), float("inf"), 10**15 + 1, "1e16"):
            with self.subTest(amount=amount), self.assertRaises(ValidationError) as refusal:
                self.Deal.sudo().create({"name": "Huge", "amount": amount})
            self.assertEqual(str(refusal.exception), BOUND)
        self.assertEqual(self.Deal.sudo().create({"amount": -(10**15)}).amount, -(10**15))

    def test_the_form_shows_no_default_of_the_client_for_server_fields(self):
        Deal = self.Deal.with_user(self.user).with_context(default_state="won", default_name="N")
        self.assertEqual(Deal.default_get(["state", "name"]), {"state": "new", "name": "N"})
        with Form(Deal) as form:
            form.amount = 3.0
        self.assertEqual((form.record.state, form.record.name), ("new", "N"))

    def test_the_refusal_speaks_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.user.lang = "zh_CN"
        deal = self.deal()
        with self.assertRaises(AccessError) as refusal:
            deal.with_user(self.user).with_context(lang="zh_CN").write({"weighted": 1})
        self.assertEqual(
            str(refusal.exception),
            "以下字段由服务器设置，不能修改：Weighted Amount。",  # noqa: RUF001
        )
        with self.assertRaises(ValidationError) as refusal:
            deal.with_context(lang="zh_CN").write({"amount": float("nan")})
        self.assertIn(
            "必须是介于 -1,000,000,000,000,000 和 1,000,000,000,000,000", str(refusal.exception)
        )

    def test_uninstalling_is_the_servers_state_not_a_context_key(self):
        Deal = self.Deal.with_context(**{MODULE_UNINSTALL_FLAG: True})
        self.assertFalse(Deal._is_module_uninstalling("crm_suite_base"))
        module = self.env["ir.module.module"].search([("name", "=", "crm_suite_base")])
        module.state = "to remove"
        self.assertTrue(Deal._is_module_uninstalling("crm_suite_base"))
        self.assertFalse(self.Deal._is_module_uninstalling("crm_suite_base"))
