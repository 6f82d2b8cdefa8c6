from odoo import fields, models
from odoo.exceptions import AccessError

from ..client import DEFAULT_MAX_PAGES


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
    # The pull settings are administrators' (the key is write-only: once saved it never
    # leaves the server; get_values, and so default_get, return only whether one is set).
    churn_pull_url = fields.Char(
        string="Scoring service URL",
        groups="base.group_system",
        help="Leave empty when the scoring job pushes its scores to Odoo.",
    )
    churn_pull_key = fields.Char(
        string="Scoring service key",
        groups="base.group_system",
        help="Sent as 'Authorization: Bearer <key>'. Once saved it is never shown again: type a "
        "new one to replace it.",
    )
    churn_pull_key_set = fields.Boolean(string="Scoring service key saved")
    churn_pull_max_pages = fields.Integer(
        string="Pages per pull",
        config_parameter="crm_churn_score.pull_max_pages",
        default=DEFAULT_MAX_PAGES,
        help="A pull stops after this many pages and records why.",
    )

    def _is_system(self):
        return self.env.su or self.env.user.has_group("base.group_system")

    def get_values(self):
        values = super().get_values()
        get_param = self.env["ir.config_parameter"].sudo().get_param
        values["churn_pull_key_set"] = bool(get_param("crm_churn_score.pull_key"))
        values["churn_pull_url"] = self._is_system() and get_param("crm_churn_score.pull_url")
        return values

    def set_values(self):
        super().set_values()
        if not self._is_system():
            return
        set_param = self.env["ir.config_parameter"].sudo().set_param
        set_param("crm_churn_score.pull_url", (self.churn_pull_url or "").strip() or False)
        if (self.churn_pull_key or "").strip():
            set_param("crm_churn_score.pull_key", self.churn_pull_key.strip())
            # Not even the settings record keeps it.
            self.churn_pull_key = False

    def action_churn_clear_pull_key(self):
        """Forget the saved key (administrators)."""
        if not self._is_system():
            raise AccessError(self.env._("Only administrators can change the pull settings."))
        self.env["ir.config_parameter"].sudo().set_param("crm_churn_score.pull_key", False)
        self.churn_pull_key_set = False

    def action_churn_pull_now(self):
        self.execute()
        return self.env["crm.churn.sync.run"].action_pull_now()
