"""The README's test command itself: when Odoo 18 cannot be had (no interpreter imports it and
ODOO_SOURCE cannot be reached), it stops at once naming Odoo 18, rather than skip the Odoo
suite and report success, and leaves nothing behind."""

import subprocess
import sys
import textwrap

from checkout import command_env, copy_checkout

UNREACHABLE = "http://127.0.0.1:9/odoo-18.0.tar.gz"


def test_test_command_fails_fast_without_odoo(tmp_path):
    checkout = copy_checkout(tmp_path / "checkout")
    # A python3 whose `import odoo` fails: the same interpreter with site-packages off.
    fake = tmp_path / "python3"
    fake.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            exec {sys.executable} -S -I "$@"
            """
        )
    )
    fake.chmod(0o755)
    result = subprocess.run(
        ["bash", "scripts/test.sh"],
        cwd=checkout,
        env=command_env(PYTHON=str(fake), ODOO_SOURCE=UNREACHABLE),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Odoo 18.0 is missing" in result.stderr
    assert f"cannot download the Odoo 18 source from {UNREACHABLE}" in result.stderr
    assert "Connection refused" in result.stderr
    assert "== Lint" not in result.stdout, "nothing runs without Odoo"
    assert "== Database" not in result.stdout
    assert "== Tests" not in result.stdout
    left = {p.name for p in checkout.iterdir()} & {".venv", ".bootstrap", ".pgdata", ".run"}
    assert not left, f"a failed bootstrap left {left}"
