from . import controllers
from . import models
from . import report
from . import wizard

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


def uninstall_hook(env):
    """Evaluations are the addon's own data: they go first, through the ORM (with their chatter,
    activities, sheets, scores, costs and results), so that the templates they were scored on
    and the activity type of the sheets come out of the database next without a reference
    stopping them (and no ERROR in the log)."""
    evaluations = (
        env["crm.vendor.evaluation"]
        .with_context(active_test=False, **{MODULE_UNINSTALL_FLAG: True})
        .search([])
    )
    # The sheets first: their to-dos would otherwise hold on to the addon's activity type.
    evaluations.assignment_ids.unlink()
    evaluations.unlink()
