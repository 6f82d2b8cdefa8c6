/** @odoo-module **/

import { registry } from "@web/core/registry";

/**
 * The sales manager's path (issue #15): the Reporting menu → Sales Forecast → switching the
 * period type keeps today → the lost deals and the Target open their records → Forecast
 * Analysis opens on the same period and scope, with the same Target and Gap - from the
 * dashboard and from the menu.
 */
const today = new Date();
const year = today.getFullYear();
const quarter = `${year}-Q${Math.floor(today.getMonth() / 3) + 1}`;
const month = today.toLocaleString("en-US", { month: "long" });
const seen = {};

/** An amount as the screen shows it ("$ 2,500.00", "-1,000.00") as a number. */
function amount(text) {
    return parseFloat(text.replace(/[^\d.-]/g, ""));
}

function figure(key) {
    return amount(document.querySelector(`.o_forecast_figure_${key} .o_forecast_amount`).textContent);
}

/** The grand totals of the pivot, by measure: the measures of the last column group (the
 * total) in the first row (the total). */
function pivotTotals() {
    const measures = [...document.querySelectorAll(".o_pivot thead .o_pivot_measure_row")];
    const cells = [...document.querySelectorAll(".o_pivot tbody tr:first-child .o_pivot_cell_value")];
    const totals = {};
    measures.forEach((measure, index) => {
        totals[measure.textContent.trim()] = amount(cells[index].textContent);
    });
    return totals;
}

function rememberFigures(name) {
    return {
        content: `Note the Target and the Gap of the dashboard (${name})`,
        trigger: ".o_forecast_figure_target .o_forecast_amount",
        run() {
            seen[name] = { target: figure("target"), gap: figure("gap") };
        },
    };
}

function pivotAgrees(name) {
    return {
        content: `Forecast Analysis shows the dashboard's Target and Gap (${name})`,
        trigger: ".o_pivot .o_pivot_cell_value .o_value",
        run() {
            const totals = pivotTotals();
            const expected = seen[name];
            if (totals["Target"] !== expected.target || totals["Gap to Target"] !== expected.gap) {
                throw new Error(
                    `Forecast Analysis ${JSON.stringify(totals)} is not the dashboard ${JSON.stringify(expected)}`
                );
            }
        },
    };
}

function openReporting(item) {
    return [
        {
            content: "Open the Reporting menu",
            trigger: ".o_menu_sections button[data-menu-xmlid='crm.crm_menu_report']",
            run: "click",
        },
        {
            content: "The forecast has a section of its own; Odoo's Forecast stays",
            trigger: ".dropdown-menu_group:contains('Targets and Forecast')",
        },
        {
            trigger: ".dropdown-item[data-menu-xmlid='crm.crm_menu_forecast']",
        },
        {
            trigger: `.dropdown-item[data-menu-xmlid='crm_project_forecast.${item}']`,
            run: "click",
        },
    ];
}

function back(name) {
    return {
        content: "Back to the dashboard",
        trigger: `.o_breadcrumb .breadcrumb-item a:contains('${name}')`,
        run: "click",
    };
}

registry.category("web_tour.tours").add("crm_project_forecast_manager_tour", {
    steps: () => [
        ...openReporting("crm_forecast_dashboard_menu"),
        {
            content: "The dashboard opens on the current quarter",
            trigger: `.o_crm_forecast_dashboard .o_forecast_period:contains('${quarter}')`,
        },
        {
            content: "Its sections arrive after the figures",
            trigger: ".o_forecast_funnel, .o_forecast_cost",
        },
        rememberFigures("all teams"),
        {
            content: "Only the Tour Team",
            trigger: ".o_forecast_team",
            run: "selectByLabel Tour Team",
        },
        {
            content: "The deal won today is closed won",
            trigger: ".o_forecast_figure_won .o_forecast_amount:contains('4,000')",
        },
        {
            content: "Switch to months",
            trigger: ".o_forecast_period_type",
            run: "select month",
        },
        {
            content: "The month of today, by its name, with today's won deal",
            trigger: `.o_forecast_period:contains('${month} ${year}')`,
        },
        {
            trigger: ".o_forecast_figure_won .o_forecast_amount:contains('4,000')",
        },
        {
            content: "Switch to years",
            trigger: ".o_forecast_period_type",
            run: "select year",
        },
        {
            trigger: `.o_forecast_period:contains('${year}'):not(:contains('Q')):not(:contains('${month}'))`,
        },
        {
            content: "Back to quarters: this quarter, not the first",
            trigger: ".o_forecast_period_type",
            run: "select quarter",
        },
        {
            trigger: `.o_forecast_period:contains('${quarter}')`,
        },
        {
            content: "The overdue deal's closing date in the user's date format",
            trigger: ".o_forecast_risk tr:contains('Tour Overdue Deal') .o_forecast_date_deadline:contains('03/07/2020')",
        },
        {
            content: "Open the deals lost for a reason",
            trigger: ".o_forecast_lost_row:contains('Tour reason')",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Lost Deal')",
        },
        back("Sales Forecast"),
        {
            content: "Open the targets behind the Target",
            trigger: ".o_forecast_figure_target",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('Tour Team'):contains('20,000')",
        },
        back("Sales Forecast"),
        {
            content: "The period and the team are kept",
            trigger: `.o_forecast_period:contains('${quarter}')`,
        },
        {
            trigger: ".o_forecast_figure_won .o_forecast_amount:contains('4,000')",
        },
        rememberFigures("Tour Team"),
        {
            content: "Open Forecast Analysis from the dashboard",
            trigger: ".o_forecast_analysis",
            run: "click",
        },
        {
            trigger: `.o_breadcrumb:contains('Forecast Analysis: ${quarter}, Tour Team')`,
        },
        pivotAgrees("Tour Team"),
        ...openReporting("crm_forecast_report_menu"),
        {
            content: "From the menu: the dashboard's default period and scope",
            trigger: `.o_breadcrumb:contains('Forecast Analysis: ${quarter}'):not(:contains('Tour Team'))`,
        },
        pivotAgrees("all teams"),
    ],
});
