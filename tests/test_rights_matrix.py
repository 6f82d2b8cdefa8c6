"""The rights matrix of the README is the truth: every cell is checked as that user, through the
ORM (access rights and record rules, one user per role, in a transaction rolled back at the
end), and the routes over real HTTP."""

import json
import re
from contextlib import contextmanager
from pathlib import Path

import requests
from live_odoo import base_url, live_env, make_sync_user, our_addons, why_login_refused

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError

README = Path(__file__).resolve().parent.parent / "README.md"
ADDONS = tuple(our_addons())
ROLES = {
    "Salesman (own)": "sales_team.group_sale_salesman",
    "Salesman (all)": "sales_team.group_sale_salesman_all_leads",
    "Sales Manager": "sales_team.group_sale_manager",
    "Churn sync": "crm_churn_score.group_churn_sync",
    "Evaluation Member": "crm_vendor_eval.crm_vendor_eval_group_member",
    "Evaluation Manager": "crm_vendor_eval.crm_vendor_eval_group_manager",
    "Portal": "base.group_portal",
}
OPERATIONS = {"C": "create", "R": "read", "W": "write", "D": "unlink"}


def read_matrix(with_addons=False):
    """{model: {role: letters}} from the README table between the rights-matrix markers (and
    {model: addon}, from the rows that name the addon of the models below them)."""
    text = README.read_text()
    table = text.split("<!-- rights-matrix:start -->")[1].split("<!-- rights-matrix:end -->")[0]
    lines = [line.strip() for line in table.strip().splitlines()]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[1:] == list(ROLES), header
    matrix, addons, addon = {}, {}, None
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        title = re.fullmatch(r"\*\*\*(\w+)\*\*\*", cells[0])
        if title:
            addon = title.group(1)
            continue
        model = re.search(r"`([a-z_.]+)`", cells[0]).group(1)
        addons[model] = addon
        matrix[model] = {}
        for role, cell in zip(ROLES, cells[1:], strict=True):
            letters = cell.split()[0].rstrip(",")
            assert letters == "—" or set(letters) <= set("CRWD"), (model, role, cell)
            matrix[model][role] = "" if letters == "—" else letters
    return (matrix, addons) if with_addons else matrix


@contextmanager
def rolled_back_env():
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as cr:
        try:
            yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            cr.rollback()


def make_users(env, prefix, password=None):
    users = {}
    for role, group in ROLES.items():
        login = f"{prefix}_{group.split('.')[-1]}"
        vals = {
            "name": f"{role} ({prefix})",
            "login": login,
            "groups_id": [Command.set(env.ref(group).ids)],
        }
        if password:
            vals["password"] = password
        users[role] = env["res.users"].create(vals)
    return users


def allowed(model, operation):
    try:
        model.check_access(operation)
    except AccessError:
        return False
    return True


def test_every_cell_of_the_matrix_as_that_user():
    matrix, addons = read_matrix(with_addons=True)
    with rolled_back_env() as env:
        ours = {
            model: cls._original_module
            for model, cls in env.registry.items()
            if cls._original_module in ADDONS and not cls._transient and not cls._abstract
        }
        assert set(ours) == set(matrix), (
            f"models missing from the README matrix: {set(ours) - set(matrix)}"
        )
        assert ours == addons, "the README lists a model under another addon than its own"
        users = make_users(env, "matrix")
        wrong = []
        for model, cells in matrix.items():
            for role, letters in cells.items():
                as_user = env[model].with_user(users[role])
                for letter, operation in OPERATIONS.items():
                    if allowed(as_user, operation) != (letter in letters):
                        wrong.append(f"{model} / {role} / {operation}: README says {letters!r}")
        assert not wrong, "\n".join(wrong)


def test_every_model_holds_its_company_and_has_a_company_rule():
    matrix = read_matrix()
    with rolled_back_env() as env:
        missing = []
        for model in matrix:
            field = env[model]._fields.get("company_id")
            rules = env["ir.rule"].search([("model_id.model", "=", model)])
            if not field or not any("company_ids" in rule.domain_force for rule in rules):
                missing.append(model)
        assert not missing, f"no company or no multi-company rule: {missing}"


def _opportunity(env, user, name):
    lead = env["crm.lead"].create(
        {"name": name, "type": "opportunity", "user_id": user.id, "expected_revenue": 1000}
    )
    env["crm.lead.cost"].create({"lead_id": lead.id, "name": "Travel", "amount": 10})
    env["crm.lead.problem"].create({"lead_id": lead.id, "name": "Budget unclear"})
    return lead


def test_own_documents_and_teams_narrow_the_records():
    with rolled_back_env() as env:
        users = make_users(env, "narrow")
        own, everyone = users["Salesman (own)"], users["Salesman (all)"]
        mine = _opportunity(env, own, "Matrix: mine")
        theirs = _opportunity(env, everyone, "Matrix: theirs")
        both = mine | theirs
        env["crm.forecast.snapshot"]._take_snapshots(env.company)
        env.flush_all()
        for model, field in (
            ("crm.lead.checklist.line", "lead_id"),
            ("crm.lead.phase.history", "lead_id"),
            ("crm.lead.problem", "lead_id"),
            ("crm.lead.cost", "lead_id"),
            ("crm.forecast.snapshot.line", "lead_id"),
            ("crm.forecast.report", "lead_id"),
            ("crm.funnel.report", "lead_id"),
            ("crm.selling.cost.report", "lead_id"),
        ):
            seen_own = env[model].with_user(own).search([(field, "in", both.ids)]).mapped(field)
            seen_all = (
                env[model].with_user(everyone).search([(field, "in", both.ids)]).mapped(field)
            )
            assert seen_own == mine, (model, seen_own)
            assert seen_all == both, (model, seen_all)
        # Targets: one's own and their teams'; not a colleague's, not another team's.
        Target = env["crm.sales.target"]
        team = env["crm.team"].create({"name": "Matrix team", "member_ids": [Command.set(own.ids)]})
        other_team = env["crm.team"].create({"name": "Matrix other team"})
        targets = Target.create(
            [
                {"user_id": own.id, "date_start": "2031-01-01", "amount": 1},
                {"user_id": everyone.id, "date_start": "2031-01-01", "amount": 2},
                *(
                    {
                        "target_level": "team",
                        "team_id": each.id,
                        "date_start": "2031-01-01",
                        "amount": amount,
                    }
                    for each, amount in ((team, 3), (other_team, 4))
                ),
            ]
        )
        visible = Target.with_user(own).search([("id", "in", targets.ids)])
        assert sorted(visible.mapped("amount")) == [1, 3], visible
        # The forecast dashboard: one's own figures; refused to users outside sales.
        Dashboard = env["crm.forecast.dashboard"]
        figures = Dashboard.with_user(own).get_dashboard_data({"period_type": "year"})
        assert figures["params"]["user_id"] == own.id
        for role in ("Portal", "Churn sync", "Evaluation Member"):
            try:
                Dashboard.with_user(users[role]).get_dashboard_data({})
            except AccessError:
                continue
            raise AssertionError(f"{role} got the forecast")
        # Evaluations: members see those of their team only.
        member, manager = users["Evaluation Member"], users["Evaluation Manager"]
        template = env.ref("crm_vendor_eval.template_crm_system")
        vendor = env["res.partner"].create({"name": "Matrix vendor", "is_company": True})
        Evaluation = env["crm.vendor.evaluation"].with_user(manager)
        on_team = Evaluation.create(
            {
                "name": "Matrix: on the team",
                "template_id": template.id,
                "vendor_ids": [Command.set(vendor.ids)],
                "member_ids": [Command.set(member.ids)],
            }
        )
        other = Evaluation.create(
            {
                "name": "Matrix: other",
                "template_id": template.id,
                "vendor_ids": [Command.set(vendor.ids)],
            }
        )
        seen = (
            env["crm.vendor.evaluation"]
            .with_user(member)
            .search([("id", "in", (on_team | other).ids)])
        )
        assert seen == on_team, seen


def test_companies_see_nothing_of_each_other():
    with rolled_back_env() as env:
        other = env["res.company"].create({"name": "Matrix Other Co"})
        manager = env["res.users"].create(
            {
                "name": "Other manager",
                "login": "matrix_other_manager",
                "company_id": other.id,
                "company_ids": [Command.set(other.ids)],
                "groups_id": [Command.set(env.ref("sales_team.group_sale_manager").ids)],
            }
        )
        lead = env["crm.lead"].create(
            {
                "name": "Matrix: main company deal",
                "type": "opportunity",
                "expected_revenue": 5000,
                "company_id": env.ref("base.main_company").id,
            }
        )
        env["crm.sales.target"].create(
            {"user_id": env.ref("base.user_admin").id, "date_start": "2031-01-01", "amount": 9}
        )
        env.flush_all()
        as_other = env(user=manager.id, context={"allowed_company_ids": other.ids})
        for model in (
            "crm.forecast.report",
            "crm.funnel.report",
            "crm.lead.phase.history",
            "crm.sales.target",
            "crm.forecast.snapshot",
            "crm.phase.win.rate",
        ):
            # Records of no company (an opportunity without company) are shared, as in Odoo.
            foreign = [("company_id", "!=", False), ("company_id", "!=", other.id)]
            assert not as_other[model].search(foreign), model
        data = as_other["crm.forecast.dashboard"].get_dashboard_data({"period_type": "year"})
        assert data["totals"]["forecast"] == 0 and not data["by_team"], data["totals"]
        assert not as_other["crm.lead"].search([("id", "=", lead.id)])


def _session(login, password):
    session = requests.Session()
    response = session.post(
        base_url() + "/web/session/authenticate",
        json={"params": {"db": odoo.tools.config["db_name"], "login": login, "password": password}},
        timeout=60,
    )
    assert response.json().get("result", {}).get("uid"), why_login_refused(login, response)
    return session


def test_routes_over_http():
    password = "Matrix-pw-2026"
    with live_env() as env:
        users = make_users(env, "matrix_http", password)
        sync_user, key = make_sync_user(env, "matrix_http_sync_key")
        ids = [*(user.id for user in users.values()), sync_user.id]
        logins = {role: user.login for role, user in users.items()}
        portal_id = users["Portal"].id
    export = (
        base_url()
        + "/crm_project_forecast/forecast/xlsx?params="
        + json.dumps({"period_type": "year"})
    )
    push = base_url() + "/crm_churn_score/v1/scores"
    try:
        for role in ("Salesman (own)", "Sales Manager"):
            response = _session(logins[role], password).get(export, timeout=120)
            assert response.status_code == 200, (role, response.status_code)
            assert "spreadsheetml" in response.headers["Content-Type"]
        for role in ("Portal", "Evaluation Member"):
            response = _session(logins[role], password).get(export, timeout=120)
            assert response.status_code != 200 or "spreadsheetml" not in response.headers.get(
                "Content-Type", ""
            ), role
        body = {"run_id": "matrix", "scores": []}
        assert requests.post(push, json=body, timeout=60).status_code == 401
        with live_env() as env:
            portal_key = (
                env["res.users.apikeys"]
                .with_user(env["res.users"].browse(portal_id))
                .sudo()
                ._generate("rpc", "matrix", None)
            )
        refused = requests.post(
            push, json=body, headers={"Authorization": f"Bearer {portal_key}"}, timeout=60
        )
        assert refused.status_code == 403, refused.status_code
        accepted = requests.post(
            push, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        assert accepted.status_code in (200, 400), accepted.status_code
    finally:
        with live_env() as env:
            env["res.users.apikeys"].sudo().search([("user_id", "in", ids)]).unlink()
            env.cr.execute("DELETE FROM crm_churn_sync_run WHERE user_id = ANY(%s)", [ids])
            env["res.users"].browse(ids).unlink()
