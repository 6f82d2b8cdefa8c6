/** @odoo-module **/

import { registry } from "@web/core/registry";

const CARD = ".o_kanban_record:contains('Gate Tour Deal')";
const column = (name) => `.o_opportunity_kanban .o_kanban_group:has(.o_column_title:contains('${name}'))`;

registry.category("web_tour.tours").add("crm_project_stages_gate_tour", {
    steps: () => [
        {
            content: "The card shows its phase and the checklist progress of the phase",
            trigger: `${column("New")} ${CARD} .o_crm_checklist_progress:contains('0/3')`,
        },
        {
            content: "Drag the opportunity to a stage of the next phase",
            trigger: `${column("New")} ${CARD}`,
            async run(helpers) {
                await helpers.drag_and_drop(column("Qualified"));
            },
        },
        {
            content: "The move is refused, naming the open mandatory items",
            trigger: ".modal .text-prewrap:contains('Decision makers identified'):contains('Budget confirmed')",
        },
        {
            trigger: ".modal .o-default-button",
            run: "click",
        },
        {
            content: "The card stayed in its stage",
            trigger: `${column("New")} ${CARD}`,
            run: "click",
        },
        {
            content: "Open the phases tab of the opportunity",
            trigger: ".o_notebook a.nav-link:contains('Project Phases')",
            run: "click",
        },
        {
            content: "Tick off the first mandatory item",
            trigger: ".o_field_widget[name=checklist_line_ids] .o_data_row:contains('Decision makers identified') .o_field_boolean_toggle input",
            run: "click",
        },
        {
            content: "Tick off the second mandatory item",
            trigger: ".o_field_widget[name=checklist_line_ids] .o_data_row:contains('Budget confirmed') .o_field_boolean_toggle input",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the pipeline",
            trigger: ".o_back_button a, .breadcrumb-item a",
            run: "click",
        },
        {
            trigger: `${column("New")} ${CARD} .o_crm_checklist_progress:contains('2/3')`,
        },
        {
            content: "Drag the opportunity again",
            trigger: `${column("New")} ${CARD}`,
            async run(helpers) {
                await helpers.drag_and_drop(column("Qualified"));
            },
        },
        {
            content: "Now it moves to the next phase",
            trigger: `${column("Qualified")} ${CARD} .o_crm_project_phase:contains('Solution Design')`,
        },
    ],
});
