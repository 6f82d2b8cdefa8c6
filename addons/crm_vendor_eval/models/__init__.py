from . import crm_vendor_eval_template
from . import crm_vendor_evaluation
from . import crm_vendor_eval_assignment
from . import crm_vendor_eval_score
from . import crm_vendor_eval_offer
from . import crm_vendor_eval_result
from . import res_partner
