from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstallMapping(TransactionCase):
    def test_crm_demo_opportunities_all_have_a_phase(self):
        """The test database is crm with its demo data, installed before this addon."""
        opportunities = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("type", "=", "opportunity")])
        )
        self.assertGreater(len(opportunities), 10)
        self.assertFalse(opportunities.filtered(lambda lead: not lead.project_phase))
        self.assertFalse(opportunities.filtered(lambda lead: not lead.phase_history_ids))
        open_ones = opportunities.filtered(lambda lead: lead.active and not lead.stage_id.is_won)
        self.assertTrue(all(lead.checklist_line_ids for lead in open_ones))

    def test_crm_stages_mapped_by_position_and_missing_phase_created(self):
        new = self.env.ref("crm.stage_lead1")
        qualified = self.env.ref("crm.stage_lead2")
        proposition = self.env.ref("crm.stage_lead3")
        won = self.env.ref("crm.stage_lead4")
        self.assertEqual(
            (new.project_phase, qualified.project_phase, proposition.project_phase),
            ("contact", "design", "proof"),
        )
        self.assertFalse(won.project_phase)
        self.assertEqual(new.name, "New", "existing stage names are untouched")
        tender = self.env["crm.stage"].search([("project_phase", "=", "tender")])
        self.assertEqual(len(tender), 1)
        self.assertGreater(tender.sequence, proposition.sequence)
        self.assertLess(tender.sequence, won.sequence)

    def test_mapping_spreads_a_long_pipeline_over_the_four_phases(self):
        Stage = self.env["crm.stage"]
        self.env.cr.execute("UPDATE crm_stage SET project_phase = NULL")
        Stage.invalidate_model(["project_phase"])
        existing = Stage.search([("is_won", "=", False)], order="sequence, id")
        extra = Stage.create([{"name": f"Step {i}", "sequence": 200 + i} for i in range(8)])
        created = Stage._map_stages_to_phases()
        self.assertFalse(created, "a long pipeline covers every phase")
        pipeline = existing | extra
        phases = pipeline.sorted(lambda s: (s.sequence, s.id)).mapped("project_phase")
        self.assertEqual(phases, sorted(phases, key=["contact", "design", "proof", "tender"].index))
        self.assertEqual(set(phases), {"contact", "design", "proof", "tender"})
        self.assertEqual(phases[0], "contact")
        self.assertEqual(phases[-1], "tender")
