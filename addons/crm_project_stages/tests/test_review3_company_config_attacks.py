"""A Sales Manager of one company does not set up another company's pipeline, over JSON-RPC
with their own session: Odoo's multi-company rules hide that company's phases, limits and
checklist items, but a write of a company into a record the manager can see, or a link to a
phase they cannot even read, would change that company's phase gate (a mandatory item on its
phase), its stalled days or the phase of its deals (from the third review's probes)."""

from odoo.tests import HttpCase, new_test_user, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestCompanyConfigAttacks(JsonRpcMixin, HttpCase, ProjectStagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Harbour Works Ltd"})
        cls.manager_a = new_test_user(
            cls.env,
            login="ps_manager_a",
            name="Ada Manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, cls.company_a.ids)],
        )
        cls.manager_ab = new_test_user(
            cls.env,
            login="ps_manager_ab",
            name="Bo Manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[(6, 0, (cls.company_a | cls.company_b).ids)],
        )
        # Company B's own phase, between Contact and Solution Design.
        cls.phase_b = cls.env["crm.project.phase"].create(
            {"name": "Site Survey", "sequence": 15, "company_id": cls.company_b.id}
        )
        cls.item_a = cls.env["crm.phase.checklist.item"].create(
            {"name": "Credit check", "phase_id": cls.phases["contact"].id, "company_id": False}
        )
        cls.limit_a = cls.env["crm.project.phase.company"].create(
            {"phase_id": cls.phases["design"].id, "company_id": cls.company_a.id, "stall_days": 7}
        )
        cls.refusal = "Harbour Works Ltd is not one of your companies"

    def assertNothingOfB(self):
        self.env.invalidate_all()
        Item = self.env["crm.phase.checklist.item"].with_context(active_test=False)
        self.assertFalse(
            Item.search(
                [
                    "|",
                    ("company_id", "=", self.company_b.id),
                    ("phase_id.company_id", "=", self.company_b.id),
                ]
            ),
            "no checklist item of company B, nor on its phase",
        )
        self.assertFalse(
            self.env["crm.project.phase.company"].search([("company_id", "=", self.company_b.id)]),
            "no limit of company B",
        )
        self.assertEqual(
            self.env["crm.project.phase"].search([("company_id", "=", self.company_b.id)]),
            self.phase_b,
            "no other phase of company B",
        )

    def test_an_item_on_another_companys_phase_is_refused(self):
        answer = self.rpc(
            "ps_manager_a",
            "crm.phase.checklist.item",
            "create",
            {"name": "Survey report signed", "phase_id": self.phase_b.id, "mandatory": True},
        )
        self.assertRefused(answer, "AccessError", self.refusal, "Survey report signed")
        for vals in ({"phase_id": self.phase_b.id}, {"company_id": self.company_b.id}):
            answer = self.rpc(
                "ps_manager_a", "crm.phase.checklist.item", "write", [self.item_a.id], vals
            )
            self.assertRefused(answer, "AccessError", self.refusal, "Credit check")
        self.assertNothingOfB()
        self.assertEqual(self.item_a.phase_id, self.phases["contact"])

    def test_a_shared_item_on_another_companys_phase_is_that_companys(self):
        # Set up by a manager of company B: no company of its own, but on B's phase.
        item = self.env["crm.phase.checklist.item"].create(
            {"name": "Survey report signed", "phase_id": self.phase_b.id, "mandatory": True}
        )
        for method, args in (("write", [{"mandatory": False}]), ("unlink", [])):
            answer = self.rpc("ps_manager_a", "crm.phase.checklist.item", method, [item.id], *args)
            self.assertRefused(answer, "AccessError", self.refusal, "Survey report signed")
        self.env.invalidate_all()
        self.assertTrue(item.exists() and item.mandatory, "B's gate is as it was")
        answer = self.rpc(
            "ps_manager_ab", "crm.phase.checklist.item", "write", [item.id], {"mandatory": False}
        )
        self.assertIs(answer["result"], True)

    def test_a_limit_or_a_phase_moved_to_another_company_is_refused(self):
        answer = self.rpc(
            "ps_manager_a",
            "crm.project.phase.company",
            "write",
            [self.limit_a.id],
            {"company_id": self.company_b.id},
        )
        self.assertRefused(answer, "AccessError", self.refusal)
        # Through the phase's form (Per Company), and on company B's phase.
        answer = self.rpc(
            "ps_manager_a",
            "crm.project.phase",
            "write",
            [self.phases["design"].id],
            {"company_limit_ids": [(1, self.limit_a.id, {"company_id": self.company_b.id})]},
        )
        self.assertRefused(answer, "AccessError", self.refusal)
        answer = self.rpc(
            "ps_manager_a",
            "crm.project.phase.company",
            "create",
            {"phase_id": self.phase_b.id, "company_id": self.company_a.id, "stall_days": 1},
        )
        self.assertRefused(answer, "AccessError", self.refusal)
        answer = self.rpc(
            "ps_manager_a",
            "crm.project.phase",
            "create",
            {"name": "Audit", "sequence": 25, "company_id": self.company_a.id},
        )
        phase = self.env["crm.project.phase"].browse(answer["result"])
        answer = self.rpc(
            "ps_manager_a",
            "crm.project.phase",
            "write",
            [phase.id],
            {"company_id": self.company_b.id},
        )
        self.assertRefused(answer, "AccessError", self.refusal, "Audit")
        self.assertNothingOfB()
        self.assertEqual(self.limit_a.company_id, self.company_a)
        self.assertEqual(phase.company_id, self.company_a)

    def test_a_stage_is_not_put_in_another_companys_phase(self):
        lead = self._new_opportunity(stage=self.stage_design, company_id=self.company_a.id)
        answer = self.rpc(
            "ps_manager_a",
            "crm.stage",
            "write",
            [self.stage_design.id],
            {"phase_id": self.phase_b.id},
        )
        self.assertRefused(answer, "AccessError", self.refusal, "PS Design")
        self.env.invalidate_all()
        self.assertEqual(self.stage_design.phase_id, self.phases["design"])
        self.assertEqual(lead.sudo().phase_id, self.phases["design"], "the deal stays in Design")

    def test_a_stage_of_another_companys_team_is_not_changed(self):
        """From the fifth review: the stages of a sales team of company B are B's set-up -
        their phase or Won flag would move B's deals past the gate or win them."""
        team_b = self.env["crm.team"].create(
            {"name": "Harbour Sales", "company_id": self.company_b.id}
        )
        stage_b = self.env["crm.stage"].create(
            {"name": "Harbour Review", "team_id": team_b.id, "phase_id": self.phases["design"].id}
        )
        lead = self._new_opportunity(
            stage=stage_b, user=self.manager_ab, company_id=self.company_b.id, team_id=team_b.id
        ).sudo()
        self.assertEqual(lead.phase_id, self.phases["design"])
        calls = [
            ("write", [stage_b.id], {"phase_id": self.phases["tender"].id}),
            ("write", [stage_b.id], {"is_won": True}),
            ("write", [stage_b.id], {"name": "Renamed"}),
            ("unlink", [stage_b.id]),
            ("create", {"name": "Harbour Shortcut", "team_id": team_b.id}),
            ("write", [self.stage_design.id], {"team_id": team_b.id}),
        ]
        for method, *args in calls:
            answer = self.rpc("ps_manager_a", "crm.stage", method, *args)
            self.assertRefused(answer, "AccessError", self.refusal)
        self.env.invalidate_all()
        self.assertEqual(
            (stage_b.name, stage_b.phase_id, stage_b.is_won),
            ("Harbour Review", self.phases["design"], False),
        )
        self.assertEqual(self.env["crm.stage"].search([("team_id", "=", team_b.id)]), stage_b)
        self.assertEqual(self.stage_design.team_id, self.team)
        self.assertEqual((lead.phase_id, lead.outcome), (self.phases["design"], "open"))
        # A manager of both companies does.
        answer = self.rpc(
            "ps_manager_ab", "crm.stage", "write", [stage_b.id], {"name": "Harbour Check"}
        )
        self.assertIs(answer["result"], True)

    def test_a_manager_of_both_companies_sets_them_up(self):
        answer = self.rpc(
            "ps_manager_ab",
            "crm.phase.checklist.item",
            "create",
            {"name": "Survey report signed", "phase_id": self.phase_b.id},
        )
        item = self.env["crm.phase.checklist.item"].browse(answer["result"])
        self.assertEqual(item.phase_id, self.phase_b)
        answer = self.rpc(
            "ps_manager_ab",
            "crm.project.phase.company",
            "write",
            [self.limit_a.id],
            {"company_id": self.company_b.id},
        )
        self.assertIs(answer["result"], True)
        # Shared set-up stays every manager's.
        answer = self.rpc(
            "ps_manager_a",
            "crm.phase.checklist.item",
            "create",
            {"name": "Site visit", "phase_id": self.phases["contact"].id},
        )
        self.assertTrue(answer["result"])

    def test_the_refusal_speaks_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_project_stages"], ["zh_CN"])
        self.manager_a.lang = "zh_CN"
        answer = self.rpc(
            "ps_manager_a",
            "crm.phase.checklist.item",
            "write",
            [self.item_a.id],
            {"company_id": self.company_b.id},
            context={"lang": "zh_CN"},
        )
        self.assertRefused(answer, "AccessError", "Harbour Works Ltd 不是您的公司")
        self.assertNothingOfB()

    def test_the_force_wizard_shows_nothing_of_another_companys_deal(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "Harbour cranes",
                "type": "opportunity",
                "company_id": self.company_b.id,
                "stage_id": self.stage_contact.id,
            }
        )
        Wizard = self.env["crm.phase.force.wizard"]
        before = Wizard.search([])
        answer = self.rpc(
            "ps_manager_a",
            "crm.phase.force.wizard",
            "web_save",
            [],
            {"lead_id": lead.id, "stage_id": self.stage_design.id, "reason": "Award"},
            specification={"missing_items": {}},
        )
        message = self.assertRefused(answer, "AccessError")
        self.assertNotIn("Harbour cranes", message)
        answer = self.rpc(
            "ps_manager_a",
            "crm.phase.force.wizard",
            "create",
            {"lead_id": lead.id, "stage_id": self.stage_design.id, "reason": "Award"},
        )
        self.assertRefused(answer, "AccessError")
        self.assertEqual(Wizard.search([]), before, "no wizard made")
        self.assertEqual(lead.sudo().stage_id, self.stage_contact)

    def test_a_problem_is_not_put_in_another_companys_phase(self):
        lead = self._new_opportunity(company_id=self.company_a.id)
        answer = self.rpc(
            "ps_rep",
            "crm.lead.problem",
            "create",
            {"name": "Survey delayed", "lead_id": lead.id, "phase_id": self.phase_b.id},
        )
        self.assertRefused(answer, "AccessError", self.refusal)
        problem = (
            self.env["crm.lead.problem"]
            .with_user(self.rep)
            .create({"name": "Budget unclear", "lead_id": lead.id})
        )
        answer = self.rpc(
            "ps_rep", "crm.lead.problem", "write", [problem.id], {"phase_id": self.phase_b.id}
        )
        self.assertRefused(answer, "AccessError", self.refusal, "Budget unclear")
        self.env.invalidate_all()
        self.assertEqual(problem.phase_id, self.phases["contact"])
        self.assertFalse(
            self.env["crm.lead.problem"].search([("phase_id", "=", self.phase_b.id)]),
            "no problem in company B's phase",
        )
