from . import crm_churn_score
from . import crm_churn_sync_run
from . import res_partner
from . import crm_lead
from . import res_config_settings
from . import base_partner_merge_automatic_wizard
