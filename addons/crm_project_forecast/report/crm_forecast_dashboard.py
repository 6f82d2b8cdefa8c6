import os
import shutil
import tempfile

from odoo import api, models
from odoo.addons.crm_suite_base.xlsx import Currency
from odoo.exceptions import UserError

from .. import forecast_xlsx
from ..services import (
    LEAD_FIGURES,
    ForecastCost,
    ForecastExport,
    ForecastFigures,
    ForecastFunnel,
    ForecastMovement,
    ForecastParams,
    ForecastRisk,
    check_finite,
)
from ..services.labels import dashboard_labels, figure_labels, workbook_labels

# The parts of the dashboard, each loaded by a call of its own (the figures first).
SECTIONS = ("figures", "funnel", "risk", "movement", "cost")


def lost_row_domain(row):
    """A line of the lost deals: its phase and lost reason (false: none)."""
    return [
        (field, "=", row[key] or False)
        for key, field in (("phase_id", "phase_id"), ("lost_reason_id", "lost_reason_id"))
        if key in row
    ]


class CrmForecastDashboard(models.AbstractModel):
    """The sales manager's forecast: figures against targets for a period, the funnel, the
    deals at risk, the movement since a snapshot and the cost of selling, for the screen
    (``get_dashboard_data``), its drill-downs (``action_drill``) and the Excel workbook
    (``_export_xlsx``, served by the download route only). A facade over the services of
    ``..services``: the parameters are checked once (``ForecastParams``), every figure is
    aggregated in SQL through the ORM (record rules apply: a salesperson sees their own) and
    every amount is finite before anything is answered. Nothing here writes: the dashboard
    runs on Odoo's read-only cursor (a read replica when one is configured)."""

    _name = "crm.forecast.dashboard"
    _description = "Sales Forecast Dashboard"

    # ------------------------------------------------------------------ entry points

    @api.readonly
    @api.model
    def get_dashboard_data(self, params=None, sections=None):
        """The dashboard of ``params``: every section, or those of ``sections`` (a list of
        ``SECTIONS``): the screen asks first for its figures, then for each other section in
        a call of its own, and shows each as it arrives."""
        params = ForecastParams.parse(self.env, params)
        if sections is None:
            sections = SECTIONS
        elif not isinstance(sections, list) or not all(
            isinstance(section, str) and section in SECTIONS for section in sections
        ):
            raise UserError(
                self.env._(
                    "Unknown dashboard sections: %(given)s (known: %(known)s).",
                    given=str(sections)[:80],
                    known=", ".join(SECTIONS),
                )
            )
        return check_finite(self.env, self._dashboard_data(params, limit=50, sections=sections))

    @api.readonly
    @api.model
    def action_drill(self, params, figure, row=None):
        """The records behind one figure of the dashboard: ``figure`` is a forecast figure
        (won, commit, best_case, pipeline, weighted, forecast, undated, at_risk), ``target``
        (the sales targets counted), ``gap`` or ``analysis`` (*Forecast Analysis* on the same
        period and scope), ``funnel``, ``lost``, ``movement`` or ``cost``; ``row`` narrows it
        to one line of a table (team_id, user_id, phase_id, lost_reason_id and kind, movement
        type)."""
        params = ForecastParams.parse(self.env, params)
        row = ForecastParams.parse_row(self.env, row)
        if not isinstance(figure, str):
            raise UserError(self.env._("Unknown figure: %s", str(figure)[:40]))
        if figure == "funnel":
            return ForecastFunnel(self.env, params).drill(row)
        if figure == "lost":
            domain = [*ForecastFunnel(self.env, params).lost_domain(), *lost_row_domain(row)]
            return self._lead_action(self.env._("Lost in the period"), domain)
        if figure == "cost":
            return ForecastCost(self.env, params).drill(row)
        if figure == "movement":
            domain, name = ForecastMovement(self.env, params).drill(row)
            return self._lead_action(name, domain)
        figures = ForecastFigures(self.env, params)
        if figure == "target":
            return figures.targets_action(row)
        if figure in ("gap", "analysis"):
            return figures.analysis_action(row)
        if figure not in LEAD_FIGURES:
            raise UserError(self.env._("Unknown figure: %s", figure))
        domain = figures.lead_domain(figure, row)
        return self._lead_action(figure_labels(self.env)[figure], domain)

    @api.model
    def _export_xlsx(self, params=None):
        """The forecast workbook: (file name, binary file open on it, size). Only the download
        route calls it. The workbook is built in a temporary directory that is removed before
        returning, whatever happens: the open file keeps its content until the route's
        response closes it, and nothing stays on disk. Every amount of the dashboard is finite
        (checked) before a cell is written."""
        params = ForecastParams.parse(self.env, params)
        data = check_finite(self.env, self._dashboard_data(params, limit=None))
        export = ForecastExport(self.env, params, ForecastFigures(self.env, params))
        directory = tempfile.mkdtemp(prefix="crm_forecast_")
        currency = self.env.company.currency_id
        try:
            path = os.path.join(directory, "forecast.xlsx")
            forecast_xlsx.write_forecast_workbook(
                path,
                data,
                workbook_labels(self.env, params),
                detail_rows=export.detail_rows(),
                risk_rows=export.risk_rows(),
                movement_rows=data["movement"]["lines"],
                currency=Currency(currency.symbol, currency.position, currency.decimal_places),
                tmpdir=directory,
            )
            handle = open(path, "rb")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        filename = self.env._("Sales forecast %s.xlsx", data["period"]["label"])
        return filename, handle, os.fstat(handle.fileno()).st_size

    # ------------------------------------------------------------------ the parts

    @api.model
    def _dashboard_data(self, params, limit, sections=SECTIONS):
        """What the dashboard shows of ``sections``; ``limit`` bounds the listed movement
        lines (None: all of them, for the workbook)."""
        figures = ForecastFigures(self.env, params)
        data = {}
        forecast = None
        if "figures" in sections:
            forecast = figures.forecast()
            data.update(
                params=params.to_json(),
                period=params.period_info(),
                currency_id=self.env.company.currency_id.id,
                choices=self._get_choices(),
                labels=dashboard_labels(self.env),
                **forecast,
            )
        if "funnel" in sections:
            funnel = ForecastFunnel(self.env, params)
            data.update(funnel=funnel.rows(), lost_by_phase=funnel.lost())
        if "risk" in sections:
            data["risk"] = ForecastRisk(self.env, params, figures).deals(limit=50)
        if "movement" in sections:
            data["movement"] = ForecastMovement(self.env, params).compare(limit=limit)
        if "cost" in sections:
            won_rows = forecast["by_team"] if forecast else figures.won_by_team()
            data["selling_cost"] = ForecastCost(self.env, params).by_team(won_rows)
        return data

    @api.model
    def _get_choices(self):
        teams = self.env["crm.team"].search_fetch([], ["name"], order="sequence, name")
        users = self.env["res.users"].search_fetch(
            [
                ("share", "=", False),
                ("groups_id", "in", self.env.ref("sales_team.group_sale_salesman").ids),
            ],
            ["name"],
            order="name",
        )
        snapshots = self.env["crm.forecast.snapshot"].search_fetch(
            [], ["name", "date", "company_id"], limit=30
        )
        return {
            "teams": [{"id": team.id, "name": team.name} for team in teams],
            "users": [{"id": user.id, "name": user.name} for user in users],
            "snapshots": [
                {"id": snap.id, "name": f"{snap.name} ({snap.company_id.name})"}
                for snap in snapshots
            ],
        }

    @api.model
    def _lead_action(self, name, domain):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "crm.lead",
            "views": [
                (self.env.ref("crm_project_forecast.crm_lead_view_list_forecast").id, "list"),
                (False, "form"),
            ],
            "domain": domain,
            "context": {"active_test": False, "create": False},
            "target": "current",
        }
