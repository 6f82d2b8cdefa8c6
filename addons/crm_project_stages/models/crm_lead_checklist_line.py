from odoo import api, fields, models


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
        an item already ticked keeps who did it first."""
        self._guard_server_fields([vals])
        if "done" not in vals:
            return super().write(vals)
        changing = self.filtered(lambda line: line.done != bool(vals["done"]))
        stamp = self._done_stamp() if vals["done"] else self._undone_stamp()
        super(CrmLeadChecklistLine, changing).write(dict(vals, **stamp))
        return super(CrmLeadChecklistLine, self - changing).write(vals)

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

    def _done_stamp(self):
        return {"done_by_id": self.env.uid, "done_date": fields.Datetime.now()}

    @staticmethod
    def _undone_stamp():
        return {"done_by_id": False, "done_date": False}
