from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase
from .test_everyday_paths import QueryCounting

# What the form of an opportunity reads of its phase and checklist (as the web client asks).
CHECKLIST_SPEC = {
    "user_id": {},
    "company_id": {},
    "phase_id": {"fields": {"display_name": {}}},
    "checklist_line_ids": {
        "fields": {
            "phase_id": {"fields": {"display_name": {}}},
            "name": {},
            "mandatory": {},
            "done": {},
        },
        "limit": 40,
    },
}


@tagged("post_install", "-at_install")
class TestOpportunityForm(JsonRpcMixin, HttpCase, ProjectStagesCase, QueryCounting):
    """The form shows the phase and its checklist; the problems and the phase history open
    from stat buttons, one click away (issue 14: the form reads no list it does not show, and
    the names of the phases and items come from the worker's cache)."""

    def test_the_checklist_reads_its_lines_once_and_no_phase_or_item(self):
        lead = self._new_opportunity()
        lead.web_read(CHECKLIST_SPEC)  # the worker's tables, read once
        self.env.invalidate_all()
        values = []
        queries = self.count_queries(lambda: values.extend(lead.web_read(CHECKLIST_SPEC)))
        self.assertEqual(queries, 2, "the opportunity, its lines")
        self.assertEqual(values[0]["phase_id"]["display_name"], "Contact")
        budget = next(
            line for line in values[0]["checklist_line_ids"] if line["name"] == "Budget confirmed"
        )
        self.assertEqual(
            (budget["phase_id"]["display_name"], budget["mandatory"]), ("Contact", True)
        )

    def test_renamed_and_translated_phases_and_items_show_at_once(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_project_stages"], ["zh_CN"])
        lead = self._new_opportunity()
        contact, Line = self.phases["contact"], self.env["crm.lead.checklist.line"]

        def shown(lang="en_US"):
            """The phase and the Budget item as the next request shows them."""
            self.env.invalidate_all()
            read = lead.with_context(lang=lang)
            line = read.checklist_line_ids.filtered(lambda row: row.item_id == self.item_budget)
            return read.phase_id.display_name, line.name, line.mandatory

        self.assertEqual(shown(), ("Contact", "Budget confirmed", True))
        self.assertEqual(shown("zh_CN"), ("项目接触期", "预算已确认", True))
        contact.with_user(self.manager).name = "First Contact"
        self.item_budget.with_user(self.manager).write(
            {"name": "Budget approved", "mandatory": False}
        )
        self.assertEqual(shown(), ("First Contact", "Budget approved", False))
        self.assertEqual(shown("zh_CN"), ("项目接触期", "预算已确认", False))
        contact.with_user(self.manager).update_field_translations("name", {"zh_CN": "初次接触"})
        self.item_budget.with_user(self.manager).update_field_translations(
            "name", {"zh_CN": "预算已批准"}
        )
        self.assertEqual(shown("zh_CN"), ("初次接触", "预算已批准", False))
        budget = Line.search([("lead_id", "=", lead.id), ("name", "=", "Budget approved")])
        self.assertEqual(budget.item_id, self.item_budget)
        self.assertNotIn(budget, Line.search([("lead_id", "=", lead.id), ("mandatory", "=", True)]))

    def test_problems_and_history_open_from_the_form_for_the_reps_own_deal_only(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        lead.write({"stage_id": self.stage_design.id})
        for method, model in (
            ("action_open_problems", "crm.lead.problem"),
            ("action_open_phase_history", "crm.lead.phase.history"),
        ):
            # Another rep: refused, nothing given away.
            self.assertRefused(
                self.rpc("ps_rep2", "crm.lead", method, [lead.id]), "AccessError", "crm.lead"
            )
            action = self.rpc("ps_rep", "crm.lead", method, [lead.id])["result"]
            self.assertEqual(
                (action["res_model"], action["domain"]), (model, [["lead_id", "=", lead.id]])
            )
            self.assertEqual(
                self.rpc("ps_rep2", model, "search_count", action["domain"])["result"], 0
            )
        # The history, in the rep's list.
        stays = self.rpc(
            "ps_rep",
            "crm.lead.phase.history",
            "web_search_read",
            action["domain"],
            {"phase_id": {"fields": {"display_name": {}}}, "date_out": {}},
        )["result"]["records"]
        self.assertEqual(
            [(row["phase_id"]["display_name"], bool(row["date_out"])) for row in stays],
            [("Contact", True), ("Solution Design", False)],
        )
        # A problem logged from the list of the button belongs to the deal, in its phase.
        action = self.rpc("ps_rep", "crm.lead", "action_open_problems", [lead.id])["result"]
        problem = self.rpc(
            "ps_rep",
            "crm.lead.problem",
            "web_save",
            [],
            {"name": "IT questions the integration"},
            specification={"lead_id": {}, "phase_id": {}},
            context=action["context"],
        )["result"][0]
        self.assertEqual(
            (problem["lead_id"], problem["phase_id"]), (lead.id, self.phases["design"].id)
        )
        self.env.invalidate_all()  # the next request: the opportunity not read yet
        self.assertEqual(lead.open_problem_count, 1)
