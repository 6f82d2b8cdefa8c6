from lxml import etree

from odoo.tests import tagged

from .common import ProjectStagesCase


@tagged("post_install", "-at_install")
class TestPipelineQueries(ProjectStagesCase):
    """Loading the pipeline kanban costs the same number of queries for 40 cards as for 800."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stages = [cls.stage_contact, cls.stage_design, cls.stage_proof, cls.stage_tender]
        cls.env["crm.lead"].create(
            [
                {
                    "name": f"Bulk project {i}",
                    "type": "opportunity",
                    "team_id": cls.team.id,
                    "user_id": cls.rep.id,
                    "partner_id": cls.customer.id,
                    "stage_id": stages[i % 4].id,
                    "expected_revenue": 1000 * i,
                }
                for i in range(2000)
            ]
        )
        leads = cls.env["crm.lead"].search([("team_id", "=", cls.team.id)])
        leads[:300].checklist_line_ids[:500].write({"done": True})
        cls.env["crm.lead.problem"].create(
            [{"lead_id": lead.id, "name": "Budget frozen"} for lead in leads[:200]]
        )

    def _kanban_spec(self):
        Lead = self.env["crm.lead"]
        arch = Lead.get_views([(False, "kanban")])["views"]["kanban"]["arch"]
        names = {node.get("name") for node in etree.fromstring(arch).iter("field")}
        self.assertTrue(
            {"phase_id", "checklist_count", "is_stalled", "open_problem_count"} <= names
        )
        spec = {}
        for name in names:
            field = Lead._fields[name]
            related = field.type in ("many2one", "one2many", "many2many")
            spec[name] = {"fields": {"display_name": {}}} if related else {}
        return spec

    def _count_queries(self, func):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - before

    def test_queries_do_not_grow_with_cards(self):
        spec = self._kanban_spec()
        Lead = self.env["crm.lead"]
        domain = [("team_id", "=", self.team.id), ("type", "=", "opportunity")]

        def load(limit):
            groups = Lead.web_read_group(domain, ["stage_id"], ["stage_id"])
            self.assertEqual(sum(g["stage_id_count"] for g in groups["groups"]), 2000)
            for group in groups["groups"]:
                records = Lead.web_search_read(group["__domain"], spec, limit=limit)["records"]
                self.assertEqual(len(records), min(limit, group["stage_id_count"]))

        load(10)  # warm the registry caches (views, access rules, translations)
        small = self._count_queries(lambda: load(40))
        large = self._count_queries(lambda: load(400))
        self.assertEqual(small, large, "queries must not grow with the number of cards")
