import json

from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProjectForecastController(http.Controller):
    @http.route(
        [
            "/crm_project_forecast/forecast/xlsx",
            # Where the workbook was before the forecast had an addon of its own.
            "/crm_project_stages/forecast/xlsx",
        ],
        type="http",
        auth="user",
        methods=["GET", "POST"],
        readonly=True,
    )
    def forecast_xlsx(self, params="{}", context="{}", **_kwargs):
        """The forecast workbook of the dashboard's period and filters (``params``: the JSON
        parameters of the dashboard; ``context``: the companies selected in the web client, as
        the dashboard itself got them). Streamed from a file that is no longer on disk. Bad
        parameters are answered 400 with the reason, companies not the user's 403."""
        try:
            values = json.loads(params or "{}")
            client_context = json.loads(context or "{}")
        except (ValueError, RecursionError) as error:  # nested too deep: RecursionError
            raise UserError(request.env._("The export parameters are not valid JSON.")) from error
        if not isinstance(values, dict) or not isinstance(client_context, dict):
            raise UserError(request.env._("The export parameters are not valid JSON."))
        env = request.env
        if "allowed_company_ids" in client_context:
            # Checked by the dashboard like every other parameter.
            env = env(
                context=dict(env.context, allowed_company_ids=client_context["allowed_company_ids"])
            )
        filename, handle, size = env["crm.forecast.dashboard"]._export_xlsx(values)
        response = request.make_response(
            wrap_file(request.httprequest.environ, handle),
            headers=[
                ("Content-Type", XLSX),
                ("Content-Length", str(size)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
        response.direct_passthrough = True
        return response
