"""18.0.1.0.0 -> 18.0.1.1.0: the forecast fields of the opportunities already in the database
(furthest phase, forecast category, won date, phase and forecast probabilities, weighted
revenue) and the first phase win rates, computed set-based from the phase history."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.lead"]._init_forecast_fields()
