/** @odoo-module **/

import { registry } from "@web/core/registry";

const year = new Date().getFullYear();

registry.category("web_tour.tours").add("crm_project_forecast_tour", {
    steps: () => [
        {
            content: "The dashboard opens on the current quarter",
            trigger: `.o_crm_forecast_dashboard .o_forecast_period:contains('${year}-Q')`,
        },
        {
            content: "Show the whole year",
            trigger: ".o_forecast_period_type",
            run: "select year",
        },
        {
            trigger: `.o_forecast_period:contains('${year}'):not(:contains('Q'))`,
        },
        {
            content: "Next year",
            trigger: ".o_forecast_next",
            run: "click",
        },
        {
            trigger: `.o_forecast_period:contains('${year + 1}')`,
        },
        {
            content: "Back to this year",
            trigger: ".o_forecast_previous",
            run: "click",
        },
        {
            trigger: `.o_forecast_period:contains('${year}'):not(:contains('${year + 1}'))`,
        },
        {
            content: "Only the Tour Team",
            trigger: ".o_forecast_team",
            run: "selectByLabel Tour Team",
        },
        {
            content: "The team's won deal is closed won",
            trigger: ".o_forecast_figure_won .o_forecast_amount:contains('4,000')",
        },
        {
            content: "Drill down into the commit figure",
            trigger: ".o_forecast_figure_commit",
            run: "click",
        },
        {
            content: "The opportunities behind the figure",
            trigger: ".o_list_view .o_data_row:contains('Tour Commit Deal')",
        },
        {
            trigger: ".o_list_view:not(:has(.o_data_row:contains('Tour Won Deal')))",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Sales Forecast')",
            run: "click",
        },
        {
            content: "The period and the team are kept",
            trigger: `.o_forecast_period:contains('${year}'):not(:contains('Q'))`,
        },
        {
            trigger: ".o_forecast_figure_won .o_forecast_amount:contains('4,000')",
        },
        {
            content: "Download the Excel workbook",
            trigger: ".o_forecast_export",
            run: "click",
        },
        {
            content: "The workbook was downloaded",
            trigger: ".o_notification:contains('.xlsx')",
        },
    ],
});
