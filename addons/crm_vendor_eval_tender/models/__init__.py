from . import crm_vendor_evaluation
