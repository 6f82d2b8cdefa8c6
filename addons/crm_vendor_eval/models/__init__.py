from . import crm_vendor_evaluation
from . import res_partner
