/** @odoo-module **/

import { registry } from "@web/core/registry";

const FIRST_LINE = ".o_field_widget[name=score_ids] .o_data_row:first";

registry.category("web_tour.tours").add("crm_vendor_eval_scoring_tour", {
    steps: () => [
        {
            content: "Open my assignment",
            trigger: ".o_list_view .o_data_row:contains('Tour Selection') .o_data_cell[name=user_id]",
            run: "click",
        },
        {
            content: "The sheet lists the criteria to score",
            trigger: `${FIRST_LINE} .o_data_cell[name=criterion_id]:contains('a1')`,
        },
        {
            content: "Score the first criterion",
            trigger: `${FIRST_LINE} .o_data_cell[name=score]`,
            run: "click",
        },
        {
            trigger: `${FIRST_LINE} .o_data_cell[name=score] select`,
            run: 'select "4"',
        },
        {
            trigger: `${FIRST_LINE} .o_data_cell[name=comment]`,
            run: "click",
        },
        {
            trigger: `${FIRST_LINE} .o_data_cell[name=comment] input`,
            run: "edit Strong pipeline management",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            content: "Submit my scores",
            trigger: "button[name=action_confirm_submit]",
            run: "click",
        },
        {
            trigger: ".modal .modal-footer button[name=action_submit]",
            run: "click",
        },
        {
            content: "The sheet is submitted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Submitted')",
        },
    ],
});
