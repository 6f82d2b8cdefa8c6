from odoo import api, fields, models

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
    churn_drivers = fields.Json(
        string="Churn Drivers", readonly=True, help="Reasons behind the current score."
    )
    churn_drivers_text = fields.Text(string="Churn Reasons", compute="_compute_churn_drivers_text")
    churn_score_ids = fields.One2many("crm.churn.score", "partner_id", string="Churn Scores")
    company_churn_score = fields.Float(
        string="Company Churn Score",
        related="commercial_partner_id.churn_score",
        digits=(5, 1),
    )
    company_churn_risk = fields.Selection(
        string="Company Churn Risk", related="commercial_partner_id.churn_risk"
    )

    @api.depends("commercial_partner_id.churn_drivers")
    def _compute_churn_drivers_text(self):
        for partner in self:
            partner.churn_drivers_text = self.env["crm.churn.score"]._format_drivers(
                partner.commercial_partner_id.churn_drivers
            )

    def action_view_churn_trend(self):
        """The customer's churn scores over time, as a line graph."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_churn_score.crm_churn_score_action"
        )
        action.update(
            {
                "name": self.env._("Churn Trend: %s", self.commercial_partner_id.display_name),
                "domain": [("partner_id", "=", self.commercial_partner_id.id)],
                "view_mode": "graph,list",
                "views": [(False, "graph"), (False, "list")],
                "context": {},
            }
        )
        return action

    def _update_current_churn_score(self):
        """Set each partner's current score, risk, reasons and change from its two latest
        scores, in one statement whatever the number of partners (a sync touches thousands).
        A late score older than the current one stays in the history only.

        Returns the partners whose risk has just risen to high."""
        if not self:
            return self.browse()
        self.env["crm.churn.score"].flush_model()
        self.flush_model()
        self.env.cr.execute(
            """
            WITH ranked AS (
                SELECT partner_id, score, risk, scored_at, model_version, drivers,
                       lead(score) OVER w AS previous,
                       row_number() OVER w AS rank
                  FROM crm_churn_score
                 WHERE partner_id = ANY(%(ids)s)
                WINDOW w AS (PARTITION BY partner_id ORDER BY scored_at DESC, id DESC)
            ), old AS (
                SELECT id, churn_risk FROM res_partner WHERE id = ANY(%(ids)s)
            )
            UPDATE res_partner p
               SET churn_score = r.score,
                   churn_risk = r.risk,
                   churn_scored_at = r.scored_at,
                   churn_model_version = r.model_version,
                   churn_drivers = r.drivers,
                   churn_score_change = COALESCE(r.score - r.previous, 0)
              FROM ranked r, old o
             WHERE r.partner_id = p.id AND r.rank = 1 AND o.id = p.id
            RETURNING p.id, o.churn_risk, p.churn_risk
            """,
            {"ids": self.ids},
        )
        risen = [pid for pid, old, new in self.env.cr.fetchall() if new == "high" and old != "high"]
        self.invalidate_recordset(
            [
                "churn_score",
                "churn_risk",
                "churn_scored_at",
                "churn_model_version",
                "churn_drivers",
                "churn_score_change",
            ]
        )
        return self.browse(risen)

    def _get_churn_followup_users(self):
        """{partner id: user} who follows up a customer at risk: its salesperson, else the
        salesperson of its latest opportunity."""
        users = {partner.id: partner.user_id for partner in self if partner.user_id}
        missing = self.filtered(lambda partner: partner.id not in users)
        if missing:
            latest = self.env["crm.lead"]._read_group(
                [("partner_id", "child_of", missing.ids), ("user_id", "!=", False)],
                ["partner_id"],
                ["id:max"],
            )
            lead_ids = [lead_id for _partner, lead_id in latest]
            for lead in self.env["crm.lead"].browse(lead_ids):
                users.setdefault(lead.partner_id.commercial_partner_id.id, lead.user_id)
        return users

    def _schedule_churn_followup(self):
        """One follow-up activity for the salesperson of each customer whose risk has just risen
        to high (Settings: on/off, activity type, days), unless one is already open."""
        get_param = self.env["ir.config_parameter"].sudo().get_param
        if not self or get_param("crm_churn_score.followup_enabled", "True") in ("False", "0", ""):
            return self.env["mail.activity"]
        activity_type = self.env["mail.activity.type"].browse(
            int(get_param("crm_churn_score.followup_activity_type_id", "0") or 0)
        ).exists() or self.env.ref("crm_churn_score.mail_activity_type_churn_followup")
        days = int(get_param("crm_churn_score.followup_days", "3") or 3)
        Activity = self.env["mail.activity"].sudo()
        already = set(
            Activity.search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            ).mapped("res_id")
        )
        users = self._get_churn_followup_users()
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.add(fields.Date.context_today(self), days=days)
        return Activity.create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": users[partner.id].id,
                    "date_deadline": deadline,
                    "summary": self.env._(
                        "Churn risk is high (%s): call the customer", partner.churn_score
                    ),
                    "note": partner.churn_drivers_text,
                }
                for partner in self
                if partner.id not in already and partner.id in users
            ]
        )
