"""Installing into a database that already holds years of CRM data: crm, sale_management and
their demo data in English and Chinese, a second company, thousands of opportunities in custom
stages, and a team with a pipeline of its own. The addons go in together, and one by one on a
copy: no error or warning of theirs, every open opportunity gets a phase and its forecast,
existing stage names and sequences stay as they were, the team's pipeline gets every phase (the
stage created for it is named in both languages)."""

import json
import re
import textwrap

from live_odoo import drop_database, our_addons, run_odoo, run_sql_on_server

import odoo

ADDONS = our_addons()
LEADS = 3000

POPULATE = textwrap.dedent(
    """
    import json
    company_b = env["res.company"].create({"name": "Second Company (populated)"})
    Stage = env["crm.stage"]
    Team = env["crm.team"]
    # Team A sells through six stages of its own, team B through three; the shared pipeline is
    # crm's (New, Qualified, Proposition, Won).
    team_a, team_b = Team.create([{"name": "Populated team A"}, {"name": "Populated team B"}])
    Stage.create([
        {"name": name, "sequence": 100 + i, "team_id": team_a.id}
        for i, name in enumerate(["Lead In", "Discovery", "Workshop", "POC", "Negotiation", "Bid"])
    ])
    Stage.create([
        {"name": name, "sequence": 300 + i, "team_id": team_b.id}
        for i, name in enumerate(["Team call", "Team design", "Team demo"])
    ])
    stages = Stage.search([("is_won", "=", False)])
    won = Stage.search([("is_won", "=", True)], limit=1)
    companies = [env.company.id, company_b.id]
    partners = env["res.partner"].create(
        [{"name": "Populated customer %%d" %% i, "is_company": True} for i in range(50)]
    )
    vals = []
    for i in range(%(leads)d):
        vals.append({
            "name": "Populated deal %%d" %% i,
            "type": "opportunity" if i %% 10 else "lead",
            "stage_id": (won if i %% 17 == 0 else stages[i %% len(stages)]).id,
            "company_id": companies[i %% 2],
            "partner_id": partners[i %% 50].id,
            "expected_revenue": 1000 * i,
        })
    env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True).create(vals)
    env.cr.commit()
    print("STAGES=" + json.dumps({s.id: [s.name, s.sequence] for s in Stage.search([])}))
    """
)

CHECK = textwrap.dedent(
    """
    import json
    before = json.loads(%(stages)r)
    Stage = env["crm.stage"]
    for stage_id, (name, sequence) in before.items():
        stage = Stage.browse(int(stage_id))
        found = (stage.name, stage.sequence)
        assert found == (name, sequence), (stage_id, found)
    assert not Stage.search([("is_won", "=", False), ("phase_id", "=", False)])
    def codes(domain):
        return [s.phase_id.code for s in Stage.search([*domain, ("is_won", "=", False)])]

    team_a, team_b = (env["crm.team"].search([("name", "=", name)])
                      for name in ("Populated team A", "Populated team B"))
    # Each pipeline by its own order, and every pipeline with every phase: the shared one got a
    # Tender stage, named in both languages.
    shared = codes([("team_id", "=", False)])
    assert shared == ["contact", "design", "proof", "tender"], shared
    tender = Stage.search([("team_id", "=", False), ("phase_id.code", "=", "tender")])
    assert tender.with_context(lang="zh_CN").name == "招投标期", "named in Chinese"
    assert tender.with_context(lang="en_US").name == "Tender"
    own = codes([("team_id", "=", team_a.id)])
    assert own == ["contact", "contact", "design", "proof", "proof", "tender"], own
    own = codes([("team_id", "=", team_b.id)])
    assert own == ["contact", "design", "proof"], own
    Lead = env["crm.lead"].with_context(active_test=False)
    opportunities = Lead.search([("type", "=", "opportunity")])
    assert len(opportunities) > %(leads)d * 0.8, len(opportunities)
    assert not Lead.search_count([("type", "=", "opportunity"), ("phase_id", "=", False)])
    env.cr.execute(
        "SELECT count(*) FROM crm_lead l WHERE l.type = 'opportunity' AND NOT EXISTS "
        "(SELECT 1 FROM crm_lead_phase_history h WHERE h.lead_id = l.id)"
    )
    assert env.cr.fetchone()[0] == 0, "an opportunity has no phase history"
    # ... and its outcome and forecast: furthest phase, category, probability, weighted revenue.
    env.cr.execute(
        "SELECT count(*) FROM crm_lead WHERE type = 'opportunity' AND (phase_reached_id IS NULL "
        "OR outcome IS NULL OR date_stalled IS NULL OR forecast_category IS NULL "
        "OR forecast_revenue IS NULL OR phase_probability IS NULL "
        "OR (forecast_date IS NULL AND (date_deadline IS NOT NULL OR outcome = 'won')))"
    )
    assert env.cr.fetchone()[0] == 0, "an opportunity has no forecast"
    won = Lead.search([("type", "=", "opportunity"), ("stage_id.is_won", "=", True)])
    assert won and set(won.mapped("forecast_category")) == {"won"}
    assert all(won.mapped("date_won"))
    assert env["crm.phase.win.rate"].search_count([]) > 0
    print("INSTALL OK")
    """
)


def _our_warnings(output):
    return [
        line
        for line in output.splitlines()
        if re.search(r" (WARNING|ERROR|CRITICAL) ", line) and any(addon in line for addon in ADDONS)
    ]


def test_install_into_a_populated_database_together_and_one_by_one():
    base = odoo.tools.config["db_name"]
    together, one_by_one = f"{base}_populated", f"{base}_populated_copy"
    try:
        run_odoo(
            together, "-i", "crm,sale_management", "--load-language", "zh_CN", "--stop-after-init"
        )
        output = run_odoo(together, "shell", "--no-http", stdin=POPULATE % {"leads": LEADS})
        stages = json.loads(re.search(r"^STAGES=(.*)$", output, re.M).group(1))
        odoo.sql_db.close_db(together)
        run_sql_on_server(f'CREATE DATABASE "{one_by_one}" TEMPLATE "{together}"')

        log = run_odoo(together, "-i", ",".join(ADDONS), "--stop-after-init")
        assert not _our_warnings(log), _our_warnings(log)
        for addon in ADDONS:
            log = run_odoo(one_by_one, "-i", addon, "--stop-after-init")
            assert not _our_warnings(log), (addon, _our_warnings(log))
        check = CHECK % {"stages": json.dumps(stages), "leads": LEADS}
        for db in (together, one_by_one):
            assert "INSTALL OK" in run_odoo(db, "shell", "--no-http", stdin=check)
    finally:
        for db in (together, one_by_one):
            drop_database(db)
