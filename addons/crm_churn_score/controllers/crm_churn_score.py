import logging

import werkzeug.exceptions

from odoo import http
from odoo.exceptions import AccessDenied
from odoo.http import SessionExpiredException, request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..payload import MAX_BODY_BYTES, EnvelopeError, load_json

_logger = logging.getLogger(__name__)

SYNC_GROUP = "crm_churn_score.group_churn_sync"
PUSH_PATH = "/crm_churn_score/v1/scores"
# Seconds a client waits before sending again a batch refused for a concurrent one (503).
RETRY_AFTER = 5
_TRIES_KEY = "crm_churn_score.push_tries"


class ChurnScoreController(http.Controller):
    """Push API of the scoring job: ``POST /crm_churn_score/v1/scores`` with an Odoo API key of
    a user of the "Churn score sync" group in ``Authorization: Bearer <key>``. Every answer is
    JSON; sessions are not accepted (the key is the only credential)."""

    @http.route(
        PUSH_PATH,
        type="http",
        auth="none",
        readonly=False,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        csrf=False,
        save_session=False,
    )
    def push_scores(self):
        refused = self._authenticate()
        if refused:
            return refused
        env = request.env
        if request.httprequest.method != "POST":
            return self._error(405, env._("Use POST."), headers=[("Allow", "POST")])
        if not env.user.has_group(SYNC_GROUP):
            return self._error(403, env._("This user is not in the Churn score sync group."))
        if request.httprequest.mimetype != "application/json":
            return self._error(415, env._("Send the scores as application/json."))
        data = self._read_body()
        if data is None:
            return self._error(
                413,
                env._(
                    "The request is larger than %(max)s MB: send fewer scores per request.",
                    max=MAX_BODY_BYTES // (1024 * 1024),
                ),
            )
        try:
            body = load_json(data)
        except EnvelopeError as error:
            reason = env._(error.message, **error.params)
            return self._error(400, env._("Malformed JSON: %s", reason))
        try:
            run = env["crm.churn.sync.run"]._ingest(body, "push", env.user)
        except EnvelopeError as error:
            return self._error(400, error.translated)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # A concurrent push holds the same customers: Odoo rolls back and runs the request
            # again; its last try answers 503 with Retry-After rather than Odoo's 500.
            if not self._last_try():
                raise
            return self._error(
                503,
                env._("Another push is writing the same customers: send this batch again."),
                headers=[("Retry-After", str(RETRY_AFTER))],
            )
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

    def _authenticate(self):
        """Odoo's bearer authentication, answered in JSON: None when the key is good."""
        try:
            request.env["ir.http"]._auth_method_bearer()
        except (werkzeug.exceptions.Unauthorized, AccessDenied, SessionExpiredException):
            given = request.httprequest.headers.get("Authorization")
            if given:
                message = request.env._("Invalid API key.")
            else:
                message = request.env._("Send an API key: Authorization: Bearer <key>.")
            return self._error(
                401,
                message,
                headers=[
                    ("WWW-Authenticate", 'Bearer error="invalid_token"' if given else "Bearer")
                ],
            )
        user = request.env.user
        request.update_env(context=dict(request.env.context, lang=user.lang or "en_US"))
        return None

    def _read_body(self):
        """The request body, or None beyond MAX_BODY_BYTES (refused from its Content-Length
        before it is read; a chunked body is read up to Odoo's own limit, then refused)."""
        httprequest = request.httprequest
        if (httprequest.content_length or 0) > MAX_BODY_BYTES:
            return None
        try:
            data = httprequest.get_data()  # cached: the retries of the request read it again
        except werkzeug.exceptions.RequestEntityTooLarge:
            return None
        return data if len(data) <= MAX_BODY_BYTES else None

    def _last_try(self):
        environ = request.httprequest.environ
        environ[_TRIES_KEY] = environ.get(_TRIES_KEY, 0) + 1
        if environ[_TRIES_KEY] < MAX_TRIES_ON_CONCURRENCY_FAILURE:
            return False
        _logger.info("Churn score push answered 503 after %s tries", environ[_TRIES_KEY])
        return True

    @staticmethod
    def _error(status, message, headers=None):
        return request.make_json_response({"error": message}, status=status, headers=headers)
