from . import crm_suite_server_fields_mixin
