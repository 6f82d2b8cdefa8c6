from . import crm_churn_score
