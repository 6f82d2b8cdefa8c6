from odoo import api, fields, models

# The four phases of project selling, in pipeline order.
PROJECT_PHASES = [
    ("contact", "Contact"),
    ("design", "Solution Design"),
    ("proof", "Solution Proof"),
    ("tender", "Tender"),
]
PHASE_ORDER = {key: index for index, (key, _label) in enumerate(PROJECT_PHASES)}
# Winning is the step after the last phase: moving to Won leaves the Tender phase behind.
WON_STEP = len(PROJECT_PHASES)

# Days an opportunity may stay in a phase before it is flagged as stalled, unless Settings say
# otherwise (ir.config_parameter "crm_project_stages.stall_days_<phase>").
DEFAULT_STALL_DAYS = {"contact": 30, "design": 45, "proof": 45, "tender": 60}


class CrmStage(models.Model):
    _inherit = "crm.stage"

    project_phase = fields.Selection(
        PROJECT_PHASES,
        string="Project Phase",
        help="Phase of project selling this stage belongs to. Opportunities in this stage are "
        "in this phase; leave it empty for stages outside the phases (Won): opportunities "
        "keep the phase they reached.",
    )

    def _get_phase_step(self):
        """Position of the stage on the way to Won: its phase's, ``WON_STEP`` for a Won stage,
        None for a stage outside the phases (or no stage)."""
        if not self:
            return None
        self.ensure_one()
        if self.is_won:
            return WON_STEP
        return PHASE_ORDER[self.project_phase] if self.project_phase else None

    def write(self, vals):
        res = super().write(vals)
        if vals.get("project_phase") and not self.env.context.get("crm_phase_no_sync"):
            self._sync_open_leads_phase()
        return res

    def _sync_open_leads_phase(self):
        """Open opportunities of these stages, in every company, follow a changed phase
        mapping (the server moves them: no gate, no user's write of the phase)."""
        for stage in self:
            leads = (
                self.env["crm.lead"]
                .sudo()
                .search(
                    [
                        ("stage_id", "=", stage.id),
                        ("type", "=", "opportunity"),
                        ("project_phase", "!=", stage.project_phase),
                    ]
                )
            )
            leads.write({"project_phase": stage.project_phase})

    @api.model
    def _map_stages_to_phases(self):
        """Give every stage outside Won a phase by its position in the pipeline, and create a
        stage for each phase no stage maps to. Stages that already have a phase are kept.

        Called on install; returns the stages created."""
        self = self.with_context(crm_phase_no_sync=True)
        stages = self.search([("is_won", "=", False)], order="sequence, id")
        unmapped = stages.filtered(lambda s: not s.project_phase)
        count = len(stages)
        for position, stage in enumerate(stages):
            if stage in unmapped:
                phase = PROJECT_PHASES[min(3, position * 4 // count)][0]
                stage.project_phase = phase
        created = self.browse()
        mapped = set(stages.mapped("project_phase"))
        last_sequence = max(stages.mapped("sequence"), default=0)
        labels = dict(self._fields["project_phase"]._description_selection(self.env))
        for phase, _label in PROJECT_PHASES:
            if phase not in mapped:
                last_sequence += 1
                created |= self.create(
                    {
                        "name": labels[phase],
                        "sequence": last_sequence,
                        "project_phase": phase,
                    }
                )
        return created
