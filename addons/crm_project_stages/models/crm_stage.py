from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.models import BaseModel

from .crm_project_cached_mixin import kept_for_transaction

# Winning is the step after the last phase: moving to Won leaves the last phase behind.
WON_STEP = 2**31 - 1


class CrmStage(models.Model):
    _name = "crm.stage"
    _inherit = ["crm.stage", "crm.project.cached.mixin", "crm.company.scope.mixin"]
    # _get_stage_table, _get_stage_lookups
    _cached_fields = frozenset({"phase_id", "is_won", "sequence", "team_id"})
    # The phase it places deals in, and the sales team whose pipeline it is.
    _company_scope_paths = ("phase_id.company_id", "team_id.company_id")

    phase_id = fields.Many2one(
        "crm.project.phase",
        string="Project Phase",
        index=True,
        ondelete="restrict",
        help="Phase of project selling this stage belongs to. Opportunities in this stage are "
        "in this phase; leave it empty for stages outside the phases (Won): opportunities "
        "keep the phase they reached.",
    )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("phase_id"):
            self._sync_open_leads_phase()
        return res

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_stage_table(self):
        """{stage id: (phase id or False, is Won)} of every stage: read once per worker and
        kept until a stage is created, deleted or changes its phase or Won flag."""
        stages = self.sudo().with_context(active_test=False)
        stages = stages.search_fetch([], ["phase_id", "is_won"])
        return {stage.id: (stage.phase_id.id, stage.is_won) for stage in stages}

    # ------------------------------------------------------------------ crm's look-ups

    @api.model
    @api.readonly
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """crm looks the Won stages and the first shared stage up twice each at every stage
        move and win (its lead scoring: ``crm.lead._pls_increment_frequencies``,
        ``_pls_get_naive_bayes_probabilities``, ``_pls_get_won_lost_total_count``): answered
        from the stage table (``_get_stage_lookups``) when the table's answer is exactly the
        database's for this user (``_answers_from_table``); any other search goes to the
        database."""
        if not field_names and not offset:
            ids = self._search_from_table(domain, limit, order)
            if ids is not None:
                return self.browse(ids)
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    @api.model
    def _search_from_table(self, domain, limit, order):
        """The ids crm's look-up ``domain`` (with ``limit`` and ``order``) finds, from the
        stage table, or None: another search, or one whose answer the table does not hold
        exactly (Won stages of the same sequence are ordered by their name in the user's
        language), or a user whose read of stages the table would not check."""
        domain = list(domain)
        if domain == [("is_won", "=", True)] and limit is None and order is None:
            key = "won"
        elif domain == [("team_id", "=", False)] and limit == 1 and order == "sequence, id":
            key = "first_shared"
        else:
            return None
        if not self._answers_from_table():
            return None
        return self._get_stage_lookups()[key]

    @api.model
    def _answers_from_table(self):
        """Whether a search of stages by this user finds what the stage table holds: every
        stage, read by whoever may read stages (the superuser, or a user of the read access
        and no record rule on stages), through Odoo's own search (no module's ``_search``,
        no ``active`` field filtering archived stages)."""
        if "active" in self._fields or type(self)._search is not BaseModel._search:
            return False
        if self.env.su:
            return True
        return self.env["ir.model.access"].check(
            self._name, "read", raise_exception=False
        ) and not self.env["ir.rule"]._compute_domain(self._name, "read")

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_stage_lookups(self):
        """{"won": ids of the Won stages in the stages' order, or None when two of them share
        a sequence (their names order them then); "first_shared": the id of the first stage of
        no sales team by sequence and id, in a tuple (empty without one)}: read once per worker
        and kept like ``_get_stage_table``."""
        stages = self.sudo().search_fetch([], ["is_won", "sequence", "team_id"])
        won = stages.filtered("is_won")
        sequences = won.mapped("sequence")
        shared = stages.filtered(lambda stage: not stage.team_id)
        return {
            "won": (
                tuple(won.sorted(lambda stage: (stage.sequence, stage.id)).ids)
                if len(set(sequences)) == len(sequences)
                else None
            ),
            "first_shared": tuple(shared.sorted(lambda stage: (stage.sequence, stage.id))[:1].ids),
        }

    def _get_phase_step(self):
        """Position of the stage on the way to Won: its phase's sequence, ``WON_STEP`` for a
        Won stage, None for a stage outside the phases (or no stage)."""
        if not self:
            return None
        self.ensure_one()
        phase_id, is_won = self._get_stage_table().get(self.id) or (self.phase_id.id, self.is_won)
        if is_won:
            return WON_STEP
        phase = self.env["crm.project.phase"]._get_phase_table().get(phase_id)
        return phase["sequence"] if phase else None

    def _get_phase(self):
        """The phase of the stage (from ``_get_stage_table``: no query), or an empty
        record."""
        phase_id = (self._get_stage_table().get(self.id) or (self.phase_id.id, False))[0]
        return self.env["crm.project.phase"].browse(phase_id)

    def _sync_open_leads_phase(self):
        """Open opportunities of these stages, in every company, follow a changed phase
        mapping (the server moves them: no gate, no user's write of the phase). Those without
        a phase yet (install) are the backfill's."""
        Lead = self.env["crm.lead"].sudo()
        for stage in self.filtered("phase_id"):
            Lead.search(
                [
                    ("stage_id", "=", stage.id),
                    ("type", "=", "opportunity"),
                    ("phase_id", "not in", [False, stage.phase_id.id]),
                ]
            ).write({"phase_id": stage.phase_id.id})

    @api.model
    def _map_stages_to_phases(self):
        """Give every stage outside Won a phase, pipeline by pipeline: the shared stages (no
        sales team) by their order among the shared stages, each team's own stages by their
        order among that team's; a stage that has a phase keeps it. Then every pipeline gets
        every phase: a stage is created, after the pipeline's last, for each phase that none
        of its stages (a team's own and the shared ones) maps to, named in every installed
        language. Called on install; returns the stages created."""
        stages = self.with_context(active_test=False).search(
            [("is_won", "=", False)], order="sequence, id"
        )
        by_team = defaultdict(lambda: self.browse())
        for stage in stages:
            by_team[stage.team_id] |= stage
        shared = by_team.pop(self.env["crm.team"], self.browse())
        created = self.browse()
        if shared:
            shared._map_by_position(self.env["crm.project.phase"]._get_pipeline_phases())
            created = shared._add_missing_phase_stages(shared, team=None)
            shared |= created
        for team, own in by_team.items():
            phases = self.env["crm.project.phase"]._get_pipeline_phases(team.company_id)
            own._map_by_position(phases)
            created |= own._add_missing_phase_stages(own | shared, team=team)
        return created

    def _map_by_position(self, phases):
        """The unmapped stages of this pipeline (in order) take the phase of their position:
        the pipeline is spread evenly over the phases, the first stage in the first phase and
        the last (of a pipeline of at least as many stages as phases) in the last."""
        count = len(self)
        for position, stage in enumerate(self):
            if not stage.phase_id and phases:
                stage.phase_id = phases[min(len(phases) - 1, position * len(phases) // count)]

    def _add_missing_phase_stages(self, pipeline, team):
        """A stage of ``team`` (None: shared) for each phase no stage of ``pipeline`` maps to,
        after the pipeline's last stage."""
        company = team.company_id if team else None
        missing = self.env["crm.project.phase"]._get_pipeline_phases(company) - pipeline.phase_id
        sequence = max(pipeline.mapped("sequence"), default=0)
        created = self.browse()
        for phase in missing:
            sequence += 1
            created |= self.create(
                {
                    "name": phase.name,
                    "sequence": sequence,
                    "phase_id": phase.id,
                    "team_id": team.id if team else False,
                }
            )
        created._name_after_phase()
        return created

    def _name_after_phase(self):
        """Each stage named like its phase, in every language the phase's name is in."""
        if not self:
            return
        self.flush_recordset(["name", "phase_id"])
        self.env["crm.project.phase"].flush_model(["name"])
        self.env.cr.execute(
            "UPDATE crm_stage s SET name = p.name FROM crm_project_phase p "
            "WHERE p.id = s.phase_id AND s.id = ANY(%s)",
            [self.ids],
        )
        self.invalidate_recordset(["name"])
