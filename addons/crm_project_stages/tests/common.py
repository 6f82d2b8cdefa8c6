import json

from odoo.tests import TransactionCase, new_test_user


class ProjectStagesCase(TransactionCase):
    """A sales team with one stage per phase plus Won, a rep, a second rep and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Project Sales"})
        cls.phases = {
            code: cls.env.ref(f"crm_project_stages.phase_{code}")
            for code in ("contact", "design", "proof", "tender")
        }
        Stage = cls.env["crm.stage"]
        cls.stage_contact = Stage.create(
            {
                "name": "PS Contact",
                "sequence": 101,
                "phase_id": cls.phases["contact"].id,
                "team_id": cls.team.id,
            }
        )
        cls.stage_design = Stage.create(
            {
                "name": "PS Design",
                "sequence": 102,
                "phase_id": cls.phases["design"].id,
                "team_id": cls.team.id,
            }
        )
        cls.stage_proof = Stage.create(
            {
                "name": "PS Proof",
                "sequence": 103,
                "phase_id": cls.phases["proof"].id,
                "team_id": cls.team.id,
            }
        )
        cls.stage_tender = Stage.create(
            {
                "name": "PS Tender",
                "sequence": 104,
                "phase_id": cls.phases["tender"].id,
                "team_id": cls.team.id,
            }
        )
        cls.stage_won = Stage.create(
            {"name": "PS Won", "sequence": 105, "is_won": True, "team_id": cls.team.id}
        )
        cls.rep = new_test_user(
            cls.env, login="ps_rep", name="Rita Rep", groups="sales_team.group_sale_salesman"
        )
        cls.other_rep = new_test_user(
            cls.env, login="ps_rep2", name="Olaf Rep", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, login="ps_manager", name="Mona Manager", groups="sales_team.group_sale_manager"
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Metro Water Authority", "is_company": True}
        )
        cls.item_decision_makers = cls.env.ref("crm_project_stages.checklist_item_decision_makers")
        cls.item_budget = cls.env.ref("crm_project_stages.checklist_item_budget")
        cls.item_need = cls.env.ref("crm_project_stages.checklist_item_need")
        cls.item_solution_doc = cls.env.ref("crm_project_stages.checklist_item_solution_doc")

    @classmethod
    def _new_opportunity(cls, name="Water metering project", stage=None, user=None, **vals):
        """An opportunity of ``user`` (default: the rep), created by them in the Contact stage;
        in a later stage (a deal already under way) it is created by the system, as only a
        Sales Manager may create one there."""
        user = user or cls.rep
        stage = stage or cls.stage_contact
        Lead = cls.env["crm.lead"]
        if stage == cls.stage_contact:
            Lead = Lead.with_user(user)
        lead = Lead.create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": cls.customer.id,
                "team_id": cls.team.id,
                "user_id": user.id,
                "stage_id": stage.id,
                **vals,
            }
        )
        return lead.with_user(user)

    @staticmethod
    def codes(records):
        """The codes of the phases of ``records`` (history rows, lines), one per record."""
        return [record.phase_id.code for record in records]

    @staticmethod
    def _tick(lead, *items):
        lead.checklist_line_ids.filtered(lambda line: line.item_id in items).write({"done": True})

    @classmethod
    def _tick_mandatory(cls, lead, phase):
        lead.checklist_line_ids.filtered(
            lambda line: line.phase_id.code == phase and line.mandatory
        ).write({"done": True})


class JsonRpcMixin:
    """Plays a user with an RPC client, in an ``HttpCase``: JSON-RPC calls to
    ``/web/dataset/call_kw`` with that user's session, whatever the web client would send."""

    _rpc_login = None

    def rpc_raw(self, login, model, method, *args, **kwargs):
        """The HTTP response of ``model.method(*args, **kwargs)`` called by ``login`` (whose
        password is their login, as ``new_test_user`` sets it)."""
        if self._rpc_login != login:
            self.authenticate(login, login)
            self._rpc_login = login
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        return self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    def rpc(self, login, model, method, *args, **kwargs):
        """The JSON-RPC answer ({"result": ...} or {"error": ...})."""
        response = self.rpc_raw(login, model, method, *args, **kwargs)
        self.assertEqual(response.status_code, 200, response.text[:300])
        return response.json()

    def assertRefused(self, answer, error, *fragments):
        """The call was refused with ``error`` (UserError, AccessError, ValidationError) and
        a message holding every fragment; returns the message."""
        self.assertNotIn("result", answer, f"accepted: {answer.get('result')!r}")
        data = answer["error"]["data"]
        self.assertEqual(data["name"], f"odoo.exceptions.{error}", data["message"])
        for fragment in fragments:
            self.assertIn(fragment, data["message"])
        return data["message"]
