from . import crm_project_stages
