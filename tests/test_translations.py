"""Every addon ships zh_CN: its .po holds every term of its .pot, translated; and the addons
without a translation test of their own (vendor evaluations, churn scores) show their labels
and errors in Chinese."""

from pathlib import Path

import polib
import pytest
from live_odoo import our_addons
from test_rights_matrix import rolled_back_env

from odoo.exceptions import ValidationError

ADDONS = Path(__file__).resolve().parent.parent / "addons"


@pytest.mark.parametrize("addon", our_addons())
def test_every_term_of_the_addon_has_a_chinese_translation(addon):
    po = polib.pofile(str(ADDONS / addon / "i18n" / "zh_CN.po"))
    pot = polib.pofile(str(ADDONS / addon / "i18n" / f"{addon}.pot"))
    assert {e.msgid for e in pot} == {e.msgid for e in po}, f"{addon}: zh_CN.po is out of date"
    assert po.untranslated_entries() == [], f"{addon}: untranslated terms"


def test_vendor_evaluation_and_churn_labels_show_in_chinese():
    with rolled_back_env() as env:
        env["res.lang"]._activate_lang("zh_CN")
        env["ir.module.module"]._load_module_terms(
            ["crm_vendor_eval", "crm_churn_score"], ["zh_CN"]
        )
        env.invalidate_all()
        category = env.ref("crm_vendor_eval.template_crm_system_integration")
        assert category.with_context(lang="zh_CN").name == "系统集成"
        criterion = env.ref("crm_vendor_eval.template_crm_system_integration_1")
        assert criterion.with_context(lang="zh_CN").name == "与我们遗留系统的集成"
        partner_fields = env["res.partner"].with_context(lang="zh_CN").fields_get(["churn_risk"])
        assert partner_fields["churn_risk"]["string"] == "流失风险"
        Template = env["crm.vendor.eval.template"].with_context(lang="zh_CN")
        with pytest.raises(ValidationError, match="权重之和为 60"):
            Template.create(
                {"name": "Weights", "category_ids": [(0, 0, {"name": "Only", "weight": 60})]}
            )
