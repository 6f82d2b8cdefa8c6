from odoo import http
from odoo.http import content_disposition, request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class VendorEvalController(http.Controller):
    @http.route(
        "/crm_vendor_eval/comparison/<int:evaluation_id>/xlsx",
        type="http",
        auth="user",
        methods=["GET"],
    )
    def comparison_xlsx(self, evaluation_id):
        evaluation = request.env["crm.vendor.evaluation"].browse(evaluation_id).exists()
        if not evaluation:
            raise request.not_found()
        evaluation._check_comparison_access()
        content = evaluation._comparison_xlsx()
        filename = request.env._("Vendor comparison - %s.xlsx", evaluation.name)
        return request.make_response(
            content,
            headers=[
                ("Content-Type", XLSX),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
