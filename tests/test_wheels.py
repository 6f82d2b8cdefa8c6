"""Every addon is a pip-installable distribution the OCA way: addons/<addon>/pyproject.toml
with the whool build backend, so `pip wheel addons/<addon>` builds `odoo-addon-<addon>` (name
from the folder, version from the manifest) holding every file git tracks in the addon under
odoo/addons/<addon>/, and a deployment's pip installs it where Odoo finds it."""

import ast
import email.parser
import json
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from checkout import REPO, load_bootstrap, odoo_source_root

ADDONS = sorted(p.parent.name for p in (REPO / "addons").glob("*/__manifest__.py"))


def _manifest(addon):
    return ast.literal_eval((REPO / "addons" / addon / "__manifest__.py").read_text())


def _tracked(addon):
    out = subprocess.run(
        ["git", "ls-files", "-z", "."],
        cwd=REPO / "addons" / addon,
        capture_output=True,
        check=True,
    ).stdout
    return {name.decode() for name in out.split(b"\0") if name} - {"pyproject.toml"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """One `pip wheel` of all addons, as a deployment's build would run it (whool from PyPI)."""
    out = tmp_path_factory.mktemp("wheels")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", out]
        + [REPO / "addons" / addon for addon in ADDONS],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    built = {}
    for wheel in out.glob("*.whl"):
        with zipfile.ZipFile(wheel) as zf:
            meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            meta = email.parser.HeaderParser().parsestr(zf.read(meta_name).decode())
        built[meta["Name"].removeprefix("odoo-addon-")] = (wheel, meta)
    assert sorted(built) == ADDONS
    return built


@pytest.mark.parametrize("addon", ADDONS)
def test_wheel_holds_the_addon(wheels, addon):
    wheel, meta = wheels[addon]
    manifest = _manifest(addon)
    assert meta["Name"] == f"odoo-addon-{addon}"
    # The manifest's version, and ".N" when N commits touched the addon since it last changed.
    assert meta["Version"] == manifest["version"] or meta["Version"].startswith(
        manifest["version"] + "."
    )
    assert meta["Requires-Python"] == ">=3.10"
    assert "odoo==18.0.*" in meta.get_all("Requires-Dist")
    for package in manifest.get("external_dependencies", {}).get("python", []):
        assert package in meta.get_all("Requires-Dist")

    files = _files(wheel, addon)
    assert files == _tracked(addon), "the wheel holds exactly the files git tracks in the addon"
    assert "__manifest__.py" in files and "__init__.py" in files
    missing = set(manifest.get("data", []) + manifest.get("demo", [])) - files
    assert not missing, f"data and demo files of the manifest missing: {missing}"


def _files(wheel, addon):
    """The addon's files in the wheel, relative to the addon; fails on anything else."""
    prefix = f"odoo/addons/{addon}/"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    others = {name for name in names if not name.startswith(prefix) and ".dist-info/" not in name}
    assert not others, f"the wheel holds files outside the addon: {others}"
    return {name.removeprefix(prefix) for name in names if name.startswith(prefix)}


def test_wheels_hold_every_kind_of_file(wheels):
    """Data XML, access rights, static files, translations: what Odoo loads from an addon."""
    files = set().union(*(_files(wheel, addon) for addon, (wheel, _meta) in wheels.items()))
    kinds = {
        "data XML": lambda f: f.startswith("data/") and f.endswith(".xml"),
        "views": lambda f: f.startswith("views/") and f.endswith(".xml"),
        "access rights": lambda f: f == "security/ir.model.access.csv",
        "web assets": lambda f: f.startswith("static/src/") and f.endswith(".js"),
        "icon": lambda f: f == "static/description/icon.png",
        "translations": lambda f: f.startswith("i18n/") and f.endswith(".po"),
    }
    absent = [kind for kind, match in kinds.items() if not any(map(match, files))]
    assert not absent, f"no wheel holds {absent}"


def test_wheels_install_into_a_fresh_venv(wheels, tmp_path):
    """Installed into a new virtual environment, Odoo finds each addon there: its module path
    is in that venv's site-packages, its manifest is read from there, its code imports."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
        + [str(wheel) for wheel, _meta in wheels.values()],
        check=True,
    )
    purelib = load_bootstrap().purelib(python)
    # Odoo is no pip distribution here (hence --no-deps): the venv takes Odoo's source and the
    # packages Odoo needs from the interpreter running these tests, after its own.
    root = odoo_source_root()
    Path(purelib, "odoo-under-test.pth").write_text(
        "\n".join([str(root), *site.getsitepackages()]) + "\n"
    )
    script = f"""
import importlib, json, sys
import odoo
from odoo.modules.module import get_manifest, get_module_path
odoo.tools.config.parse_config(["--addons-path", {str(root / "addons")!r}])
found = {{}}
for addon in {ADDONS!r}:
    module = importlib.import_module("odoo.addons." + addon)
    found[addon] = [get_module_path(addon), get_manifest(addon)["version"], module.__file__]
print(json.dumps(found))
"""
    result = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    for addon in ADDONS:
        path, version, module_file = found[addon]
        assert path == f"{purelib}/odoo/addons/{addon}"
        assert version == _manifest(addon)["version"]
        assert module_file == f"{purelib}/odoo/addons/{addon}/__init__.py"
