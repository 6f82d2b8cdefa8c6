from odoo import fields, models

from .crm_churn_score import RISK_LEVELS


class ResPartner(models.Model):
    _inherit = "res.partner"

    churn_score = fields.Float(
        string="Churn Score", digits=(5, 1), readonly=True, help="Latest churn risk score (0-100)."
    )
    churn_risk = fields.Selection(RISK_LEVELS, string="Churn Risk", readonly=True, index=True)
    churn_scored_at = fields.Datetime(string="Churn Scored On", readonly=True)
    churn_model_version = fields.Char(string="Churn Model Version", readonly=True)
    churn_score_change = fields.Float(
        string="Churn Score Change",
        digits=(5, 1),
        readonly=True,
        help="Change of the latest score against the previous one.",
    )
    churn_score_ids = fields.One2many("crm.churn.score", "partner_id", string="Churn Scores")
    company_churn_score = fields.Float(
        string="Company Churn Score",
        related="commercial_partner_id.churn_score",
        digits=(5, 1),
    )
    company_churn_risk = fields.Selection(
        string="Company Churn Risk", related="commercial_partner_id.churn_risk"
    )

    def _update_current_churn_score(self):
        """Set each partner's current score from its two latest scores, in one statement
        whatever the number of partners (a sync run touches thousands)."""
        if not self:
            return
        self.env["crm.churn.score"].flush_model()
        self.env.cr.execute(
            """
            UPDATE res_partner p
               SET churn_score = r.score,
                   churn_risk = r.risk,
                   churn_scored_at = r.scored_at,
                   churn_model_version = r.model_version,
                   churn_score_change = COALESCE(r.score - r.previous, 0)
              FROM (
                SELECT partner_id, score, risk, scored_at, model_version,
                       lead(score) OVER w AS previous,
                       row_number() OVER w AS rank
                  FROM crm_churn_score
                 WHERE partner_id IN %s
                WINDOW w AS (PARTITION BY partner_id ORDER BY scored_at DESC, id DESC)
              ) r
             WHERE r.partner_id = p.id AND r.rank = 1
            """,
            [tuple(self.ids)],
        )
        self.invalidate_recordset(
            [
                "churn_score",
                "churn_risk",
                "churn_scored_at",
                "churn_model_version",
                "churn_score_change",
            ]
        )
