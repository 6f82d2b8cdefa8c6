from odoo.tests import tagged

from .common import ProjectStagesCase


@tagged("post_install", "-at_install")
class TestPartnerProjects(ProjectStagesCase):
    def test_customer_shows_open_projects_by_phase(self):
        contact = self.env["res.partner"].create(
            {"name": "Wei Zhang", "parent_id": self.customer.id}
        )
        in_contact = self._new_opportunity("Meters")
        in_tender = self._new_opportunity("Pipes", stage=self.stage_tender, partner_id=contact.id)
        won = self._new_opportunity("Old pumps", stage=self.stage_tender)
        self._tick_mandatory(won, "tender")
        won.write({"stage_id": self.stage_won.id})
        for partner in (self.customer, contact):
            partner.invalidate_recordset(["open_project_ids", "open_project_count"])
            self.assertEqual(partner.open_project_ids, in_contact | in_tender)
            self.assertEqual(partner.open_project_count, 2)
        action = self.customer.action_view_open_projects()
        self.assertEqual(action["context"]["group_by"], ["phase_id"])
        found = self.env["crm.lead"].search(action["domain"])
        self.assertEqual(found, in_contact | in_tender)
        groups = self.env["crm.lead"].read_group(action["domain"], ["phase_id"], ["phase_id"])
        self.assertEqual(
            {g["phase_id"][1]: g["phase_id_count"] for g in groups},
            {"Contact": 1, "Tender": 1},
        )
