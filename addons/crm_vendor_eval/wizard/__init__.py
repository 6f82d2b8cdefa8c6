from . import crm_vendor_eval_submit
from . import base_partner_merge
