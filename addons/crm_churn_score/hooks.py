def uninstall_hook(env):
    """Churn follow-up activities make no sense without the addon; removing them lets the
    activity type they use be removed with the addon too."""
    activity_type = env.ref("crm_churn_score.mail_activity_type_churn_followup", False)
    if activity_type:
        env["mail.activity"].search([("activity_type_id", "=", activity_type.id)]).unlink()
