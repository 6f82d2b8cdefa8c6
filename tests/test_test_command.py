"""The README's test command itself: it must stop at once, naming Odoo 18, when Odoo is missing,
rather than skip the Odoo suite and report success."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_test_command_fails_fast_without_odoo(tmp_path):
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
        ["bash", str(REPO / "scripts" / "test.sh")],
        env={**os.environ, "PYTHON": str(fake)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "Odoo 18.0 is missing" in result.stderr
    assert "== Tests" not in result.stdout, "nothing runs without Odoo"
    assert "== Database" not in result.stdout
