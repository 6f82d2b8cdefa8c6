from . import crm_vendor_eval_submit
