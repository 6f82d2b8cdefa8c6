#!/usr/bin/env bash
# `make lint` and the pre-commit hook: ruff (lint and format), vermin (nothing needs a Python
# newer than 3.10) and pylint-odoo's mandatory checks; the test command runs the same.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
run_lint "$(lint_python)"
