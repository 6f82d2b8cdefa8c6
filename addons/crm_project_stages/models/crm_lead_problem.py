from odoo import api, fields, models


class CrmLeadProblem(models.Model):
    _name = "crm.lead.problem"
    _inherit = [
        "crm.suite.server.fields.mixin",
        "crm.lead.company.mixin",
        "crm.company.scope.mixin",
    ]
    _description = "Opportunity Problem"
    _order = "state, create_date desc, id desc"
    _company_scope_paths = ("phase_id.company_id",)

    name = fields.Char(string="Problem", required=True)
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, ondelete="cascade", index=True
    )
    phase_id = fields.Many2one(
        "crm.project.phase",
        string="Phase",
        required=True,
        ondelete="restrict",
        compute="_compute_phase_id",
        store=True,
        readonly=False,
        precompute=True,
        help="Phase the problem belongs to; by default the phase of the opportunity.",
    )
    user_id = fields.Many2one("res.users", string="Owner", default=lambda self: self.env.user)
    state = fields.Selection(
        [("open", "Open"), ("solved", "Solved")],
        default="open",
        required=True,
        index=True,
        copy=False,
    )
    date_solved = fields.Datetime(
        string="Solved On", readonly=True, copy=False, help="When the problem was marked solved."
    )
    note = fields.Text(string="Details")

    @api.depends("lead_id")
    def _compute_phase_id(self):
        for problem in self:
            if not problem.phase_id:
                problem.phase_id = (
                    problem.lead_id.phase_id
                    or self.env["crm.project.phase"]._get_pipeline_phases(
                        problem.lead_id.company_id
                    )[:1]
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        for vals in vals_list:
            if vals.get("state") == "solved":
                vals.setdefault("date_solved", fields.Datetime.now())
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        if "state" not in vals:
            return super().write(vals)
        # Dated when its state changes: a problem written solved again (a whole record saved,
        # a file imported back) keeps the day it was solved.
        same = self.filtered(lambda problem: problem.state == vals["state"])
        if same:
            super(CrmLeadProblem, same).write(vals)
        if self - same:
            solved = vals["state"] == "solved"
            stamped = dict(vals, date_solved=fields.Datetime.now() if solved else False)
            super(CrmLeadProblem, self - same).write(stamped)
        return True

    @api.model
    def _get_server_written_fields(self):
        """The day a problem was solved is the server's: noted when it is marked solved."""
        return super()._get_server_written_fields() | {"date_solved"}

    @api.model
    def _get_fixed_fields(self):
        """A problem stays on the opportunity it was logged on: moving it to another one would
        put it where its writer may not log one (the rules check a write before it)."""
        return super()._get_fixed_fields() | {"lead_id"}

    @api.model
    def _get_refusal_hints(self, names):
        hints = super()._get_refusal_hints(names)
        if "lead_id" in names:
            hints.append(
                self.env._(
                    "A problem stays on the opportunity it was logged on: log a new one on the "
                    "other opportunity."
                )
            )
        if "date_solved" in names:
            hints.append(self.env._("Mark the problem solved: the server notes the day."))
        return hints

    def action_solve(self):
        self.write({"state": "solved"})

    def action_reopen(self):
        self.write({"state": "open"})
