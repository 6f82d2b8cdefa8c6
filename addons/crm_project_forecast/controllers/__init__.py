from . import crm_project_forecast
