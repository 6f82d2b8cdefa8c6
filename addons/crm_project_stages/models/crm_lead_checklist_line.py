from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_lead_phase_gate import MANAGER_GROUP


class CrmLeadChecklistLine(models.Model):
    _name = "crm.lead.checklist.line"
    _inherit = ["crm.suite.server.fields.mixin", "crm.lead.company.mixin"]
    _description = "Opportunity Checklist Line"
    _order = "phase_sequence, sequence, id"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    item_id = fields.Many2one(
        "crm.phase.checklist.item", string="Deliverable", required=True, ondelete="cascade"
    )
    name = fields.Char(string="Item", compute="_compute_item_labels", search="_search_name")
    phase_id = fields.Many2one(related="item_id.phase_id", store=True, index=True)
    phase_sequence = fields.Integer(related="item_id.phase_sequence", store=True)
    sequence = fields.Integer(related="item_id.sequence", store=True)
    mandatory = fields.Boolean(
        compute="_compute_item_labels",
        search="_search_mandatory",
        help="An opportunity cannot move to a later phase while a mandatory item of the phase "
        "it leaves is open (Sales Managers may force the move).",
    )
    done = fields.Boolean()
    done_by_id = fields.Many2one("res.users", string="Done By", readonly=True)
    done_date = fields.Datetime(string="Done On", readonly=True)

    _sql_constraints = [
        (
            "lead_item_unique",
            "UNIQUE(lead_id, item_id)",
            "A deliverable appears once on an opportunity.",
        )
    ]

    @api.depends("item_id.name", "item_id.mandatory")
    @api.depends_context("lang")
    def _compute_item_labels(self):
        """The name and the mandatory flag of the item, from the worker's cache
        (``crm.phase.checklist.item._get_item_labels``): the checklist of a form reads no
        item."""
        labels = self.env["crm.phase.checklist.item"]._get_item_labels()
        for line in self:
            name, mandatory = labels.get(line.item_id.id) or (
                line.item_id.name,
                line.item_id.mandatory,
            )
            line.name, line.mandatory = name, mandatory

    def _search_name(self, operator, value):
        return [("item_id.name", operator, value)]

    def _search_mandatory(self, operator, value):
        return [("item_id.mandatory", operator, value)]

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """A line is a few columns: any search fetches them all, so that the checklist of a
        form (an one2many: a search, then a read) reads its lines in one query."""
        field_names = [*field_names, *self._get_fetched_fields()]
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    @api.model
    def _get_fetched_fields(self):
        return ["item_id", "phase_id", "done", "done_by_id", "done_date", "company_id"]

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        vals_list = [
            dict(vals, **self._done_stamp()) if vals.get("done") else vals for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        """Who ticked an item and when is recorded when it is ticked (or unticked); ticking
        an item already ticked keeps who did it first. A mandatory item of a phase its
        opportunity has left stays ticked: see ``_check_untick``."""
        self._guard_server_fields([vals])
        if "done" not in vals:
            return super().write(vals)
        changing = self.filtered(lambda line: line.done != bool(vals["done"]))
        passed = changing._check_untick() if not vals["done"] else {}
        stamp = self._done_stamp() if vals["done"] else self._undone_stamp()
        super(CrmLeadChecklistLine, changing).write(dict(vals, **stamp))
        res = super(CrmLeadChecklistLine, self - changing).write(vals)
        self._log_manager_untick(passed)
        return res

    @api.model
    def _get_user_fields(self):
        """A line belongs to its opportunity and its deliverable; the server records who
        ticked it and when. Users change ``done`` only."""
        return {"done"}

    @api.model
    def _get_refusal_hints(self, names):
        return [
            *super()._get_refusal_hints(names),
            self.env._("Tick the item off or untick it (Done): who did it and when is recorded."),
        ]

    def _get_passed_lines(self):
        """{opportunity: lines} of these lines that are mandatory items of a phase their
        opportunity has left (an earlier phase than its own, or any once it is won): the
        opportunity passed that phase's gate with them done. One read of the lines'
        opportunities; the phases and the items' flags come from the worker's tables."""
        phases = self.env["crm.project.phase"]._get_phase_table()
        steps = {
            lead: lead._get_phase_step()
            for lead in self.lead_id.sudo()
            if lead.type == "opportunity"
        }

        def passed(line):
            step = steps.get(line.lead_id)
            phase = phases.get(line.phase_id.id)
            return step is not None and phase is not None and phase["sequence"] < step

        return self.filtered(lambda line: line.mandatory and passed(line)).grouped("lead_id")

    def _check_untick(self):
        """Unticking these lines: a mandatory item of a phase its opportunity has left is
        refused to salespeople (the gate let the deal through with it done); a Sales Manager
        may untick it, logged (``_log_manager_untick``). {opportunity: lines} to log."""
        if self.env.su:
            return {}
        passed = self._get_passed_lines()
        if passed and not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self._untick_refusal(passed))
        return passed

    def _untick_refusal(self, passed):
        Lead = self.env["crm.lead"]
        blocks = [
            self.env._(
                "“%(lead)s” passed the gate of these phases with these mandatory items done; "
                "they stay ticked while it is in %(current)s:",
                lead=lead.name,
                current=Lead._phase_target_label(lead.sudo().stage_id),
            )
            + "\n"
            + Lead._phase_item_lines(lines.item_id.sudo())
            for lead, lines in passed.items()
        ]
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "A Sales Manager can untick them (it is logged in the opportunity's chatter), "
                "or move the opportunity back to the item's phase first, then untick it."
            )
        )

    def _log_manager_untick(self, passed):
        """A Sales Manager's untick of mandatory items of phases the deal has left: logged in
        its chatter, as a forced move is."""
        for lead, lines in passed.items():
            lead._post_item_note(
                lines.item_id.sudo(),
                lambda lead: lead.env._(
                    "Unticked by %(user)s while the opportunity is in %(current)s: these "
                    "mandatory items of phases it has passed are open again:",
                    user=self.env.user.name,
                    current=lead._phase_target_label(lead.sudo().stage_id),
                ),
            )

    def _done_stamp(self):
        return {"done_by_id": self.env.uid, "done_date": fields.Datetime.now()}

    @staticmethod
    def _undone_stamp():
        return {"done_by_id": False, "done_date": False}
