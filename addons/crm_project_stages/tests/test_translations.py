from pathlib import Path

import polib

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ProjectStagesCase

ADDON = Path(__file__).resolve().parents[1]


@tagged("post_install", "-at_install")
class TestTranslations(ProjectStagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(["crm_project_stages"], ["zh_CN"])

    def test_every_term_has_a_chinese_translation(self):
        po = polib.pofile(str(ADDON / "i18n" / "zh_CN.po"))
        pot = polib.pofile(str(ADDON / "i18n" / f"{ADDON.name}.pot"))
        self.assertEqual({e.msgid for e in pot}, {e.msgid for e in po}, "zh_CN.po is out of date")
        self.assertEqual(po.untranslated_entries(), [], "untranslated terms")

    def test_phases_and_labels_show_in_chinese(self):
        phases = self.env["crm.project.phase"].with_context(lang="zh_CN").search([])
        self.assertEqual(
            phases.filtered("code").mapped("name"),
            ["项目接触期", "方案设计期", "方案论证期", "招投标期"],
        )
        description = (
            self.env["crm.lead"].with_context(lang="zh_CN").fields_get(["phase_id", "is_stalled"])
        )
        self.assertEqual(description["phase_id"]["string"], "阶段")
        self.assertEqual(description["is_stalled"]["string"], "停滞")
        self.assertEqual(self.item_budget.with_context(lang="zh_CN").name, "预算已确认")

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

    def test_notes_in_the_chatter_are_in_the_companys_language(self):
        """The manager works in English, the company in Chinese: the note the whole team
        reads is in Chinese."""
        self.env.company.partner_id.lang = "zh_CN"
        self.manager.lang = "en_US"
        lead = self._new_opportunity()
        lead.with_user(self.manager).with_context(lang="en_US")._force_phase_move(
            self.stage_design, "CIO said yes"
        )
        note = lead.message_ids.filtered(lambda m: "CIO said yes" in str(m.body))
        self.assertIn("项目接触期", str(note.body))
        self.assertIn("预算已确认", str(note.body))
        self.assertNotIn("overridden", str(note.body))
