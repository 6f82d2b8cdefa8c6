"""The services of the Sales Forecast dashboard (``crm.forecast.dashboard`` is their facade):
plain Python over the ORM, reachable by no client. Each reads one ``ForecastParams``."""

from .cost import ForecastCost
from .export import ForecastExport
from .figures import LEAD_FIGURES, ForecastFigures
from .funnel import ForecastFunnel
from .movement import ForecastMovement
from .params import ForecastParams, check_finite, not_finite_message
from .risk import ForecastRisk

__all__ = [
    "LEAD_FIGURES",
    "ForecastCost",
    "ForecastExport",
    "ForecastFigures",
    "ForecastFunnel",
    "ForecastMovement",
    "ForecastParams",
    "ForecastRisk",
    "check_finite",
    "not_finite_message",
]
