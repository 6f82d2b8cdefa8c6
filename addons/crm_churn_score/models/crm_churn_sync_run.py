import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..client import (
    DEFAULT_MAX_PAGES,
    DEFAULT_TIMEOUT,
    PageLimitReached,
    PullError,
    fetch_batches,
)
from ..payload import MAX_RUN_ID, EnvelopeError, parse_batch, safe_text, shorten

_logger = logging.getLogger(__name__)


class CrmChurnSyncRun(models.Model):
    """One batch of scores received (push) or fetched (pull), with what became of each row."""

    _name = "crm.churn.sync.run"
    _description = "Churn Score Sync Run"
    _order = "started_at desc, id desc"
    _rec_name = "run_id"

    source = fields.Selection(
        [("push", "Push API"), ("pull", "Pull (scheduled)")], required=True, readonly=True
    )
    run_id = fields.Char(string="Scoring Run", index=True, readonly=True)
    model_version = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", string="Sync User", readonly=True)
    company_id = fields.Many2one(
        related="user_id.company_id",
        store=True,
        index=True,
        string="Company",
        help="Company of the sync user.",
    )
    started_at = fields.Datetime(string="Started", readonly=True)
    finished_at = fields.Datetime(string="Finished", readonly=True)
    state = fields.Selection(
        [("done", "Done"), ("partial", "Done with rejections"), ("failed", "Failed")],
        required=True,
        readonly=True,
    )
    received_count = fields.Integer(string="Received", readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    rejected_count = fields.Integer(string="Rejected", readonly=True)
    errors = fields.Json(readonly=True, help="Rejected rows: [{index, reason}].")
    errors_text = fields.Text(string="Rejected Rows", compute="_compute_errors_text")
    message = fields.Text(readonly=True, help="Why the whole batch failed.")

    @api.depends("errors")
    def _compute_errors_text(self):
        for run in self:
            run.errors_text = "\n".join(
                f"#{error['index']}: {error['reason']}" for error in (run.errors or [])
            )

    # ------------------------------------------------------------------ ingestion

    @api.model
    def _ingest(self, body, source, user):
        """Validate a batch and write its valid rows, set-based: returns the sync run.

        Raises EnvelopeError (translated into the user's language, nothing written but the
        failed run, in ``error.run``) when the batch as a whole is unusable. The rows are written
        in a savepoint: a concurrency error (serialization failure, deadlock) leaves nothing
        behind and propagates, for the caller to retry the whole transaction."""
        env = self.env(user=user.id, context=dict(self.env.context, lang=user.lang or "en_US"))
        started_at = fields.Datetime.now()
        try:
            batch = parse_batch(body)
        except EnvelopeError as error:
            reason = env._(error.message, **error.params)
            error.translated = reason
            run_id = body.get("run_id") if isinstance(body, dict) else False
            error.run = self._record_failure(source, user, started_at, reason, run_id)
            raise
        with self.env.cr.savepoint():
            run = self._ingest_batch(batch, source, user, env, started_at)
        _logger.info(
            "Churn scores (%s) from %s, run %s: %s received, %s created, %s rejected",
            source,
            user.login,
            shorten(run.run_id),
            run.received_count,
            run.created_count,
            run.rejected_count,
        )
        return run

    @api.model
    def _record_failure(self, source, user, started_at, message, run_id=False):
        """A failed sync run, with the run id only if it is storable text."""
        return self.sudo().create(
            {
                "source": source,
                "user_id": user.id,
                "started_at": started_at,
                "finished_at": fields.Datetime.now(),
                "state": "failed",
                "message": message,
                "run_id": safe_text(run_id, MAX_RUN_ID),
            }
        )

    @api.model
    def _ingest_batch(self, batch, source, user, env, started_at):
        rejected = {index: env._(message, **params) for index, message, params in batch.rejected}
        accepted = self._resolve_partners(batch.rows, user, rejected, env)
        # The sync user has no other right than calling the API: write as superuser.
        created_partners = self.env["crm.churn.score"].sudo()._insert_batch(batch, accepted, user)
        self.env["res.partner"].sudo().browse(created_partners)._refresh_churn_score()
        received = len(batch.rows) + len(batch.rejected)
        run = self.sudo().create(
            {
                "source": source,
                "run_id": batch.run_id,
                "model_version": batch.model_version,
                "user_id": user.id,
                "started_at": started_at,
                "finished_at": fields.Datetime.now(),
                "state": "partial" if rejected else "done",
                "received_count": received,
                "created_count": len(created_partners),
                "unchanged_count": len(accepted) - len(created_partners),
                "rejected_count": len(rejected),
                "errors": [
                    {"index": index, "reason": reason} for index, reason in sorted(rejected.items())
                ],
            }
        )
        self.env.flush_all()
        return run

    @api.model
    def _resolve_partners(self, rows, user, rejected, env):
        """Map each row to the commercial partner it scores, in two queries; record in
        ``rejected`` the rows whose partner is unknown, archived, ambiguous or given twice.
        Returns [(row, partner_id, company_id)].

        A sync user sees only the partners of its companies (and those of no company), like
        Odoo's multi-company rule: a reference is looked up among them only, and a partner of
        another company is answered as an unknown one, whether it exists or is archived."""
        cr = self.env.cr
        visible = SQL(
            "(p.company_id IS NULL OR p.company_id = ANY(%(companies)s))"
            " AND (c.company_id IS NULL OR c.company_id = ANY(%(companies)s))",
            companies=user.company_ids.ids,
        )
        by_id, by_ref = {}, defaultdict(set)
        ids = list({row.partner_id for row in rows if row.partner_id is not None})
        if ids:
            cr.execute(
                SQL(
                    """
                    SELECT p.id, c.id, c.company_id, p.active AND c.active
                      FROM res_partner p JOIN res_partner c ON c.id = p.commercial_partner_id
                     WHERE p.id = ANY(%s) AND %s
                    """,
                    ids,
                    visible,
                )
            )
            by_id = {pid: (cid, company, active) for pid, cid, company, active in cr.fetchall()}
        refs = list({row.partner_ref for row in rows if row.partner_ref is not None})
        if refs:
            cr.execute(
                SQL(
                    """
                    SELECT p.ref, c.id, c.company_id
                      FROM res_partner p JOIN res_partner c ON c.id = p.commercial_partner_id
                     WHERE p.ref = ANY(%s) AND p.active AND c.active AND %s
                    """,
                    refs,
                    visible,
                )
            )
            for ref, cid, company in cr.fetchall():
                by_ref[ref].add((cid, company))
        candidates = []
        for row in rows:
            if row.partner_id is not None:
                found = by_id.get(row.partner_id)
                if not found:
                    rejected[row.index] = env._(
                        "unknown partner %(id)s in the sync user's companies", id=row.partner_id
                    )
                    continue
                cid, company, active = found
                if not active:
                    rejected[row.index] = env._("partner %(id)s is archived", id=row.partner_id)
                    continue
            else:
                matches = by_ref.get(row.partner_ref, set())
                if not matches:
                    rejected[row.index] = env._(
                        "unknown partner_ref %(ref)s in the sync user's companies",
                        ref=row.partner_ref,
                    )
                    continue
                if len(matches) > 1:
                    rejected[row.index] = env._(
                        "partner_ref %(ref)s matches several customers", ref=row.partner_ref
                    )
                    continue
                cid, company = next(iter(matches))
            candidates.append((row, cid, company))
        rows_by_partner = defaultdict(list)
        for row, cid, _company in candidates:
            rows_by_partner[cid].append(row.index)
        accepted = []
        for row, cid, company in candidates:
            indexes = rows_by_partner[cid]
            if len(indexes) > 1:
                rejected[row.index] = env._(
                    "duplicate partner in the batch (rows %(rows)s)",
                    rows=", ".join(map(str, indexes)),
                )
                continue
            accepted.append((row, cid, company))
        return accepted

    # ------------------------------------------------------------------ pull mode

    @api.model
    def _cron_pull_scores(self):
        """Fetch scores from the scoring service configured in Settings, page by page (at most
        the configured number of pages), through the same validation and upsert as the push
        API. Does nothing without a URL. A pull that stops early records why in a failed run."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        url = get_param("crm_churn_score.pull_url")
        if not url:
            return self.browse()
        key = get_param("crm_churn_score.pull_key") or None
        backoff = self._param_number("crm_churn_score.pull_backoff", 1.0, float)
        max_pages = self._param_number("crm_churn_score.pull_max_pages", DEFAULT_MAX_PAGES, int)
        read_timeout = self._param_number("crm_churn_score.pull_timeout", DEFAULT_TIMEOUT[1], float)
        timeout = (min(DEFAULT_TIMEOUT[0], read_timeout), read_timeout)
        user = self.env.user
        runs = self.browse()
        started_at = fields.Datetime.now()
        try:
            for _page, body in fetch_batches(
                url, key, timeout=timeout, backoff=backoff, max_pages=max_pages
            ):
                try:
                    runs |= self._ingest(body, "pull", user)
                except EnvelopeError as error:
                    runs |= error.run  # recorded as failed; the next pages still count
        except PageLimitReached as error:
            message = self.env._(
                "Pull stopped after %(pages)s pages, the limit set in Settings; the scoring "
                "service announced page %(next)s.",
                pages=error.pages,
                next=error.next_page,
            )
            runs |= self._record_failure("pull", user, started_at, message)
        except PullError as error:
            message = self.env._("The scoring service could not be read: %s", str(error))
            runs |= self._record_failure("pull", user, started_at, message)
        return runs

    @api.model
    def _param_number(self, name, default, kind):
        """A positive number from a system parameter, else ``default``."""
        try:
            value = kind(self.env["ir.config_parameter"].sudo().get_param(name, default))
        except ValueError:
            return default
        return value if value > 0 else default

    def action_pull_now(self):
        """Pull now (Settings): administrators only, like the pull settings themselves."""
        if not self.env.user.has_group("base.group_system"):
            raise AccessError(self.env._("Only administrators can pull churn scores."))
        self._cron_pull_scores()
        return self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_score.crm_churn_sync_run_action"
        )
