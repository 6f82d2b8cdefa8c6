/** @odoo-module **/

import { registry } from "@web/core/registry";

const CURRENT = ".o_statusbar_status .o_arrow_button_current";
const QUALIFIED = ".o_statusbar_status .o_arrow_button:contains('Qualified')";
const REVENUE = ".o_field_widget[name=expected_revenue] input";
const CLEAN = ".o_form_status_indicator_buttons.invisible:not(:visible)";

function refusal() {
    return [
        {
            content: "The move is refused, naming the open mandatory items",
            trigger: ".modal .text-prewrap:contains('Decision makers identified')",
        },
        {
            trigger: ".modal .o-default-button",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ];
}

registry.category("web_tour.tours").add("crm_project_stages_refused_move_tour", {
    steps: () => [
        {
            content: "The rep's opportunity is in New (Contact), nothing changed yet",
            trigger: `.o_form_view ${CURRENT}:contains('New')`,
        },
        {
            trigger: CLEAN,
        },
        {
            content: "Click a stage of the next phase with the mandatory items open",
            trigger: QUALIFIED,
            run: "click",
        },
        ...refusal(),
        {
            content: "The form shows the stage the opportunity is in, with nothing to save",
            trigger: `${CURRENT}:contains('New')`,
        },
        {
            trigger: `${CLEAN}`,
        },
        {
            trigger: `.o_statusbar_status:not(:has(.o_arrow_button_current:contains('Qualified')))`,
        },
        {
            content: "The rep types a new expected revenue, then tries the move again",
            trigger: REVENUE,
            run: "edit 12345",
        },
        {
            trigger: QUALIFIED,
            run: "click",
        },
        ...refusal(),
        {
            content: "The stage is New again; the typed revenue is still there, unsaved",
            trigger: `${CURRENT}:contains('New')`,
        },
        {
            trigger: `${REVENUE}:value(12,345.00)`,
        },
        {
            trigger: ".o_form_status_indicator_buttons:not(.invisible) .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved: the revenue, in the stage it was in",
            trigger: CLEAN,
        },
        {
            trigger: `${CURRENT}:contains('New')`,
        },
    ],
});
