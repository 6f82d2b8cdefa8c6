"""The demo sync user of crm_churn_score holds no key anyone could read in the repository: a
database installed with demo data refuses a push with every key-like string of the repository,
and config/churn_demo_key.py (what docker-compose's init step runs) gives it a random key that
works, once, replacing the previous one."""

import os
import re
import stat
from pathlib import Path

import requests
from live_odoo import base_url, live_env, run_odoo

import odoo

REPO = Path(__file__).resolve().parent.parent
SKIP = {".git", ".pgdata", ".run", ".venv", "node_modules", "__pycache__", ".hypothesis"}
URL = "/crm_churn_score/v1/scores"
# Odoo's API keys are 40 hexadecimal characters; any long run of letters and digits could be one.
TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{24,128}(?![A-Za-z0-9])")
BODY = {
    "run_id": "demo-key",
    "model_version": "m",
    "scored_at": "2026-11-20T00:00:00Z",
    "scores": [],
}


def _repository_tokens():
    tokens = set()
    for path in REPO.rglob("*"):
        if SKIP & set(path.relative_to(REPO).parts) or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        tokens.update(TOKEN.findall(text))
    return tokens


def _push(key):
    return requests.post(
        base_url() + URL, json=BODY, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )


def _demo_user_id():
    with live_env() as env:
        user = env.ref("crm_churn_score.user_churn_sync_demo")
        return user.id, env["res.users.apikeys"].search_count([("user_id", "=", user.id)])


def test_no_key_of_the_repository_opens_the_demo_database():
    _user_id, keys = _demo_user_id()
    assert keys == 0, "the demo sync user gets no key at install"
    tokens = _repository_tokens()
    assert tokens, "the scan found the repository"
    accepted = [token for token in sorted(tokens) if _push(token).status_code != 401]
    assert not accepted, accepted


def test_the_demo_key_script_gives_a_random_key_once(tmp_path):
    user_id, _keys = _demo_user_id()
    key_file = tmp_path / "churn-job" / "push-key"
    script = (REPO / "config" / "churn_demo_key.py").read_text()
    db = odoo.tools.config["db_name"]
    os.environ["CHURN_DEMO_KEY_FILE"] = str(key_file)
    try:
        output = run_odoo(db, "shell", "--no-http", stdin=script)
        assert f"written to {key_file}" in output
        first = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "readable by its owner only"
        assert first not in output, "the key itself is not printed when written to a file"
        del os.environ["CHURN_DEMO_KEY_FILE"]
        output = run_odoo(db, "shell", "--no-http", stdin=script)
        second = re.search(r"shown once, keep it now\):\s+([0-9a-f]{40})", output).group(1)
        assert first != second and first not in _repository_tokens()
        assert _push(first).status_code == 401, "the earlier key was revoked"
        answer = _push(second)
        assert answer.status_code == 200, answer.text
        with live_env() as env:
            keys = env["res.users.apikeys"].search([("user_id", "=", user_id)])
            assert keys.mapped("name") == ["scoring job (demo)"]
    finally:
        os.environ.pop("CHURN_DEMO_KEY_FILE", None)
        with live_env() as env:
            env["res.users.apikeys"].search([("user_id", "=", user_id)])._remove()
            env.cr.execute("DELETE FROM crm_churn_sync_run WHERE user_id = %s", [user_id])
