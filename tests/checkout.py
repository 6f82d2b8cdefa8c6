"""Helpers of the tests that run the repository's own commands (`make run`, `make test`,
`make lint`, the bootstrap) the way a new user would: in a copy of the checkout, with an
interpreter that cannot import Odoo, from an Odoo source archive made from the Odoo these
tests run on."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import odoo

REPO = Path(__file__).resolve().parent.parent

# Settings of this test run that the commands would otherwise take (the interpreter, Odoo's
# configuration, ODOO_SOURCE, the database server).
_LEAKING = {"PYTHON", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
_LEAKING_PREFIXES = ("ODOO_", "PG")


def copy_checkout(dst):
    """The repository's files as a user's fresh clone has them (tracked and new files of the
    work tree, nothing ignored: no .venv, no databases), copied into `dst`."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    dst = Path(dst)
    for name in filter(None, files):
        src = REPO / os.fsdecode(name)
        if not src.is_file():  # deleted in the work tree, not yet in a commit
            continue
        target = dst / os.fsdecode(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dst


def command_env(**extra):
    """The environment of a command run as a user would: none of this test run's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _LEAKING and not k.startswith(_LEAKING_PREFIXES)
    }
    env.update(extra)
    return env


def python_without_odoo(folder):
    """A `python3` (in `folder`/bin) of the interpreter running the tests that cannot import
    Odoo: a virtual environment without the system site-packages, so neither the .pth file
    that makes Odoo importable here nor Odoo's packages are on its path. Put its bin folder
    first on PATH and `python3` is an interpreter with no Odoo, as on a new machine."""
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = Path(folder) / "bin" / "python3"
    probe = subprocess.run([python, "-c", "import odoo"], capture_output=True, check=False)
    assert probe.returncode != 0, "the interpreter meant to have no Odoo imports it"
    return Path(folder) / "bin"


def odoo_source_root():
    """The folder of the Odoo source the tests run on (the one holding odoo/ and addons/)."""
    return Path(odoo.__file__).resolve().parent.parent


def odoo_tarball(dest):
    """An uncompressed tarball of the Odoo source root, in one top folder as Odoo's own
    archives are, without the addons' translations (i18n/: two thirds of the source, not
    needed to run Odoo in English) and without compiled files."""
    root = odoo_source_root()

    def keep(info):
        parts = Path(info.name).parts
        if "__pycache__" in parts or "i18n" in parts[2:]:
            return None
        return info

    with tarfile.open(dest, "w") as tar:
        tar.add(root, arcname="odoo-18.0", filter=keep)
    return Path(dest)


def load_bootstrap():
    """scripts/bootstrap.py as a module."""
    spec = importlib.util.spec_from_file_location("bootstrap", REPO / "scripts" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
