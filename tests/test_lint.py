"""`make lint` (the lint of the test command and of the pre-commit hook too) fails on code that
needs a Python newer than 3.10, the oldest Odoo 18 supports, and names the file and what in it."""

import subprocess
import sys

from checkout import command_env, copy_checkout

PROBE = '''"""Needs Python 3.11."""

from datetime import UTC

import tomllib  # not in Python 3.10's standard library: a third-party import to ruff

print(UTC, tomllib)
'''


def test_make_lint_fails_on_python_311_code(tmp_path):
    checkout = copy_checkout(tmp_path / "checkout")
    probe = checkout / "scoring_job" / "churn_job" / "needs_311.py"
    probe.write_text(PROBE)
    result = subprocess.run(
        ["make", "lint"],
        cwd=checkout,
        env=command_env(PYTHON=sys.executable),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "All checks passed!" in result.stdout, "ruff has nothing against it: vermin catches it"
    report = result.stdout.split(str(probe), 1)[-1].split("\n\n", 1)[0]
    assert str(probe) in result.stdout, result.stdout[-2000:]
    assert "'datetime.UTC' member requires !2, 3.11" in report
    assert "'tomllib' module requires !2, 3.11" in report
    assert "need a Python newer than 3.10" in result.stderr
    assert "== Lint: pylint-odoo" not in result.stdout, "the lint stops there"
