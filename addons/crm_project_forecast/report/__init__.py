from . import crm_forecast_report
from . import crm_selling_cost_report
from . import crm_forecast_dashboard
