from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    churn_threshold_medium = fields.Float(
        string="Medium risk from",
        config_parameter="crm_churn_score.threshold_medium",
        default=40.0,
    )
    churn_threshold_high = fields.Float(
        string="High risk from",
        config_parameter="crm_churn_score.threshold_high",
        default=70.0,
    )
    churn_followup_enabled = fields.Boolean(
        string="Follow up customers at high risk",
        config_parameter="crm_churn_score.followup_enabled",
        default=True,
    )
    churn_followup_activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Follow-up activity",
        config_parameter="crm_churn_score.followup_activity_type_id",
    )
    churn_followup_days = fields.Integer(
        string="Follow-up due in (days)",
        config_parameter="crm_churn_score.followup_days",
        default=3,
    )
    churn_pull_url = fields.Char(
        string="Scoring service URL",
        config_parameter="crm_churn_score.pull_url",
        help="Leave empty when the scoring job pushes its scores to Odoo.",
    )
    churn_pull_key = fields.Char(
        string="Scoring service key",
        config_parameter="crm_churn_score.pull_key",
        groups="base.group_system",
    )

    def action_churn_pull_now(self):
        self.execute()
        return self.env["crm.churn.sync.run"].action_pull_now()
