/** @odoo-module **/

import { registry } from "@web/core/registry";

const STAT = (name) => `.o_form_view .o-form-buttonbox button[name=${name}]`;
const PHASE_LIST = (name) => `.o_form_view div[name=phase_lists] button[name=${name}]`;

/** A rep's opportunity form: the checklist of the phase on the form, the problems and the phase
 * history one click away (buttons opening lists of their own). */
registry.category("web_tour.tours").add("crm_project_stages_form_tour", {
    steps: () => [
        {
            content: "Open the phases tab of the opportunity",
            trigger: ".o_notebook a.nav-link:contains('Project Phases')",
            run: "click",
        },
        {
            content: "The checklist of the phase is on the form",
            trigger: ".o_field_widget[name=checklist_line_ids] .o_data_row:contains('Decision makers identified'):contains('Contact')",
        },
        {
            content: "Open the problems of the opportunity",
            trigger: `${STAT("action_open_problems")}:contains('Problems')`,
            run: "click",
        },
        {
            content: "Log a new problem",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit IT department questions the integration",
        },
        {
            content: "It belongs to the opportunity",
            trigger: ".o_form_view .o_field_widget[name=lead_id] input:value('Form Tour Deal')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the opportunity",
            trigger: ".breadcrumb-item a:contains('Form Tour Deal')",
            run: "click",
        },
        {
            content: "The problem is in the list of the button, open",
            trigger: `${STAT("action_open_problems")}`,
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains('IT department questions the integration'):contains('Open')",
        },
        {
            content: "Back to the opportunity",
            trigger: ".breadcrumb-item a:contains('Form Tour Deal')",
            run: "click",
        },
        {
            content: "Open the phase history of the opportunity from its phases tab",
            trigger: ".o_notebook a.nav-link:contains('Project Phases')",
            run: "click",
        },
        {
            trigger: `${PHASE_LIST("action_open_phase_history")}:contains('Phase History')`,
            run: "click",
        },
        {
            content: "The stay in Contact, still open",
            trigger: ".o_list_view .o_data_row:contains('Contact')",
        },
        {
            content: "Back to the opportunity",
            trigger: ".breadcrumb-item a:contains('Form Tour Deal')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_notebook a.nav-link:contains('Project Phases')",
        },
    ],
});
