from . import crm_company_scope_mixin
from . import crm_suite_server_fields_mixin
