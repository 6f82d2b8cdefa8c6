/** @odoo-module **/

import { registry } from "@web/core/registry";

const STAT = (name) => `.o_form_view .o-form-buttonbox button[name=${name}]`;
const PHASE_LIST = (name) => `.o_form_view div[name=phase_lists] button[name=${name}]`;

/** A rep enters a selling expense from the opportunity form (Selling Expenses, one click) and
 * finds it in the cost of selling of the opportunity. */
registry.category("web_tour.tours").add("crm_project_forecast_expenses_tour", {
    steps: () => [
        {
            content: "Open the selling expenses of the opportunity from its phases tab",
            trigger: ".o_notebook a.nav-link:contains('Project Phases')",
            run: "click",
        },
        {
            trigger: `${PHASE_LIST("action_open_selling_expenses")}:contains('Selling Expenses')`,
            run: "click",
        },
        {
            content: "Add an expense",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=name] input",
            run: "edit Taxi to the customer",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=cost_type] select",
            run: 'select "travel"',
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=amount] input",
            run: "edit 42",
        },
        {
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The list adds the expenses up",
            trigger: ".o_list_view:not(:has(.o_selected_row)) tfoot:contains('42.00')",
        },
        {
            content: "Back to the opportunity",
            trigger: ".breadcrumb-item a:contains('Expense Deal')",
            run: "click",
        },
        {
            content: "Open the cost of selling of the opportunity",
            trigger: `${STAT("action_open_selling_cost")}:contains('Selling Cost')`,
            run: "click",
        },
        {
            content: "The expense counts in it",
            trigger: ".o_list_view .o_data_row:contains('Taxi to the customer'):contains('42.00')",
        },
    ],
});
