"""The addons come out of a database cleanly, together (with crm_suite_base, their technical
base, last) and one by one (with the addons that depend on the one uninstalled): no column,
view, menu, cron, model or record of theirs is left, the CRM app still works (its views load,
opportunities move) and so do the addons that stay."""

import textwrap

import pytest
from live_odoo import drop_database, our_addons, run_odoo, run_sql_on_server

import odoo

ADDONS = [addon for addon in our_addons() if addon != "crm_suite_base"]
# What goes with an addon uninstalled: the addons that depend on it.
DEPENDENTS = {
    "crm_project_stages": ["crm_project_forecast", "crm_vendor_eval_tender"],
    "crm_vendor_eval": ["crm_vendor_eval_tender"],
}
# crm_suite_base leaves only with the addons that depend on it: last, with all of them.
ALL_ADDONS = [*ADDONS, "crm_suite_base"]


UNINSTALL = textwrap.dedent(
    """
    addons = %r
    if "crm_vendor_eval" in addons:
        # An evaluation users made (no external id) on the shipped template, scored.
        evaluation = env["crm.vendor.evaluation"].create({
            "name": "Made by users",
            "template_id": env.ref("crm_vendor_eval.template_crm_system").id,
            "vendor_ids": [(6, 0, env.ref("base.res_partner_2").ids)],
            "member_ids": [(6, 0, env.ref("base.user_admin").ids)],
        })
        evaluation.action_start()
        evaluation.score_ids[:3].write({"score": "4"})
        env.cr.commit()
    modules = env["ir.module.module"].search([("name", "in", addons)])
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
    columns = {
        "crm_project_stages": ["phase_id", "phase_sequence", "phase_date_in", "phase_reached_id",
                               "outcome", "date_stalled", "is_cancellation"],
        "crm_project_forecast": ["forecast_category", "forecast_revenue", "date_won",
                                 "forecast_date", "phase_probability", "crm_selling_cost"],
        "crm_churn_score": ["churn_score", "churn_risk"],
        "crm_vendor_eval": [],
        "crm_vendor_eval_tender": [],
        "crm_suite_base": [],
    }
    gone = [column for addon in addons for column in columns[addon]]
    cr.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_name IN "
        "('crm_lead', 'crm_stage', 'res_partner', 'mail_activity_type', 'crm_lost_reason') "
        "AND column_name = ANY(%%s)",
        [gone],
    )
    assert not cr.fetchall(), "columns of the addons are left"
    indexes = {
        "crm_project_stages": [
            "crm_lead_won_user_idx", "crm_lead_won_team_idx", "crm_lead_duplicate_email_idx"
        ],
        "crm_project_forecast": ["crm_lead_undated_forecast_idx"],
    }
    gone = [index for addon in addons for index in indexes.get(addon, [])]
    cr.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%%s)", [gone])
    assert not cr.fetchall(), "indexes of the addons on crm's tables are left"
    cr.execute("SELECT to_regclass('crm_lead_phase_history_stale')")
    assert (cr.fetchone()[0] is None) == ("crm_project_stages" in addons), "the waiting facts"
    crons = env["ir.cron"].with_context(active_test=False)
    names = {
        "crm_project_stages": ["phase history facts"],
        "crm_churn_score": ["churn"],
        "crm_project_forecast": ["phase win rates", "forecast snapshot"],
        "crm_vendor_eval": ["vendor evaluation"],
    }
    for addon in addons:
        for name in names.get(addon, []):
            assert not crons.search([("cron_name", "ilike", name)]), "a cron is left"
    staying = {
        "crm_project_stages": "crm.project.phase",
        "crm_project_forecast": "crm.sales.target",
        "crm_churn_score": "crm.churn.score",
        "crm_vendor_eval": "crm.vendor.evaluation",
    }
    for addon, model in staying.items():
        if addon not in addons:
            env[model].get_views([(False, "list"), (False, "form")])
    mixin = env["ir.model"].search([("model", "=", "crm.suite.server.fields.mixin")])
    assert bool(mixin) == ("crm_suite_base" not in addons), "the base's mixin"
    assert env["ir.model"]._get("res.partner") and env["ir.model"]._get("crm.lead")
    Lead = env["crm.lead"]
    assert ("phase_id" in Lead._fields) == ("crm_project_stages" not in addons)
    assert ("forecast_date" in Lead._fields) == ("crm_project_forecast" not in addons)
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


@pytest.fixture(scope="module")
def installed_db():
    """A database with the addons and demo data, the template of each case."""
    db = odoo.tools.config["db_name"] + "_uninstall"
    run_odoo(db, "-i", ",".join(ADDONS), "--stop-after-init")
    odoo.sql_db.close_db(db)
    yield db
    drop_database(db)


@pytest.mark.parametrize("addons", [ALL_ADDONS, *([addon] for addon in ADDONS)], ids="+".join)
def test_addons_uninstall_cleanly_and_crm_still_works(installed_db, addons):
    db = f"{installed_db}_{len(addons)}_{addons[0]}"
    run_sql_on_server(f'CREATE DATABASE "{db}" TEMPLATE "{installed_db}"')
    gone = sorted({*addons, *(dependent for a in addons for dependent in DEPENDENTS.get(a, []))})
    try:
        output = run_odoo(db, "shell", "--no-http", stdin=UNINSTALL % gone)
        assert "UNINSTALLED" in output
        errors = [line for line in output.splitlines() if " ERROR " in line]
        assert not errors, "the uninstall logged errors:\n" + "\n".join(errors[:20])
        assert "CRM WORKS" in run_odoo(db, "shell", "--no-http", stdin=CHECK % gone)
    finally:
        drop_database(db)
