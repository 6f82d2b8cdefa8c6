"""The demo sync user of 18.0.1.0.0 and 18.0.1.1.0 was created by a function with a key
published in the repository. Give it its demo record's identity (the demo data now declares it)
and revoke that key: an upgraded demo database no longer accepts it. Self-contained SQL, as
migrations are."""

DEMO_LOGIN = "churn_sync_demo"
DEMO_KEY_NAME = "scoring job (demo)"


def migrate(cr, version):
    cr.execute("SELECT id FROM res_users WHERE login = %s", [DEMO_LOGIN])
    row = cr.fetchone()
    if not row:
        return
    cr.execute(
        """
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
        SELECT 'crm_churn_score', 'user_churn_sync_demo', 'res.users', %s, false
         WHERE NOT EXISTS (SELECT 1 FROM ir_model_data
                            WHERE module = 'crm_churn_score' AND name = 'user_churn_sync_demo')
        """,
        [row[0]],
    )
    cr.execute(
        "DELETE FROM res_users_apikeys WHERE user_id = %s AND name = %s", [row[0], DEMO_KEY_NAME]
    )
