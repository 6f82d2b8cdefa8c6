import functools
import json

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.osv import expression

RISK_LEVELS = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
DEFAULT_THRESHOLDS = {"medium": 40.0, "high": 70.0}
# What the customer's current score is made of.
CURRENT_FIELDS = {"partner_id", "score", "risk", "drivers", "model_version", "scored_at"}


class CrmChurnScore(models.Model):
    _name = "crm.churn.score"
    _description = "Churn Score"
    _order = "scored_at desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('is_company', '=', True)]",
    )
    score = fields.Float(required=True, digits=(5, 1), aggregator="avg")
    risk = fields.Selection(RISK_LEVELS, required=True, index=True)
    drivers = fields.Json(
        help="Reasons behind the score: [{feature, label, impact}], strongest first."
    )
    drivers_text = fields.Text(string="Reasons", compute="_compute_drivers_text")
    model_version = fields.Char(string="Model Version")
    scored_at = fields.Datetime(string="Scored On", required=True, index=True)
    run_id = fields.Char(string="Scoring Run", index=True)
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True)

    _sql_constraints = [
        (
            "score_range",
            "CHECK(score >= 0 AND score <= 100)",
            "A churn score lies between 0 and 100.",
        ),
        # Run ids are the sender's: two sync users (of two companies) may use the same one.
        (
            "partner_run_unique",
            "UNIQUE(partner_id, run_id, create_uid)",
            "A scoring run of a sync user gives a customer one score.",
        ),
    ]

    @api.depends("drivers")
    def _compute_drivers_text(self):
        for score in self:
            score.drivers_text = self._format_drivers(score.drivers)

    # ------------------------------------------------------------------ access

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        # A customer's history is seen by whoever may read the customer: the rules of contacts
        # decide (a deployment's own included), as for the score on the customer and the deal.
        if not self.env.su:
            readable = self.env["res.partner"].with_context(active_test=False)._search([])
            domain = expression.AND([domain or [], [("partner_id", "in", readable)]])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    def _check_access(self, operation):
        """The history of a customer the user may not read is theirs to read, change or delete
        neither (the rules of contacts decide), whatever the rules of the history say."""
        result = super()._check_access(operation)
        if result is not None or self.env.su or not any(self._ids):
            return result
        customer_of = {score.id: score.partner_id.id for score in self.sudo() if score.id}
        readable = self.env["res.partner"].browse(set(customer_of.values()))._readable_ids()
        forbidden = self.browse(
            [score_id for score_id, partner_id in customer_of.items() if partner_id not in readable]
        )
        if forbidden:
            Rule = self.env["ir.rule"]
            return forbidden, functools.partial(Rule._make_access_error, operation, forbidden)
        return None

    @api.model
    def _format_drivers(self, drivers, limit=5):
        """The strongest reasons as lines "label (+impact)"."""
        return "\n".join(
            f"{driver.get('label') or driver.get('feature')} ({driver.get('impact', 0):+.1f})"
            for driver in (drivers or [])[:limit]
            if isinstance(driver, dict)
        )

    @api.constrains("partner_id")
    def _check_partner_is_commercial(self):
        for score in self:
            if score.partner_id != score.partner_id.commercial_partner_id:
                raise ValidationError(
                    _(
                        "Churn scores belong to the customer company: score %(company)s, "
                        "not its contact %(contact)s.",
                        company=score.partner_id.commercial_partner_id.display_name,
                        contact=score.partner_id.display_name,
                    )
                )

    @api.model
    def _get_thresholds(self):
        get_param = self.env["ir.config_parameter"].sudo().get_param
        thresholds = {}
        for level, default in DEFAULT_THRESHOLDS.items():
            try:
                thresholds[level] = float(get_param(f"crm_churn_score.threshold_{level}", default))
            except ValueError:
                thresholds[level] = default
        return thresholds

    @api.model
    def _risk_for(self, score, thresholds=None):
        thresholds = thresholds or self._get_thresholds()
        if score >= thresholds["high"]:
            return "high"
        if score >= thresholds["medium"]:
            return "medium"
        return "low"

    @api.model_create_multi
    def create(self, vals_list):
        thresholds = self._get_thresholds()
        for vals in vals_list:
            if not vals.get("risk") and vals.get("score") is not None:
                vals["risk"] = self._risk_for(vals["score"], thresholds)
        scores = super().create(vals_list)
        scores.partner_id._refresh_churn_score()
        return scores

    def write(self, vals):
        if "score" in vals and "risk" not in vals and vals["score"] is not None:
            vals = dict(vals, risk=self._risk_for(vals["score"]))
        partners = self.partner_id
        result = super().write(vals)
        if CURRENT_FIELDS & set(vals):
            (partners | self.partner_id)._refresh_churn_score()
        return result

    def unlink(self):
        """The customer moves back to its previous score (or to none)."""
        partners = self.partner_id
        result = super().unlink()
        partners.exists()._refresh_churn_score()
        return result

    @api.model
    def _insert_batch(self, batch, accepted, user):
        """Insert the accepted rows of a batch in one statement; a row already received for
        the same partner and run from the same sync user is left alone (a re-sent run changes
        nothing). Returns the ids of the partners that got a new score."""
        if not accepted:
            return []
        thresholds = self._get_thresholds()
        # Lock the customers first, in id order: two batches for the same customers then queue
        # instead of deadlocking on the foreign-key locks the inserts take. The one that waited
        # fails to serialize and is run again (see the push API): expected, so not logged as an
        # error (nor is the statement, which holds the whole batch).
        self.env.cr.execute(
            "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
            [sorted({partner_id for _row, partner_id, _company in accepted})],
            log_exceptions=False,
        )
        self.env.cr.execute(
            """
            INSERT INTO crm_churn_score
                   (partner_id, score, risk, drivers, model_version, scored_at, run_id,
                    company_id, create_uid, write_uid, create_date, write_date)
            SELECT u.partner_id, u.score, u.risk, u.drivers::jsonb, %(version)s, %(scored_at)s,
                   %(run_id)s, u.company_id, %(uid)s, %(uid)s,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM unnest(%(partners)s::int[], %(scores)s::numeric[], %(risks)s::varchar[],
                          %(drivers)s::text[], %(companies)s::int[])
                   AS u(partner_id, score, risk, drivers, company_id)
            ON CONFLICT (partner_id, run_id, create_uid) DO NOTHING
            RETURNING partner_id
            """,
            {
                "version": batch.model_version,
                "scored_at": batch.scored_at,
                "run_id": batch.run_id,
                "uid": user.id,
                "partners": [partner_id for _row, partner_id, _company in accepted],
                "scores": [row.score for row, _partner, _company in accepted],
                "risks": [self._risk_for(row.score, thresholds) for row, _p, _c in accepted],
                "drivers": [json.dumps(row.drivers) for row, _partner, _company in accepted],
                "companies": [company for _row, _partner, company in accepted],
            },
            log_exceptions=False,
        )
        created = [partner_id for (partner_id,) in self.env.cr.fetchall()]
        self.invalidate_model()
        return created
