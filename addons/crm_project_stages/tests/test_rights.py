from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ProjectStagesCase


@tagged("post_install", "-at_install")
class TestRights(ProjectStagesCase):
    def test_only_managers_edit_checklist_templates(self):
        Item = self.env["crm.phase.checklist.item"]
        contact, design = self.phases["contact"], self.phases["design"]
        self.assertTrue(Item.with_user(self.rep).search([("phase_id", "=", contact.id)]))
        with self.assertRaises(AccessError):
            Item.with_user(self.rep).create({"name": "Rep item", "phase_id": contact.id})
        with self.assertRaises(AccessError):
            self.item_budget.with_user(self.rep).write({"mandatory": False})
        item = Item.with_user(self.manager).create(
            {"name": "Site survey done", "phase_id": design.id}
        )
        self.assertTrue(item.mandatory)

    def test_new_template_item_reaches_open_opportunities_and_gates_them(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        item = (
            self.env["crm.phase.checklist.item"]
            .with_user(self.manager)
            .create({"name": "Credit check passed", "phase_id": self.phases["contact"].id})
        )
        self.assertIn(item, lead.checklist_line_ids.item_id)
        with self.assertRaisesRegex(Exception, "Credit check passed"):
            lead.write({"stage_id": self.stage_design.id})

    def test_salesman_sees_checklists_and_history_of_own_opportunities_only(self):
        mine = self._new_opportunity()
        theirs = self._new_opportunity("Their deal", user=self.other_rep)
        Line = self.env["crm.lead.checklist.line"].with_user(self.rep)
        lines = Line.search([("lead_id", "in", (mine | theirs).ids)])
        self.assertEqual(lines.lead_id, mine)
        History = self.env["crm.lead.phase.history"].with_user(self.rep)
        self.assertEqual(History.search([("lead_id", "in", (mine | theirs).ids)]).lead_id, mine)
        with self.assertRaises(AccessError):
            History.browse(mine.phase_history_ids.ids).write({"phase_id": self.phases["tender"].id})
        with self.assertRaises(AccessError):
            theirs.checklist_line_ids[:1].with_user(self.rep).write({"done": True})
