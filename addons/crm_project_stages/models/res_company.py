from odoo import models

from .crm_lead_company_mixin import forget_checklist_state
from .crm_project_cached_mixin import clear_tables


class ResCompany(models.Model):
    _inherit = "res.company"

    def unlink(self):
        # PostgreSQL drops or empties rows of the tables kept in the workers' cache that name
        # the company (its stall limits, the win rates), without a write of the ORM: the tables
        # are read again, and so are the checklists the transaction read. A company with
        # phases or checklist items of its own cannot be deleted (they would be every
        # company's then): delete or archive them first.
        res = super().unlink()
        clear_tables(self.env)
        forget_checklist_state(self.env)
        return res
