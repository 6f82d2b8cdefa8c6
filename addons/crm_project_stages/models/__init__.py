from . import crm_stage
from . import crm_phase_checklist_item
from . import crm_lead_checklist_line
from . import crm_lead_phase_history
from . import crm_lead_problem
from . import crm_lead
from . import res_partner
from . import res_config_settings
