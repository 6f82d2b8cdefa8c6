from pathlib import Path

import openpyxl
import polib

from odoo.tests import tagged

from .forecast_common import ForecastCase

ADDON = Path(__file__).resolve().parents[1]


@tagged("post_install", "-at_install")
class TestTranslations(ForecastCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["crm_project_stages", "crm_project_forecast"], ["zh_CN"]
        )

    def test_every_term_has_a_chinese_translation(self):
        po = polib.pofile(str(ADDON / "i18n" / "zh_CN.po"))
        pot = polib.pofile(str(ADDON / "i18n" / f"{ADDON.name}.pot"))
        self.assertEqual({e.msgid for e in pot}, {e.msgid for e in po}, "zh_CN.po is out of date")
        self.assertEqual(po.untranslated_entries(), [], "untranslated terms")

    def test_forecast_and_its_workbook_speak_chinese(self):
        Dashboard = self.dashboard().with_context(lang="zh_CN")
        labels = Dashboard.get_dashboard_data({"period_type": "year"})["labels"]
        self.assertEqual(labels["figure"]["gap"], "距目标差额")
        movement = Dashboard.get_dashboard_data({"period_type": "year"})["movement"]["summary"]
        self.assertIn("推迟到后续期间", [row["label"] for row in movement])
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

    def test_snapshots_are_named_in_every_language(self):
        """Whoever takes it (here a manager working in Chinese), each reader sees the name of a
        snapshot in their own language."""
        self.manager.lang = "zh_CN"
        snapshot = (
            self.env["crm.forecast.snapshot"]
            .with_user(self.manager)
            .with_context(lang="zh_CN")
            ._take_snapshots(self.company)
        )
        year, week, _day = snapshot.date.date().isocalendar()
        self.assertEqual(snapshot.with_context(lang="en_US").name, f"Week {week}, {year}")
        self.assertEqual(snapshot.with_context(lang="zh_CN").name, f"{year} 年第 {week} 周")
