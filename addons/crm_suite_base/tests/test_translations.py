import unittest
from pathlib import Path

import polib

I18N = Path(__file__).resolve().parents[1] / "i18n"


class TestTranslations(unittest.TestCase):
    def test_every_term_has_a_chinese_translation(self):
        pot = polib.pofile(str(I18N / "crm_suite_base.pot"))
        po = polib.pofile(str(I18N / "zh_CN.po"))
        self.assertEqual({e.msgid for e in pot}, {e.msgid for e in po}, "zh_CN.po is out of date")
        self.assertEqual(po.untranslated_entries(), [], "untranslated terms")
