"""Models that exist only while a test runs (odoo-test-helper's FakeModelLoader loads them
into the registry and removes them afterwards): the ways of using the mixin."""

from odoo import api, fields, models


class CrmSuiteTestGuarded(models.AbstractModel):
    """The test models guard their values the way the suite's models do."""

    _name = "crm.suite.test.guarded"
    _inherit = ["crm.suite.server.fields.mixin"]
    _description = "Test Guarded Model"

    @api.model_create_multi
    def create(self, vals_list):
        self._guard_server_fields(vals_list, creating=True)
        return super().create(vals_list)

    def write(self, vals):
        self._guard_server_fields([vals])
        return super().write(vals)


class CrmSuiteTestDeal(models.Model):
    """Server fields, a computed field, a fixed field and a bounded amount."""

    _name = "crm.suite.test.deal"
    _inherit = ["crm.suite.test.guarded"]
    _description = "Test Deal"

    name = fields.Char()
    state = fields.Selection(
        [("new", "New"), ("won", "Won")], string="Status", default="new", readonly=True
    )
    owner_id = fields.Many2one("res.users", string="Owner")
    amount = fields.Float()
    weighted = fields.Float(string="Weighted Amount", compute="_compute_weighted", store=True)
    note = fields.Char(compute="_compute_note", inverse="_inverse_note")
    note_store = fields.Char()

    @api.depends("amount")
    def _compute_weighted(self):
        for deal in self:
            deal.weighted = deal.amount / 2

    @api.depends("note_store")
    def _compute_note(self):
        for deal in self:
            deal.note = deal.note_store

    def _inverse_note(self):
        for deal in self:
            deal.note_store = deal.note

    @api.model
    def _get_server_written_fields(self):
        return super()._get_server_written_fields() | {"state"}

    @api.model
    def _get_fixed_fields(self):
        return super()._get_fixed_fields() | {"owner_id"}

    @api.model
    def _get_amount_fields(self):
        return super()._get_amount_fields() | {"amount"}

    @api.model
    def _get_refusal_hints(self, names):
        hints = super()._get_refusal_hints(names)
        if "state" in names:
            hints.append("Win the deal with its button.")
        return hints


class CrmSuiteTestSheet(models.Model):
    """Users write one field, and nothing else."""

    _name = "crm.suite.test.sheet"
    _inherit = ["crm.suite.test.guarded"]
    _description = "Test Sheet"

    name = fields.Char()
    score = fields.Integer()
    comment = fields.Char()

    @api.model
    def _get_user_fields(self):
        return {"comment"}


class CrmSuiteTestExtension(models.Model):
    """Like an extension of one of Odoo's models: its computed fields are not all the server's,
    the extension names its own."""

    _name = "crm.suite.test.extension"
    _inherit = ["crm.suite.test.guarded"]
    _description = "Test Extension"
    _server_fields_computed = False

    name = fields.Char()
    level = fields.Integer(compute="_compute_level", store=True)
    badge = fields.Char(compute="_compute_level", store=True)

    @api.depends("name")
    def _compute_level(self):
        for record in self:
            record.level = len(record.name or "")
            record.badge = "long" if record.level > 3 else "short"

    @api.model
    def _get_server_written_fields(self):
        return super()._get_server_written_fields() | {"badge"}
