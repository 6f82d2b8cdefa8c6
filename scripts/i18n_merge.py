"""Merge a fresh .pot into a language's .po: keep every existing translation, add new terms
untranslated, drop terms gone from the code, and list what still needs translating.

    python3 scripts/i18n_merge.py addons/x/i18n/x.pot addons/x/i18n/zh_CN.po
"""

import re
import sys
from pathlib import Path

import polib

LANGUAGE = {"zh_CN": "Chinese (Simplified) / 简体中文"}


def _own_models(addon_dir):
    """xmlid names (model_x_y) of the models this addon defines, not those it inherits."""
    names = set()
    for path in Path(addon_dir).rglob("*.py"):
        for name in re.findall(r'^\s+_name = "([\w.]+)"', path.read_text(), re.M):
            names.add("model_" + name.replace(".", "_"))
    return names


def _drop_inherited_model_names(pot, addon):
    """Odoo exports the name of every model an addon extends; translating res.partner's name
    from our addon would overwrite the base translation (and "Contact" is also our phase)."""
    own = _own_models(Path(pot.fpath).parent.parent)
    prefix = f"model:ir.model,name:{addon}."
    for entry in list(pot):
        entry.occurrences = [
            (source, line)
            for source, line in entry.occurrences
            if not source.startswith(prefix) or source[len(prefix) :] in own
        ]
        if not entry.occurrences:
            pot.remove(entry)


def merge(pot_path, po_path):
    pot = polib.pofile(pot_path)
    _drop_inherited_model_names(pot, Path(pot_path).stem)
    pot.save(pot_path)
    lang = Path(po_path).stem
    old = polib.pofile(po_path) if Path(po_path).exists() else polib.POFile()
    known = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in old if entry.msgstr}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = dict(pot.metadata)
    merged.metadata.update(
        {"Language": lang, "Language-Team": LANGUAGE.get(lang, lang), "Plural-Forms": ""}
    )
    missing = []
    for entry in pot:
        entry.msgstr = known.get((entry.msgctxt, entry.msgid), "")
        if not entry.msgstr:
            missing.append(entry.msgid)
        merged.append(entry)
    merged.save(po_path)
    return missing


if __name__ == "__main__":
    untranslated = merge(sys.argv[1], sys.argv[2])
    if untranslated:
        sys.stdout.write(f"{sys.argv[2]}: {len(untranslated)} untranslated term(s):\n")
        for msgid in untranslated:
            sys.stdout.write(f"  {msgid!r}\n")
