from pathlib import Path

import openpyxl
import polib

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ProjectStagesCase

ADDONS = ("crm_project_stages", "crm_churn_score", "crm_vendor_eval")


@tagged("post_install", "-at_install")
class TestTranslations(ProjectStagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        modules = cls.env["ir.module.module"].search([("name", "in", ADDONS)])
        modules._update_translations(["zh_CN"])

    def test_every_term_of_the_suite_has_a_chinese_translation(self):
        root = Path(__file__).resolve().parents[2]
        for addon in ADDONS:
            po = polib.pofile(str(root / addon / "i18n" / "zh_CN.po"))
            pot = polib.pofile(str(root / addon / "i18n" / f"{addon}.pot"))
            self.assertEqual(
                {e.msgid for e in pot}, {e.msgid for e in po}, f"{addon}: zh_CN.po is out of date"
            )
            self.assertEqual(po.untranslated_entries(), [], f"{addon}: untranslated terms")

    def test_phases_and_labels_show_in_chinese(self):
        Lead = self.env["crm.lead"].with_context(lang="zh_CN")
        description = Lead.fields_get(["project_phase", "is_stalled"])
        self.assertEqual(description["project_phase"]["string"], "阶段")
        self.assertEqual(
            [label for _key, label in description["project_phase"]["selection"]],
            ["项目接触期", "方案设计期", "方案论证期", "招投标期"],
        )
        self.assertEqual(description["is_stalled"]["string"], "停滞")
        item = self.item_budget.with_context(lang="zh_CN")
        self.assertEqual(item.name, "预算已确认")

    def test_vendor_template_and_churn_labels_show_in_chinese(self):
        category = self.env.ref("crm_vendor_eval.template_crm_system_integration")
        self.assertEqual(category.with_context(lang="zh_CN").name, "系统集成")
        criterion = self.env.ref("crm_vendor_eval.template_crm_system_integration_1")
        self.assertEqual(criterion.with_context(lang="zh_CN").name, "与我们遗留系统的集成")
        partner_fields = (
            self.env["res.partner"].with_context(lang="zh_CN").fields_get(["churn_risk"])
        )
        self.assertEqual(partner_fields["churn_risk"]["string"], "流失风险")

    def test_gate_refusal_speaks_the_users_language(self):
        self.rep.lang = "zh_CN"
        lead = self._new_opportunity()
        with self.assertRaises(UserError) as refusal:
            lead.with_user(self.rep).with_context(lang="zh_CN").write(
                {"stage_id": self.stage_design.id}
            )
        message = str(refusal.exception)
        self.assertIn("不能进入方案设计期", message)
        self.assertIn("预算已确认", message)
        self.assertIn("请在商机“项目阶段”选项卡的检查清单中勾选未完成的项目", message)

    def test_forecast_and_its_workbook_speak_chinese(self):
        Dashboard = self.env["crm.forecast.dashboard"].with_user(self.manager)
        Dashboard = Dashboard.with_context(lang="zh_CN")
        self.assertEqual(Dashboard._figure_labels()["gap"], "距目标差额")
        self.assertEqual(Dashboard._movement_labels()["slipped"], "推迟到后续期间")
        description = (
            self.env["crm.lead"]
            .with_context(lang="zh_CN")
            .fields_get(["forecast_category", "phase_probability"])
        )
        self.assertTrue(description["phase_probability"]["string"].startswith("阶段概率"))
        self.assertIn(("commit", "承诺"), description["forecast_category"]["selection"])
        name, handle, _size = Dashboard._export_xlsx({"period_type": "year"})
        with handle:
            self.assertTrue(name.startswith("销售预测"))
            book = openpyxl.load_workbook(handle, read_only=True)
            self.assertEqual(
                book.sheetnames,
                ["预测", "漏斗", "停滞和有风险", "快照变动", "销售成本", "商机"],
            )

    def test_vendor_template_weights_error_in_chinese(self):
        Template = self.env["crm.vendor.eval.template"].with_context(lang="zh_CN")
        with self.assertRaisesRegex(ValidationError, "权重之和为 60"):
            Template.create(
                {
                    "name": "Weights",
                    "category_ids": [(0, 0, {"name": "Only", "weight": 60})],
                }
            )
