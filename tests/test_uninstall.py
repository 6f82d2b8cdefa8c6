"""The three addons come out of a database cleanly: no column, view, menu, cron or record of
theirs is left, and the CRM app still works (its views load, opportunities move)."""

import os
import subprocess
import sys
import textwrap

import odoo

ADDONS = ["crm_project_stages", "crm_churn_score", "crm_vendor_eval"]


def _odoo(conf, db, *args, stdin=None):
    result = subprocess.run(
        [sys.executable, "-m", "odoo", *args, "-c", conf, "-d", db, "--log-level=warn"],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "TZ": "UTC"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


UNINSTALL = textwrap.dedent(
    """
    modules = env["ir.module.module"].search([("name", "in", %r)])
    assert set(modules.mapped("state")) == {"installed"}, modules.mapped("state")
    modules.button_immediate_uninstall()
    print("UNINSTALLED")
    """
)

CHECK = textwrap.dedent(
    """
    addons = %r
    cr = env.cr
    states = env["ir.module.module"].search([("name", "in", addons)]).mapped("state")
    assert set(states) == {"uninstalled"}, states
    cr.execute("SELECT module, model, name FROM ir_model_data WHERE module = ANY(%%s)", [addons])
    left = cr.fetchall()
    assert not left, "records of the addons are left: %%s" %% left
    cr.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name IN "
        "('crm_lead', 'crm_stage', 'res_partner') AND column_name IN ("
        "'project_phase', 'phase_date_in', 'churn_score', 'churn_risk', 'churn_drivers')"
    )
    assert not cr.fetchall(), "columns of the addons are left"
    crons = env["ir.cron"].with_context(active_test=False)
    assert not crons.search([("cron_name", "ilike", "churn")]), "a cron is left"
    Lead = env["crm.lead"]
    assert "project_phase" not in Lead._fields
    for view_type in ("kanban", "form", "list", "search"):
        Lead.get_views([(False, view_type)])
    env["res.partner"].get_views([(False, "form"), (False, "kanban"), (False, "list")])
    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence", limit=2)
    lead = Lead.create({"name": "After uninstall", "type": "opportunity", "stage_id": stages[0].id})
    lead.write({"stage_id": stages[1].id})
    lead.action_set_won()
    assert lead.stage_id.is_won
    print("CRM WORKS")
    """
)


def test_addons_uninstall_cleanly_and_crm_still_works():
    conf = odoo.tools.config.rcfile
    db = odoo.tools.config["db_name"] + "_uninstall"
    _odoo(conf, db, "-i", ",".join(ADDONS), "--stop-after-init")
    try:
        assert "UNINSTALLED" in _odoo(conf, db, "shell", "--no-http", stdin=UNINSTALL % ADDONS)
        assert "CRM WORKS" in _odoo(conf, db, "shell", "--no-http", stdin=CHECK % ADDONS)
    finally:
        odoo.sql_db.close_db(db)
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(f'DROP DATABASE IF EXISTS "{db}"')
