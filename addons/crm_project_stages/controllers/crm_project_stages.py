import json
import os

from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import content_disposition, request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ProjectStagesController(http.Controller):
    @http.route(
        "/crm_project_stages/forecast/xlsx",
        type="http",
        auth="user",
        methods=["GET", "POST"],
    )
    def forecast_xlsx(self, params="{}", context="{}", **_kwargs):
        """The forecast workbook of the dashboard's period and filters (``params``: the JSON
        parameters of the dashboard; ``context``: the companies selected in the web client, as
        the dashboard itself got them). Streamed from a temporary file."""
        try:
            values = json.loads(params or "{}")
            client_context = json.loads(context or "{}")
        except ValueError as error:
            raise UserError(request.env._("The export parameters are not valid JSON.")) from error
        if not isinstance(values, dict) or not isinstance(client_context, dict):
            raise UserError(request.env._("The export parameters are not valid JSON."))
        env = request.env
        companies = client_context.get("allowed_company_ids")
        if companies:
            if not isinstance(companies, list) or set(companies) - set(env.user._get_company_ids()):
                raise AccessError(env._("You cannot export the forecast of these companies."))
            env = env(context=dict(env.context, allowed_company_ids=companies))
        filename, path = env["crm.forecast.dashboard"].export_xlsx(values)
        handle = open(path, "rb")  # closed by the response
        size = os.path.getsize(path)
        os.unlink(path)  # the open handle keeps the data until the response is sent
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
