import json

from odoo import http
from odoo.http import request

from ..payload import EnvelopeError

SYNC_GROUP = "crm_churn_score.group_churn_sync"


class ChurnScoreController(http.Controller):
    """Push API of the scoring job: ``POST /crm_churn_score/v1/scores`` with an Odoo API key of
    a user of the "Churn score sync" group in ``Authorization: Bearer <key>``."""

    @http.route(
        "/crm_churn_score/v1/scores",
        type="http",
        auth="bearer",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def push_scores(self):
        env = request.env
        if request.httprequest.method != "POST":
            return self._error(405, env._("Use POST."), headers=[("Allow", "POST")])
        if not env.user.has_group(SYNC_GROUP):
            return self._error(403, env._("This user is not in the Churn score sync group."))
        if request.httprequest.mimetype != "application/json":
            return self._error(415, env._("Send the scores as application/json."))
        try:
            body = json.loads(request.httprequest.get_data(as_text=True) or "null")
        except ValueError as error:
            return self._error(400, env._("Malformed JSON: %s", str(error)))
        try:
            run = env["crm.churn.sync.run"]._ingest(body, "push", env.user)
        except EnvelopeError as error:
            return self._error(400, error.translated)
        return request.make_json_response(
            {
                "sync_run_id": run.id,
                "run_id": run.run_id,
                "created": run.created_count,
                "unchanged": run.unchanged_count,
                "rejected": run.rejected_count,
                "errors": run.errors or [],
            }
        )

    @staticmethod
    def _error(status, message, headers=None):
        return request.make_json_response({"error": message}, status=status, headers=headers)
