from dataclasses import dataclass, field

from odoo import api, fields, models

# The checklist lines and open problems of opportunities as the phase gate read them
# (``crm.lead._read_checklist_state``): kept for the transaction until a row of an opportunity
# or a checklist item changes, so that the card's counts after a gated move read nothing.
CHECKLIST_STATE = "crm_project_stages.checklist_state"


@dataclass
class ChecklistState:
    """An opportunity's checklist as read in the transaction: {phase id: (lines, done)}, the
    ids of the items done, of every item it has a line of, and its open problems."""

    by_phase: dict = field(default_factory=dict)
    done: set = field(default_factory=set)
    items: set = field(default_factory=set)
    problems: int = 0


def forget_checklist_state(env):
    """Drop what ``crm.lead._read_checklist_state`` kept: lines or problems change."""
    env.cr.precommit.data.pop(CHECKLIST_STATE, None)


class CrmLeadCompanyMixin(models.AbstractModel):
    """Rows of an opportunity (its checklist, phase history, problems, selling expenses) in
    the opportunity's company, stored for the multi-company rules and the reports.

    The company is taken with the row and kept by the opportunity when its company changes
    (``crm.lead._queue_company_change``), rather than being a related field of the
    opportunity's: with a related field, every change of an opportunity's salesperson or
    team (which may change its company) reads all its rows to mark them for recomputation,
    a query per opportunity and per kind of row in the lead assignment."""

    _name = "crm.lead.company.mixin"
    _description = "Row of an opportunity, in its company"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True, readonly=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        forget_checklist_state(self.env)
        return super().create(vals_list)

    def write(self, vals):
        forget_checklist_state(self.env)
        return super().write(vals)

    def unlink(self):
        forget_checklist_state(self.env)
        return super().unlink()

    def flush_model(self, fnames=None):
        self._record_phase_work(fnames)
        return super().flush_model(fnames)

    def _fetch_query(self, query, fields):
        # Reading rows by id flushes nothing (their cache holds what the ORM wrote).
        self._record_phase_work([field.name for field in fields])
        return super()._fetch_query(query, fields)

    @api.model
    def _record_phase_work(self, fnames=None):
        """Before a query reads rows of opportunities (``fnames``: the fields it reads, None
        for any): the company and the checklist lines the opportunities' waiting phase events
        give (``crm.lead._queue_phase_events``) are recorded (the history waits for a query on
        the history: crm.lead.phase.history)."""
        self.env["crm.lead"]._flush_phase_events(facts=False, history=False)

    @api.depends("lead_id")
    def _compute_company_id(self):
        for row in self:
            row.company_id = row.lead_id.company_id
