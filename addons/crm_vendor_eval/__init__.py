from . import controllers
from . import models
from . import report
from . import wizard

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


def uninstall_hook(env):
    """Evaluations are the addon's own data: they go first, through the ORM (with their chatter,
    activities, sheets, scores, costs and results), so that the templates they were scored on
    come out of the database next without a reference stopping them."""
    env["crm.vendor.evaluation"].with_context(
        active_test=False, **{MODULE_UNINSTALL_FLAG: True}
    ).search([]).unlink()
