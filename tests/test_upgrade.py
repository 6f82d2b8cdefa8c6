"""Upgrading from an earlier release is one ``-u`` and keeps every record and every figure.

A database is installed with the addons as released (``fixtures/addons-<version>.tar.gz``, made
with ``git archive --prefix=previous/ <commit> addons | gzip -9``, so that a shallow clone has
them too), filled through the released code's own ORM, then upgraded to the current code with
one ``-u crm_project_stages,crm_churn_score,crm_vendor_eval``:

* 18.0.1.0.0 (commit e676dd4): phases, checklists and history only;
* 18.0.1.1.0 (commit c27fdf3, today's release): phases and the forecast in one addon.

Before and after, the rows that hold the users' work are read with SQL (phase history,
checklists, targets, snapshots, costs, win rates, scores, evaluations: nothing changed or lost)
and, from 18.0.1.1.0, the figures the users see are read through each release's own API: the
dashboard's totals, rows by team and salesperson, funnel, lost deals, deals at risk, movement
and cost of selling, and every cell of the workbook. They are equal after the upgrade."""

import ast
import json
import math
import re
import tarfile
import textwrap
from pathlib import Path

import pytest
from live_odoo import drop_database, our_addons, run_odoo

import odoo

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UPGRADED = ["crm_project_stages", "crm_churn_score", "crm_vendor_eval"]
# Every addon of the checkout is installed after the upgrade: new ones come with it (a module
# the upgraded ones now depend on, or a bridge installed automatically).
CURRENT = our_addons()

FILL = textwrap.dedent(
    """
    import json
    from datetime import datetime, timedelta
    Lead = env["crm.lead"].with_context(crm_phase_skip_gate=True, mail_create_nolog=True)
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

# A forecast a manager of 18.0.1.1.0 has built: two teams with targets, deals in every phase and
# category (one the rep put in Commit), won deals in two time zones, a lost and a cancelled
# deal, expenses and a costed activity, win rates learnt from recent deals, a stalled deal, an
# open problem, and a snapshot taken a week ago with a week of selling since.
FILL_FORECAST = textwrap.dedent(
    """
    from datetime import datetime, timedelta
    from odoo import fields
    now = fields.Datetime.now()
    ICP = env["ir.config_parameter"].sudo()
    ICP.set_param("crm_project_stages.win_rate_min_deals", 3)
    ICP.set_param("crm_project_stages.stall_days_contact", 10)
    Lead = env["crm.lead"].with_context(crm_phase_skip_gate=True, mail_create_nolog=True)
    salesman = env.ref("sales_team.group_sale_salesman")
    Users = env["res.users"].with_context(no_reset_password=True)
    def rep(login, name, tz):
        return Users.create({"name": name, "login": login, "tz": tz,
                             "groups_id": [(6, 0, salesman.ids)]})
    rita = rep("upgrade_rita", "Upgrade Rita", "UTC")
    sho = rep("upgrade_sho", "Upgrade Sho", "Asia/Shanghai")
    wendy = rep("upgrade_wendy", "Upgrade Wendy", "Europe/Paris")
    Team = env["crm.team"]
    east = Team.create({"name": "Upgrade East", "member_ids": [(6, 0, (rita | sho).ids)]})
    west = Team.create({"name": "Upgrade West", "member_ids": [(6, 0, wendy.ids)]})
    stages = {
        phase: env["crm.stage"].search([("project_phase", "=", phase)], limit=1)
        for phase in ("contact", "design", "proof", "tender")
    }
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    customer = env["res.partner"].create({"name": "Upgrade harbour", "is_company": True})
    reason = env["crm.lost.reason"].create({"name": "Upgrade: competitor cheaper"})
    cancelled = env.ref("crm_project_stages.lost_reason_project_cancelled")
    order = ["contact", "design", "proof", "tender"]

    def deal(name, user, team, phase, revenue, deadline):
        lead = Lead.create({
            "name": name, "type": "opportunity", "partner_id": customer.id,
            "user_id": user.id if user else False, "team_id": team.id,
            "stage_id": stages["contact"].id, "expected_revenue": revenue,
            "date_deadline": deadline,
        })
        for step in order[1: order.index(phase) + 1]:
            lead.stage_id = stages[step]
        return lead

    def win(lead, when):
        lead.stage_id = won_stage
        lead.date_closed = when

    def lose(lead, why, when):
        lead.action_set_lost(lost_reason_id=why.id)
        lead.date_closed = when

    tender = deal("Upgrade tender", rita, east, "tender", 100000, "2030-05-15")
    proof = deal("Upgrade proof", rita, east, "proof", 50000, "2030-06-30")
    contact = deal("Upgrade contact", sho, east, "contact", 20000, "2030-04-01")
    july = deal("Upgrade july", sho, east, "design", 30000, "2030-07-01")
    won = deal("Upgrade won", rita, east, "tender", 80000, "2030-06-15")
    win(won, datetime(2030, 6, 30, 21, 30))
    won_q3 = deal("Upgrade won in Shanghai", sho, east, "tender", 70000, "2030-06-30")
    win(won_q3, datetime(2030, 6, 30, 23, 30))
    unassigned = deal("Upgrade won unassigned", None, west, "tender", 9000, "2030-05-10")
    win(unassigned, datetime(2030, 5, 12, 12, 0))
    lost = deal("Upgrade lost", wendy, west, "design", 40000, "2030-05-20")
    lose(lost, reason, datetime(2030, 5, 20, 10, 0))
    cancel = deal("Upgrade cancelled", wendy, west, "contact", 60000, "2030-05-21")
    lose(cancel, cancelled, datetime(2030, 5, 21, 10, 0))
    deal("Upgrade undated", wendy, west, "contact", 15000, False)
    manual = deal("Upgrade manual commit", rita, east, "design", 10000, "2030-05-01")
    manual.write({"forecast_category_manual": "commit", "probability": 70})
    # Closed lately: the win rates of East learn from them.
    for i in range(3):
        win(deal("Upgrade history won %d" % i, rita, east, "tender", 1000, "2026-01-01"),
            now - timedelta(days=20 + i))
    lose(deal("Upgrade history lost", rita, east, "proof", 1000, "2026-01-01"), reason,
         now - timedelta(days=25))
    lose(deal("Upgrade history early", sho, east, "contact", 1000, "2026-01-01"), reason,
         now - timedelta(days=26))
    env["crm.phase.win.rate"]._recompute_win_rates()

    Target = env["crm.sales.target"]
    def target(level, who, period, start, amount, budget=0.0):
        return {"target_level": level, "user_id": who.id if level == "user" else False,
                "team_id": who.id if level == "team" else False, "period_type": period,
                "date_start": start, "amount": amount, "cost_budget": budget}
    Target.create([
        target("team", east, "quarter", "2030-04-01", 150000, 6000),
        *(target("team", west, "month", month, 10000)
          for month in ("2030-04-01", "2030-05-01", "2030-06-01")),
        target("user", rita, "quarter", "2030-04-01", 120000),
        target("user", sho, "year", "2030-01-01", 200000),
    ])
    def cost(lead, name, kind, day, amount):
        return {"lead_id": lead.id, "name": name, "cost_type": kind, "date": day,
                "amount": amount}
    env["crm.lead.cost"].create([
        cost(tender, "Site visit", "travel", "2030-04-10", 1000),
        cost(proof, "POC servers", "demo", "2030-05-01", 2500),
        cost(proof, "Next quarter", "other", "2030-07-02", 999),
    ])
    workshop = env["mail.activity.type"].create(
        {"name": "Upgrade workshop", "crm_selling_cost": 150})
    activity = tender.activity_schedule(activity_type_id=workshop.id, user_id=rita.id)
    activity.action_feedback(feedback="Done")
    env["crm.lead.problem"].create({"lead_id": proof.id, "name": "IT says no"})
    env.flush_all()
    env.cr.execute("UPDATE mail_message SET date = '2030-05-12 10:00' WHERE model = 'crm.lead' "
                   "AND res_id = %s AND mail_activity_type_id IS NOT NULL", [tender.id])
    env.cr.execute("UPDATE crm_lead SET phase_date_in = %s WHERE id = %s",
                   [now - timedelta(days=20), contact.id])
    snapshot = env["crm.forecast.snapshot"]._take_snapshots(env.company)
    env.cr.execute("UPDATE crm_forecast_snapshot SET date = date - interval '7 days' "
                   "WHERE id IN %s", [tuple(snapshot.ids)])
    env.invalidate_all()
    # The week since the snapshot.
    deal("Upgrade new", sho, east, "contact", 5000, "2030-06-01")
    proof.date_deadline = "2030-07-15"
    july.date_deadline = "2030-06-10"
    manual.expected_revenue = 16000
    env.cr.commit()
    print("FILLED_FORECAST")
    """
)

# The rows that hold the users' work, read with SQL on either schema: phases are named by their
# key (a selection value before 18.0.2.0.0, the code of the phase record after).
ROWS = textwrap.dedent(
    """
    import json
    cr = env.cr
    def columns(table):
        cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                   [table])
        return {name for (name,) in cr.fetchall()}
    def phase(table, old, new, alias):
        if new in columns(table):
            return "(SELECT code FROM crm_project_phase p WHERE p.id = %s.%s)" % (alias, new)
        return "%s.%s" % (alias, old)
    def text(table, column):  # a column that may have become translatable: in English
        cr.execute("SELECT data_type FROM information_schema.columns "
                   "WHERE table_name = %s AND column_name = %s", [table, column])
        jsonb = cr.fetchone()[0] == "jsonb"
        return "%s->>'en_US'" % column if jsonb else column
    def rows(query):
        cr.execute(query)
        return [[str(value) for value in row] for row in cr.fetchall()]
    out = {
        "stages": rows("SELECT s.id, s.name->>'en_US', s.sequence, s.team_id, s.is_won, "
                       + phase("crm_stage", "project_phase", "phase_id", "s")
                       + " FROM crm_stage s ORDER BY s.id"),
        "history": rows("SELECT h.lead_id, " + phase("crm_lead_phase_history", "phase",
                        "phase_id", "h") + ", h.date_in, h.date_out "
                        "FROM crm_lead_phase_history h ORDER BY h.id"),
        "leads": rows("SELECT l.id, l.name, l.stage_id, "
                      + phase("crm_lead", "project_phase", "phase_id", "l")
                      + ", l.phase_date_in, l.expected_revenue, l.active, l.user_id, l.team_id "
                      "FROM crm_lead l ORDER BY l.id"),
        "checklist": rows("SELECT lead_id, item_id, done, done_by_id, done_date "
                          "FROM crm_lead_checklist_line ORDER BY id"),
        "items": rows("SELECT i.id, i.name->>'en_US', i.mandatory, i.active, "
                      + phase("crm_phase_checklist_item", "phase", "phase_id", "i")
                      + " FROM crm_phase_checklist_item i ORDER BY i.id"),
        "problems": rows("SELECT b.lead_id, b.name, b.state, "
                         + phase("crm_lead_problem", "phase", "phase_id", "b")
                         + " FROM crm_lead_problem b ORDER BY b.id"),
        "scores": rows("SELECT partner_id, score, risk, scored_at, run_id FROM crm_churn_score "
                       "ORDER BY id"),
        "partners": rows("SELECT id, churn_score, churn_risk FROM res_partner "
                         "WHERE churn_score IS NOT NULL ORDER BY id"),
        "evaluations": rows("SELECT id, name, state FROM crm_vendor_evaluation ORDER BY id"),
        "eval_scores": rows("SELECT assignment_id, criterion_id, vendor_id, score, comment "
                            "FROM crm_vendor_eval_score ORDER BY id"),
    }
    cr.execute("SELECT 1 FROM pg_tables WHERE tablename = 'crm_sales_target'")
    if cr.fetchall():
        reached = phase("crm_lead", "phase_reached", "phase_reached_id", "l")
        out.update({
            "forecast": rows("SELECT l.id, " + reached + ", l.forecast_category, "
                             "l.forecast_category_manual, l.phase_probability, "
                             "l.forecast_probability, l.forecast_revenue, l.date_won "
                             "FROM crm_lead l WHERE l.type = 'opportunity' ORDER BY l.id"),
            "targets": rows("SELECT id, name, target_level, user_id, team_id, period_type, "
                            "date_start, date_end, amount, cost_budget, from_members, company_id "
                            "FROM crm_sales_target ORDER BY id"),
            "snapshots": rows("SELECT id, " + text("crm_forecast_snapshot", "name")
                              + ", date, company_id FROM crm_forecast_snapshot ORDER BY id"),
            "snapshot_lines": rows(
                "SELECT x.snapshot_id, x.lead_id, x.name, x.user_id, x.team_id, "
                + phase("crm_forecast_snapshot_line", "project_phase", "phase_id", "x")
                + ", x.forecast_category, x.date_deadline, x.date_won, x.expected_revenue, "
                "x.forecast_probability, x.forecast_revenue FROM crm_forecast_snapshot_line x "
                "ORDER BY x.id"),
            "costs": rows("SELECT id, lead_id, name, cost_type, date, amount, user_id "
                          "FROM crm_lead_cost ORDER BY id"),
            "activity_costs": rows("SELECT id, crm_selling_cost FROM mail_activity_type "
                                   "WHERE COALESCE(crm_selling_cost, 0) <> 0 ORDER BY id"),
            "win_rates": rows("SELECT w.id, w.company_id, w.team_id, "
                              + phase("crm_phase_win_rate", "phase", "phase_id", "w")
                              + ", w.closed_count, w.won_count, w.lost_count, w.own_rate, "
                              "w.win_rate, w.source FROM crm_phase_win_rate w ORDER BY w.id"),
            "lost_reasons": rows("SELECT id, is_cancellation FROM crm_lost_reason ORDER BY id"),
        })
    print("ROWS=" + json.dumps(out, sort_keys=True))
    """
)

# The figures the users see, through the release's own API: the dashboard as the manager and as
# a rep, and the workbook, for the quarter of the data, the next one, and a span that holds
# today (the funnel of the phases entered while the data was made).
FIGURES = textwrap.dedent(
    """
    import io, json, os
    from datetime import date, datetime
    import openpyxl
    admin = env.ref("base.user_admin")
    rita = env["res.users"].search([("login", "=", "upgrade_rita")])
    east = env["crm.team"].search([("name", "=", "Upgrade East")])
    PARAMS = {
        "q2": {"period_type": "quarter", "date": "2030-04-01"},
        "q2_east": {"period_type": "quarter", "date": "2030-04-01", "team_id": east.id},
        "q3": {"period_type": "quarter", "date": "2030-07-01"},
        "span": {"period_type": "custom", "date": "2026-01-01", "date_to": "2030-12-31"},
    }
    def dashboard(user):
        return env["crm.forecast.dashboard"].with_user(user).with_context(
            tz="UTC", lang="en_US", allowed_company_ids=env.company.ids)
    def keyed(rows, key):
        return {str(row[key]): {k: v for k, v in row.items() if k not in (
            "team_id", "user_id", "phase", "phase_id", "id")} for row in rows}
    def figures(data, salesperson=False):
        movement = data["movement"]
        by_team = keyed(data["by_team"], "name")
        if salesperson:  # #15: their view's team rows have no target (the release showed 0)
            by_team = {name: {k: v for k, v in row.items() if k not in ("target", "gap")}
                       for name, row in by_team.items()}
        return {
            "totals": data["totals"],
            "by_team": by_team,
            "by_user": keyed(data["by_user"], "name"),
            "funnel": keyed(data["funnel"], "label"),
            "lost_by_phase": keyed(data["lost_by_phase"], "label"),
            "risk": {"count": data["risk"]["count"],
                     "lines": keyed(data["risk"]["lines"], "name")},
            "movement": {"summary": keyed(movement["summary"], "type"),
                         "count": movement["count"],
                         "lines": sorted((line["name"], line["type"], line["value"],
                                          line["weighted"]) for line in movement["lines"]),
                         "net": [movement.get("net_value"), movement.get("net_weighted")]},
            "selling_cost": {"rows": keyed(data["selling_cost"]["rows"], "name"),
                             "total": data["selling_cost"]["total"]},
        }
    def cell(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()[:10]
        return None if value == "" else value  # an empty text is no value
    def workbook(user, params):
        model = dashboard(user)
        if hasattr(type(model), "export_xlsx"):  # 18.0.1.1.0: a path the caller removes
            _name, path = model.export_xlsx(params)
            with open(path, "rb") as handle:
                content = handle.read()
            os.unlink(path)
        else:
            _name, handle, _size = model._export_xlsx(params)
            with handle:
                content = handle.read()
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        def values(row):  # the cells written (a sheet may pad its rows with empty ones)
            row = [cell(v) for v in row]
            while row and row[-1] is None:
                row.pop()
            return row
        def held(title, rows):
            # #15: the Forecast sheet's captions stand above their tables, a note may follow
            # a table, each table's Total adds up its own rows: its lines' figures (won to
            # forecast) are compared here, targets and gaps through the dashboard's data.
            if title != "Forecast":
                return rows
            return [row[:1] + row[2:8] for row in rows if len(row) > 2 and row[0] != "Total"]
        return {sheet.title: held(sheet.title,
                                  [values(row) for row in sheet.iter_rows(values_only=True)])
                for sheet in book.worksheets}
    out = {
        "manager": {key: figures(dashboard(admin).get_dashboard_data(p))
                    for key, p in PARAMS.items()},
        "rep": {key: figures(dashboard(rita).get_dashboard_data(p), salesperson=True)
                for key, p in PARAMS.items()},
        "workbook": {key: workbook(admin, PARAMS[key]) for key in ("q2", "span")},
        "rep_workbook": workbook(rita, PARAMS["q2"]),
    }
    print("FIGURES=" + json.dumps(out, sort_keys=True, default=str))
    """
)

CHECK = textwrap.dedent(
    """
    leads = env["crm.lead"].with_context(active_test=False).browse(%(leads)s)
    reached = [lead.phase_reached_id.code for lead in leads]
    assert reached == ["contact", "design", "proof", "tender", "contact", "design"], reached
    outcomes = leads.mapped("outcome")
    assert outcomes == ["open", "open", "open", "open", "won", "lost"], outcomes
    categories = leads.mapped("forecast_category")
    expected = ["pipeline", "pipeline", "best_case", "commit", "won", "omitted"]
    assert categories == expected, categories
    assert leads[4].date_won and leads[4].forecast_date == leads[4].date_won
    assert leads[0].forecast_date == leads[0].date_deadline
    if %(default_rates)s:  # no deal closed lately: the default rate of the Tender phase
        assert leads[3].phase_probability == 65.0 and leads[3].forecast_revenue == 4000 * 0.65
    opportunities = env["crm.lead"].with_context(active_test=False).search(
        [("type", "=", "opportunity")]
    )
    for field in ("phase_id", "outcome", "date_stalled", "forecast_category"):
        assert all(opportunities.mapped(field)), "an opportunity has no " + field
    history = env["crm.lead.phase.history"].search([("lead_id", "in", opportunities.ids)])
    firsts = history.filtered("is_first_entry")
    assert len(firsts) == len({(row.lead_id, row.phase_id) for row in history})
    assert env["crm.phase.win.rate"].search_count([]) > 0
    for xmlid in ("ir_cron_forecast_snapshot", "ir_cron_recompute_win_rates"):
        cron = env.ref("crm_project_forecast." + xmlid)
        data = env["ir.model.data"].search([("model", "=", "ir.cron"), ("res_id", "=", cron.id)])
        assert cron.active and data.noupdate, xmlid + ": kept, noupdate"
    rule = env.ref("crm_project_forecast.crm_sales_target_rule_personal")
    assert "crm_team_ids" in rule.domain_force, "own teams' targets only"
    assert env.ref("crm_project_stages.lost_reason_project_cancelled").is_cancellation
    assert env.ref("crm_project_stages.phase_tender").default_win_rate == 65.0
    modules = env["ir.module.module"].search([("state", "=", "installed"),
                                              ("name", "in", %(current)r)])
    versions = {module.name: module.latest_version for module in modules}
    assert versions == %(versions)r, versions
    cr = env.cr
    cr.execute("SELECT module, name FROM ir_model_data WHERE module = 'crm_project_stages' "
               "AND (name LIKE 'model_crm_sales%%' OR name LIKE 'field_crm_lead__forecast%%')")
    assert not cr.fetchall(), "the forecast's records belong to its addon"
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'crm_lead' "
               "AND column_name IN ('project_phase', 'phase_reached')")
    assert not cr.fetchall(), "the columns of the selection phases are gone"
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

RELEASES = {
    # version: (fixture, does it hold the forecast?)
    "18.0.1.0.0": (FIXTURES / "addons-18.0.1.0.0.tar.gz", False),
    "18.0.1.1.0": (FIXTURES / "addons-18.0.1.1.0.tar.gz", True),
}


def _versions():
    """The version of each addon of the checkout, as its manifest says."""
    return {
        addon: ast.literal_eval((REPO / "addons" / addon / "__manifest__.py").read_text())[
            "version"
        ]
        for addon in CURRENT
    }


def _previous_addons(tmp_path, fixture):
    """The addons as released."""
    with tarfile.open(fixture) as tar:
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
        if re.search(r" (WARNING|ERROR|CRITICAL) ", line)
        and any(addon in line for addon in CURRENT)
    ]


def _differences(before, after, path="", tolerance=0.01):
    """Where two JSON values differ; numbers within ``tolerance`` are equal (durations in days
    move by the minutes the upgrade takes)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            if key not in after:
                found.append(f"{path}/{key}: {before.get(key)!r} -> {after.get(key)!r}")
            elif key not in before:
                continue  # what a later release adds (e.g. a lost reason's id) holds nothing
            else:
                found += _differences(before[key], after[key], f"{path}/{key}", tolerance)
        return found
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{path}: {len(before)} items -> {len(after)} items"]
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found += _differences(old, new, f"{path}[{index}]", tolerance)
        return found
    numbers = (int, float)
    if (
        isinstance(before, numbers)
        and isinstance(after, numbers)
        and not isinstance(before, bool)
        and not isinstance(after, bool)
    ):
        if math.isclose(before, after, abs_tol=tolerance):
            return []
        return [f"{path}: {before} -> {after}"]
    return [] if before == after else [f"{path}: {before!r} -> {after!r}"]


@pytest.mark.parametrize("release", list(RELEASES))
def test_upgrade_keeps_every_record_and_figure(tmp_path, release):
    fixture, has_forecast = RELEASES[release]
    previous = _previous_addons(tmp_path, fixture)
    old_path = _addons_path(previous)
    db = odoo.tools.config["db_name"] + "_upgrade_" + release.replace(".", "_")
    try:
        run_odoo(db, "--addons-path", old_path, "-i", ",".join(UPGRADED), "--stop-after-init")
        filled = _json(
            run_odoo(db, "shell", "--no-http", "--addons-path", old_path, stdin=FILL), "FILLED"
        )
        if has_forecast:
            output = run_odoo(
                db, "shell", "--no-http", "--addons-path", old_path, stdin=FILL_FORECAST
            )
            assert "FILLED_FORECAST" in output, output[-3000:]
        before = _json(
            run_odoo(db, "shell", "--no-http", "--addons-path", old_path, stdin=ROWS), "ROWS"
        )
        if has_forecast:
            figures_before = _json(
                run_odoo(db, "shell", "--no-http", "--addons-path", old_path, stdin=FIGURES),
                "FIGURES",
            )

        log = run_odoo(db, "-u", ",".join(UPGRADED), "--stop-after-init")
        assert not _our_warnings(log), _our_warnings(log)

        after = _json(run_odoo(db, "shell", "--no-http", stdin=ROWS), "ROWS")
        for key, rows in before.items():
            # Rows come in id order: the upgrade may add rows (new demo records), never change
            # or remove one.
            assert rows == after[key][: len(rows)], f"{key} changed by the upgrade"
        assert len(before["history"]) > 10 and before["scores"] and before["eval_scores"]
        if has_forecast:
            assert before["targets"] and before["snapshot_lines"] and before["costs"]
            assert before["win_rates"]
            figures_after = _json(run_odoo(db, "shell", "--no-http", stdin=FIGURES), "FIGURES")
            differences = _differences(figures_before, figures_after)
            assert not differences, "figures changed by the upgrade:\n" + "\n".join(
                differences[:40]
            )
            q2 = figures_after["manager"]["q2"]["totals"]
            assert q2["won"] == 80_000 + 9_000 and q2["commit"] > 100_000, q2
        check = CHECK % {
            "leads": filled["leads"],
            "current": CURRENT,
            "versions": _versions(),
            "default_rates": not has_forecast,
        }
        output = run_odoo(db, "shell", "--no-http", stdin=check)
        assert "UPGRADE OK" in output
    finally:
        drop_database(db)
