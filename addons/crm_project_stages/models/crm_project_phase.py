from odoo import api, fields, models, tools
from odoo.addons.crm_suite_base.models.crm_suite_server_fields_mixin import is_module_uninstalling
from odoo.exceptions import UserError

from .crm_project_cached_mixin import kept_for_transaction


class CrmProjectPhase(models.Model):
    """A phase of project selling. The four of the sales method (Contact, Solution Design,
    Solution Proof, Tender) ship as data; stages belong to a phase, opportunities are in the
    phase of their stage. Phases are ordered by ``sequence``: moving to a phase of a higher
    sequence is moving forward (gated by the checklist), Won is the step after the last."""

    _name = "crm.project.phase"
    _inherit = ["crm.project.cached.mixin", "crm.company.scope.mixin"]
    _description = "Project Phase"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        readonly=True,
        copy=False,
        index=True,
        help="Technical key of the phases of the sales method (contact, design, proof, "
        "tender), for the addons that build on them: a competitive bid belongs to the tender.",
    )
    sequence = fields.Integer(default=10, help="Order of the phases on the way to Won.")
    stall_days = fields.Integer(
        string="Stalled After (days)",
        default=30,
        help="Days an open opportunity may stay in this phase before it is flagged as stalled; "
        "a company may allow other limits (Per Company).",
    )
    company_limit_ids = fields.One2many(
        "crm.project.phase.company", "phase_id", string="Per Company", copy=True
    )
    description = fields.Text(translate=True, help="What happens in this phase.")
    company_id = fields.Many2one(
        "res.company",
        index=True,
        ondelete="restrict",
        help="Leave empty to use this phase in every company.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("stall_days_positive", "CHECK(stall_days >= 0)", "Stall days cannot be negative."),
    ]

    @api.depends("name")
    def _compute_display_name(self):
        """The name of a phase from the worker's cache (``_get_phase_names``): a form, a card
        or a checklist shows the phase of an opportunity without reading the phase."""
        names = self._get_phase_names()
        for phase in self:
            if phase.id in names:
                phase.display_name = names[phase.id]
        # A new phase, not in the table yet: its own name.
        return super(
            CrmProjectPhase, self.filtered(lambda phase: phase.id not in names)
        )._compute_display_name()

    @api.ondelete(at_uninstall=True)
    def _unlink_except_used(self):
        """Stages, opportunities and their history point to a phase: archive it instead."""
        if is_module_uninstalling(self.env, "crm_project_stages"):
            return
        for model, label in (
            ("crm.stage", self.env._("stages")),
            ("crm.lead", self.env._("opportunities")),
        ):
            used = (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search([("phase_id", "in", self.ids)], limit=1)
            )
            if used:
                raise UserError(
                    self.env._(
                        "The phase “%(phase)s” is used by %(what)s: archive it instead of "
                        "deleting it.",
                        phase=used.phase_id.name,
                        what=label,
                    )
                )

    # ------------------------------------------------------------------ business

    @api.model
    def _get_table_fields(self):
        """The fields of the phases the everyday paths read (hook: the forecast adds its
        own), kept in ``_get_phase_table``."""
        return ["sequence", "company_id", "active", "stall_days"]

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_phase_table(self):
        """{phase id: {field: value}} of every phase, archived ones too (many2one values are
        ids): read once per worker, kept until a phase changes (``create``, ``write``,
        ``unlink`` clear it), so that moving a card or creating a deal reads no phase."""
        names = self._get_table_fields()
        phases = (
            self.sudo()
            .with_context(active_test=False)
            .search_fetch([], names, order="sequence, id")
        )
        relational = {name for name in names if self._fields[name].type == "many2one"}
        return {
            phase.id: {
                name: phase[name].id if name in relational else phase[name] for name in names
            }
            for phase in phases
        }

    @api.model
    @tools.ormcache("self.env.lang")
    def _get_phase_names(self):
        """{phase id: name} of every phase in the language of the context, kept like
        ``_get_phase_table`` (a name changed or translated clears it)."""
        phases = self.sudo().with_context(active_test=False).search_fetch([], ["name"])
        return {phase.id: phase.name for phase in phases}

    @api.model
    def _get_pipeline_phases(self, company=None):
        """The active phases an opportunity of ``company`` goes through, in order: the shared
        ones and the company's own."""
        companies = (False, company.id) if company else (False,)
        return self.sudo().browse(
            phase_id
            for phase_id, phase in self._get_phase_table().items()
            if phase["active"] and phase["company_id"] in companies
        )

    @api.model
    @kept_for_transaction
    @tools.ormcache()
    def _get_stall_limits(self):
        """{(phase id, company id): days} of the companies with a limit of their own, and
        {(phase id, None): days} of every phase: see ``_stall_days``. Kept like
        ``_get_phase_table`` (the limits per company clear it too)."""
        limits = {
            (phase_id, None): phase["stall_days"]
            for phase_id, phase in self._get_phase_table().items()
        }
        for line in (
            self.env["crm.project.phase.company"]
            .sudo()
            .search_fetch([], ["phase_id", "company_id", "stall_days"])
        ):
            limits[line.phase_id.id, line.company_id.id] = line.stall_days
        return limits

    @staticmethod
    def _stall_days(limits, phase_id, company_id):
        """The days a phase allows in a company: the company's own limit, else the phase's."""
        days = limits.get((phase_id, company_id))
        return limits.get((phase_id, None), 0) if days is None else days
