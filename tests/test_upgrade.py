"""Upgrading from the previous release keeps every record's data: a database is installed with
the addons as released (18.0.1.0.0: ``fixtures/addons-18.0.1.0.0.tar.gz``, made with
``git archive --prefix=previous/ e676dd4 addons``, so that a shallow clone has it too), filled
through the ORM with phase histories, churn scores and a vendor evaluation, then upgraded to the
current code with ``-u``. Nothing is lost, and the migration gives the existing opportunities their
forecast fields (furthest phase, forecast category, won date, probabilities)."""

import ast
import json
import re
import tarfile
import textwrap
from pathlib import Path

from live_odoo import drop_database, run_odoo

import odoo

REPO = Path(__file__).resolve().parent.parent
ADDONS = ["crm_project_stages", "crm_churn_score", "crm_vendor_eval"]
# The last release of the three addons before the forecast (all 18.0.1.0.0), commit e676dd4.
PREVIOUS_RELEASE = Path(__file__).resolve().parent / "fixtures" / "addons-18.0.1.0.0.tar.gz"

FILL = textwrap.dedent(
    """
    import json
    from datetime import datetime, timedelta
    Lead = env["crm.lead"].with_context(crm_phase_skip_gate=True)
    stages = {
        phase: env["crm.stage"].search([("project_phase", "=", phase)], limit=1)
        for phase in ("contact", "design", "proof", "tender")
    }
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    customer = env["res.partner"].create({"name": "Upgrade customer", "is_company": True})
    leads = Lead.create([
        {"name": "Upgrade deal %d" % i, "type": "opportunity", "partner_id": customer.id,
         "stage_id": stages["contact"].id, "expected_revenue": 1000 * (i + 1),
         "date_deadline": "2030-05-01"}
        for i in range(6)
    ])
    for i, lead in enumerate(leads):
        for phase in ("design", "proof", "tender")[: i % 4]:
            lead.stage_id = stages[phase]
    leads[4].stage_id = won_stage
    leads[5].action_set_lost()
    env["crm.churn.score"].create(
        {"partner_id": customer.id, "score": 81.5, "risk": "high", "model_version": "rfm-1.0",
         "run_id": "upgrade", "scored_at": datetime(2026, 11, 1, 2, 0)}
    )
    vendor = env["res.partner"].create({"name": "Upgrade vendor", "is_company": True})
    evaluation = env["crm.vendor.evaluation"].create(
        {"name": "Upgrade evaluation",
         "template_id": env.ref("crm_vendor_eval.template_crm_system").id,
         "vendor_ids": [(6, 0, vendor.ids)],
         "member_ids": [(6, 0, env.ref("base.user_admin").ids)]}
    )
    evaluation.action_start()
    scores = evaluation.assignment_ids.score_ids[:3]
    for score, value in zip(scores, ("3", "4", "5")):
        score.write({"score": value, "comment": "kept " + value})
    env.cr.commit()
    print("FILLED=" + json.dumps({"leads": leads.ids}))
    """
)

SNAPSHOT = textwrap.dedent(
    """
    import json
    cr = env.cr
    def rows(query):
        cr.execute(query)
        return [[str(value) for value in row] for row in cr.fetchall()]
    print("SNAPSHOT=" + json.dumps({
        "history": rows("SELECT lead_id, phase, date_in, date_out FROM crm_lead_phase_history "
                        "ORDER BY id"),
        "leads": rows("SELECT id, name, stage_id, project_phase, expected_revenue, active "
                      "FROM crm_lead ORDER BY id"),
        "checklist": rows("SELECT lead_id, item_id, done FROM crm_lead_checklist_line ORDER BY id"),
        "scores": rows("SELECT partner_id, score, risk, scored_at, run_id FROM crm_churn_score "
                       "ORDER BY id"),
        "partners": rows("SELECT id, churn_score, churn_risk FROM res_partner "
                         "WHERE churn_score IS NOT NULL ORDER BY id"),
        "evaluations": rows("SELECT id, name, state FROM crm_vendor_evaluation ORDER BY id"),
        "eval_scores": rows("SELECT assignment_id, criterion_id, vendor_id, score, comment "
                            "FROM crm_vendor_eval_score ORDER BY id"),
    }, sort_keys=True))
    """
)

CHECK = textwrap.dedent(
    """
    leads = env["crm.lead"].with_context(active_test=False).browse(%(leads)s)
    reached = leads.mapped("phase_reached")
    assert reached == ["contact", "design", "proof", "tender", "contact", "design"], reached
    categories = leads.mapped("forecast_category")
    expected = ["pipeline", "pipeline", "best_case", "commit", "won", "omitted"]
    assert categories == expected, categories
    assert leads[4].date_won, "the won deal has its won date"
    assert leads[3].phase_probability == 65.0 and leads[3].forecast_revenue == 4000 * 0.65
    opportunities = env["crm.lead"].with_context(active_test=False).search(
        [("type", "=", "opportunity")]
    )
    assert all(opportunities.mapped("forecast_category")), "an opportunity has no forecast"
    assert env["crm.phase.win.rate"].search_count([]) > 0
    assert env.ref("crm_project_stages.ir_cron_forecast_snapshot").active
    assert env.ref("crm_project_stages.lost_reason_project_cancelled").is_cancellation
    modules = env["ir.module.module"].search([("name", "in", %(addons)r)])
    versions = {module.name: module.latest_version for module in modules}
    assert versions == %(versions)r, versions
    manager_score_rule = env.ref("crm_vendor_eval.crm_vendor_eval_score_rule_manager")
    assert manager_score_rule.perm_read and not (
        manager_score_rule.perm_write or manager_score_rule.perm_create
        or manager_score_rule.perm_unlink
    ), "the noupdate manager rule is narrowed by the migration"
    demo_sync = env.ref("crm_churn_score.user_churn_sync_demo")
    assert demo_sync.login == "churn_sync_demo", "the old demo sync user is the demo record"
    assert not env["res.users.apikeys"].search([("user_id", "=", demo_sync.id)]), "key revoked"
    runs = env["crm.churn.sync.run"].search([])
    assert all(run.company_id == run.user_id.company_id for run in runs)
    criteria = env.ref("crm_vendor_eval.template_crm_system").category_ids.criterion_ids
    assert criteria and not any(criteria.mapped("company_id")), "shared template: no company"
    data = env["crm.forecast.dashboard"].get_dashboard_data(
        {"period_type": "quarter", "date": "2030-05-01"}
    )
    assert data["totals"]["commit"] >= 4000, data["totals"]
    print("UPGRADE OK")
    """
)


def _versions():
    """The version of each addon of the checkout, as its manifest says."""
    return {
        addon: ast.literal_eval((REPO / "addons" / addon / "__manifest__.py").read_text())[
            "version"
        ]
        for addon in ADDONS
    }


def _previous_addons(tmp_path):
    """The addons as released."""
    with tarfile.open(PREVIOUS_RELEASE) as tar:
        tar.extractall(tmp_path, filter="data")
    return tmp_path / "previous" / "addons"


def _addons_path(ours):
    odoo_paths = [
        path
        for path in odoo.tools.config["addons_path"].split(",")
        if Path(path).resolve() != (REPO / "addons").resolve()
    ]
    return ",".join([*odoo_paths, str(ours)])


def _json(output, key):
    return json.loads(re.search(rf"^{key}=(.*)$", output, re.M).group(1))


def _our_warnings(output):
    return [
        line
        for line in output.splitlines()
        if re.search(r" (WARNING|ERROR|CRITICAL) ", line) and any(addon in line for addon in ADDONS)
    ]


def test_upgrade_from_the_previous_release_keeps_every_record(tmp_path):
    previous = _previous_addons(tmp_path)
    old_path = _addons_path(previous)
    db = odoo.tools.config["db_name"] + "_upgrade"
    try:
        run_odoo(db, "--addons-path", old_path, "-i", ",".join(ADDONS), "--stop-after-init")
        filled = _json(
            run_odoo(db, "shell", "--no-http", "--addons-path", old_path, stdin=FILL), "FILLED"
        )
        before = _json(
            run_odoo(db, "shell", "--no-http", "--addons-path", old_path, stdin=SNAPSHOT),
            "SNAPSHOT",
        )
        log = run_odoo(db, "-u", ",".join(ADDONS), "--stop-after-init")
        assert not _our_warnings(log), _our_warnings(log)
        after = _json(run_odoo(db, "shell", "--no-http", stdin=SNAPSHOT), "SNAPSHOT")
        for key, rows in before.items():
            # Rows come in id order: the upgrade may add rows (new demo records), never change
            # or remove one.
            assert rows == after[key][: len(rows)], f"{key} changed by the upgrade"
        assert len(before["history"]) > 10 and before["scores"] and before["eval_scores"]
        check = CHECK % {"leads": filled["leads"], "addons": ADDONS, "versions": _versions()}
        output = run_odoo(db, "shell", "--no-http", stdin=check)
        assert "UPGRADE OK" in output
    finally:
        drop_database(db)
