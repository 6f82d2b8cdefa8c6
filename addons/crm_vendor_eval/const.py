"""Names shared by several files of the addon."""

MANAGER_GROUP = "crm_vendor_eval.crm_vendor_eval_group_manager"
SCORING_ACTIVITY = "crm_vendor_eval.mail_activity_type_vendor_scoring"
