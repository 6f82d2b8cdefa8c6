from odoo import models
from odoo.tools import SQL

from .. import phase_sql


class IrModel(models.Model):
    _inherit = "ir.model"

    def _drop_table(self):
        # The table of the opportunities whose history facts wait belongs to no model: it goes
        # with the history, when the uninstall drops the history's table (not before: the
        # uninstall's deletions read the history, which sets the facts waiting first).
        if "crm.lead.phase.history" in self.mapped("model"):
            self.env.cr.execute(
                SQL("DROP TABLE IF EXISTS %s", SQL.identifier(phase_sql.STALE_TABLE))
            )
        return super()._drop_table()
