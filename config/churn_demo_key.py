"""Give the demo sync user (crm_churn_score demo data) a new random API key, once.

Run through Odoo's shell on a database installed with demo data:

    python3 -m odoo shell -c <odoo.conf> -d crm_suite --no-http < config/churn_demo_key.py

The key is printed once (like Odoo's "New API Key" dialog: it cannot be read back later), or,
when CHURN_DEMO_KEY_FILE is set, written to that file only (mode 600), which is how
docker-compose's init step hands it to the churn-job service. Each run revokes the keys an
earlier run made. The repository holds no key: every database gets its own.
"""

import os
import sys

NAME = "scoring job (demo)"

user = env.ref("crm_churn_score.user_churn_sync_demo", raise_if_not_found=False)  # noqa: F821
if not user:
    sys.stdout.write("No demo sync user (installed without demo data?): no key made.\n")
else:
    Keys = env["res.users.apikeys"].sudo()  # noqa: F821
    Keys.search([("user_id", "=", user.id), ("name", "=", NAME)])._remove()
    key = Keys.with_user(user).sudo()._generate("rpc", NAME, None)
    env.cr.commit()  # noqa: F821
    path = os.environ.get("CHURN_DEMO_KEY_FILE")
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(key + "\n")
        sys.stdout.write(f"API key of {user.login} written to {path}.\n")
    else:
        sys.stdout.write(
            f"API key of {user.login} (shown once, keep it now):\n\n    {key}\n\n"
            "Push scores with it: Authorization: Bearer <key>.\n"
        )
