"""A Sales Manager of one company does not put targets into another company's forecast, over
JSON-RPC with their own session: the multi-company rule refuses creating a target there, but
not moving one of their own company there (from the third review's probes)."""

from odoo.addons.crm_project_stages.tests.common import JsonRpcMixin
from odoo.tests import HttpCase, tagged

from .forecast_common import ForecastCase


@tagged("post_install", "-at_install")
class TestTargetCompanyAttacks(JsonRpcMixin, HttpCase, ForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager_us = cls._user(
            "fc_manager_us", "Uma Manager", "sales_team.group_sale_manager", cls.company
        )
        cls.rita_target = cls.env["crm.sales.target"].search(
            [("user_id", "=", cls.rita.id), ("company_id", "=", cls.company.id)]
        )

    def europe_targets(self):
        self.env.invalidate_all()
        return self.env["crm.sales.target"].search([("company_id", "=", self.company_eu.id)])

    def test_a_target_is_not_moved_into_another_companys_forecast(self):
        before = self.europe_targets()
        answer = self.rpc(
            "fc_manager_us",
            "crm.sales.target",
            "write",
            [self.rita_target.id],
            {"company_id": self.company_eu.id},
        )
        self.assertRefused(
            answer, "AccessError", "Forecast Europe is not one of your companies", "Rita East"
        )
        answer = self.rpc(
            "fc_manager_us",
            "crm.sales.target",
            "create",
            self._target("user", self.eva, "quarter", "2030-04-01", 9_000, self.company_eu),
        )
        self.assertRefused(answer, "AccessError")
        # Nor a target of their own company for the other company's team (its name would
        # read that team's name).
        answer = self.rpc(
            "fc_manager_us",
            "crm.sales.target",
            "create",
            self._target("team", self.europe, "quarter", "2030-07-01", 9_000),
        )
        self.assertRefused(answer, "AccessError", "Forecast Europe is not one of your companies")
        self.assertFalse(
            self.env["crm.sales.target"].search([("team_id", "=", self.europe.id)])
            - self.europe_targets(),
        )
        self.assertEqual(self.europe_targets(), before, "Europe's targets are as they were")
        self.assertEqual(self.rita_target.company_id, self.company)

    def test_a_manager_of_both_companies_moves_it(self):
        answer = self.rpc(
            "fc_manager",
            "crm.sales.target",
            "write",
            [self.rita_target.id],
            {"company_id": self.company_eu.id},
            context={"allowed_company_ids": (self.company | self.company_eu).ids},
        )
        self.assertIs(answer["result"], True)
        self.assertIn(self.rita_target, self.europe_targets())
