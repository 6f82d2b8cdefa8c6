"""The demo database tells a visitor the story in five minutes: projects in every phase, one
stalled, one blocked by a problem; this quarter's targets and forecast, a deal won and one lost,
last week's snapshot and what moved since; customers at risk of churning; a finished vendor
evaluation. Checked on the test command's database, which holds the demo data."""

from test_rights_matrix import rolled_back_env


def test_the_demo_tells_the_story():
    with rolled_back_env() as env:
        ref = env.ref
        leads = {
            name: ref(f"crm_project_stages.lead_{name}_demo")
            for name in ("hospital_erp", "logistics_portal", "city_grid", "university_tender")
        }
        assert [lead.phase_id.code for lead in leads.values()] == [
            "contact",
            "design",
            "proof",
            "tender",
        ]
        assert leads["hospital_erp"].is_stalled
        assert leads["city_grid"].open_problem_count == 1
        admin = ref("base.user_admin")
        dashboard = env["crm.forecast.dashboard"].with_user(admin)
        data = dashboard.with_context(allowed_company_ids=admin.company_ids.ids).get_dashboard_data(
            {"period_type": "quarter"}
        )
        totals = data["totals"]
        assert totals["target"] >= 2_500_000 and totals["won"] >= 390_000, totals
        assert 0 < totals["forecast"] < totals["target"], "a gap the manager has to close"
        assert data["risk"]["count"] >= 2
        assert any(row["count"] for row in data["lost_by_phase"] if row["phase"] == "design")
        assert [row["label"] for row in data["funnel"]][:4] == [
            "Contact",
            "Solution Design",
            "Solution Proof",
            "Tender",
        ]
        movement = {row["type"]: row for row in data["movement"]["summary"]}
        # Named as the weekly job names its snapshots: after last week.
        assert data["movement"]["snapshot"]["name"].startswith("Week "), data["movement"]
        assert movement["grew"]["count"] >= 1 and movement["lost"]["count"] >= 1
        assert movement["pulled_in"]["count"] >= 1
        assert data["selling_cost"]["total"]["cost"] > 0
        assert env["res.partner"].search_count([("churn_risk", "=", "high")]) >= 1
        evaluation = ref("crm_vendor_eval.vendor_evaluation_crm_2027_demo")
        assert evaluation.state == "done" and evaluation.decision_vendor_id
