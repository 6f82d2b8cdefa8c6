from . import crm_churn_score
from . import res_partner
