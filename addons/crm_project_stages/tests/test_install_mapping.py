from odoo.tests import TransactionCase, tagged

PHASES = ["contact", "design", "proof", "tender"]


@tagged("post_install", "-at_install")
class TestInstallMapping(TransactionCase):
    """How installing maps an existing pipeline to the phases (``crm.stage``'s
    ``_map_stages_to_phases``, run by the install hook), on the crm demo pipeline and on
    pipelines made for the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Stage = cls.env["crm.stage"].with_context(active_test=False)

    def codes(self, stages):
        return [stage.phase_id.code for stage in stages]

    def _unmap_everything(self):
        """The database as it was before the install: no stage has a phase."""
        self.env.cr.execute("UPDATE crm_stage SET phase_id = NULL")
        self.Stage.invalidate_model(["phase_id"])

    def test_crm_demo_opportunities_all_have_a_phase(self):
        """The test database is crm with its demo data, installed before this addon."""
        opportunities = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search([("type", "=", "opportunity")])
        )
        self.assertGreater(len(opportunities), 10)
        self.assertFalse(opportunities.filtered(lambda lead: not lead.phase_id))
        self.assertFalse(opportunities.filtered(lambda lead: not lead.phase_history_ids))
        self.assertFalse(opportunities.filtered(lambda lead: not lead.outcome))
        open_ones = opportunities.filtered(lambda lead: lead.outcome == "open")
        self.assertTrue(all(lead.checklist_line_ids for lead in open_ones))
        won = opportunities.filtered(lambda lead: lead.outcome == "won")
        self.assertTrue(won)
        self.assertEqual(set(self.codes(won)), {"tender"}, "a won deal went through every phase")

    def test_crm_stages_mapped_by_position_and_missing_phase_created(self):
        new = self.env.ref("crm.stage_lead1")
        qualified = self.env.ref("crm.stage_lead2")
        proposition = self.env.ref("crm.stage_lead3")
        won = self.env.ref("crm.stage_lead4")
        self.assertEqual(self.codes(new | qualified | proposition), ["contact", "design", "proof"])
        self.assertFalse(won.phase_id)
        self.assertEqual(new.name, "New", "existing stage names are untouched")
        tender = self.Stage.search([("phase_id.code", "=", "tender")])
        self.assertEqual(len(tender), 1)
        self.assertEqual(tender.name, "Tender")
        self.assertGreater(tender.sequence, proposition.sequence)
        self.assertLess(tender.sequence, won.sequence)

    def test_mapping_spreads_a_long_pipeline_over_the_phases(self):
        self._unmap_everything()
        existing = self.Stage.search([("is_won", "=", False), ("team_id", "=", False)])
        extra = self.Stage.create([{"name": f"Step {i}", "sequence": 200 + i} for i in range(8)])
        created = self.Stage._map_stages_to_phases()
        self.assertFalse(created.filtered(lambda s: not s.team_id), "the shared pipeline is long")
        phases = self.codes((existing | extra).sorted(lambda s: (s.sequence, s.id)))
        self.assertEqual(phases, sorted(phases, key=PHASES.index))
        self.assertEqual(set(phases), set(PHASES))
        self.assertEqual((phases[0], phases[-1]), ("contact", "tender"))

    def test_every_team_pipeline_is_mapped_by_its_own_order_and_gets_every_phase(self):
        """Two teams with three stages of their own each, no shared pipeline: each team gets
        contact, design and proof by its own order, and a Tender stage of its own (mapping by
        position among all stages gave one team no Tender and the other no Design)."""
        self._unmap_everything()
        self.env.cr.execute("UPDATE crm_stage SET is_won = true WHERE team_id IS NULL")
        Team = self.env["crm.team"]
        pipelines = {}
        for index, name in enumerate(("Team A", "Team B")):
            team = Team.create({"name": name})
            pipelines[team] = self.Stage.create(
                [
                    {"name": f"{name} step {i}", "sequence": 10 * index + i, "team_id": team.id}
                    for i in range(3)
                ]
            )
        created = self.Stage._map_stages_to_phases()
        for team, stages in pipelines.items():
            self.assertEqual(self.codes(stages), ["contact", "design", "proof"], team.name)
            tender = created.filtered(lambda s, team=team: s.team_id == team)
            self.assertEqual(self.codes(tender), ["tender"], team.name)
            self.assertGreater(tender.sequence, max(stages.mapped("sequence")))
        # The first move of team B's deals is to Solution Design: no gate skipped.
        self.assertEqual(
            self.codes(pipelines[Team.search([("name", "=", "Team B")])][1]), ["design"]
        )

    def test_a_team_pipeline_uses_the_shared_stages_it_shows(self):
        """A team's kanban shows the shared stages next to its own: once the shared pipeline
        has every phase, the team gets no stage of its own for a phase."""
        tender = self.Stage.search([("team_id", "=", False), ("phase_id.code", "=", "tender")])
        self._unmap_everything()
        # The database as crm makes it: New, Qualified, Proposition, Won.
        self.env.cr.execute(
            "UPDATE crm_stage SET is_won = true WHERE id IN %s", [tuple(tender.ids)]
        )
        team = self.env["crm.team"].create({"name": "Team with a pipeline"})
        own = self.Stage.create(
            [{"name": f"Own {i}", "sequence": 50 + i, "team_id": team.id} for i in range(3)]
        )
        created = self.Stage._map_stages_to_phases()
        self.assertEqual(self.codes(created), ["tender"])
        self.assertFalse(created.team_id, "one Tender stage, shared: the team shows it")
        self.assertEqual(self.codes(own), ["contact", "design", "proof"])

    def test_stages_created_at_install_are_named_in_every_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_project_stages"], ["zh_CN"])
        self._unmap_everything()
        self.env.cr.execute("UPDATE crm_stage SET is_won = true WHERE team_id IS NULL")
        team = self.env["crm.team"].create({"name": "Chinese team"})
        self.Stage.create(
            [{"name": name, "team_id": team.id, "sequence": i} for i, name in enumerate("ABC")]
        )
        created = self.Stage._map_stages_to_phases().filtered(lambda s: s.team_id == team)
        self.assertEqual(created.with_context(lang="zh_CN").name, "招投标期")
        self.assertEqual(created.with_context(lang="en_US").name, "Tender")
