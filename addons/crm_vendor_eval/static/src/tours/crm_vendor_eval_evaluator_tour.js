/** @odoo-module **/

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const LINES = ".o_field_widget[name=score_ids] .o_data_row";

/** Fails the tour when a header in ``selector`` is cut off (its text wider than its cell). */
function assertHeadersReadable(selector) {
    const cut = [...document.querySelectorAll(selector)].filter(
        (el) => el.textContent.trim() && el.scrollWidth > el.clientWidth + 1
    );
    if (cut.length) {
        throw new Error(`Headers cut off: ${cut.map((el) => el.textContent.trim()).join(", ")}`);
    }
}

// The evaluator's path, for a user with only the Evaluation Member group: the app, the team's
// sheets, someone else's sheet (no Submit), one's own sheet (every line on one page), the
// warning that names what is left unscored, then the results.
registry.category("web_tour.tours").add("crm_vendor_eval_evaluator_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps(
            "crm_vendor_eval.crm_vendor_eval_menu_root",
            "Open the Vendor Evaluations app"
        ),
        {
            content: "My Scoring lists my sheet; show the whole team's",
            trigger: ".o_list_view .o_data_row:contains('Tour Selection') .o_data_cell[name=evaluation_id]",
        },
        {
            trigger: ".o_searchview .o_facet_remove",
            run: "click",
        },
        {
            content: "Open Bob's sheet",
            trigger: ".o_data_row:contains('Bob') .o_data_cell[name=evaluation_id]",
            run: "click",
        },
        {
            content: "Someone else's sheet cannot be submitted from here",
            trigger: ".o_breadcrumb .active:contains('Tour Selection — Bob')",
        },
        {
            trigger: ".o_form_view .o_form_statusbar:not(:has(button[name=action_confirm_submit]))",
        },
        {
            trigger: ".o_breadcrumb a:contains('My Scoring')",
            run: "click",
        },
        {
            content: "Open my sheet",
            trigger: ".o_data_row:contains('Alice') .o_data_cell[name=evaluation_id]",
            run: "click",
        },
        {
            content: "The breadcrumb names the evaluation and the evaluator",
            trigger: ".o_breadcrumb .active:contains('Tour Selection — Alice')",
        },
        {
            content: "Every line of the sheet is on the page",
            trigger: `${LINES}:last .o_data_cell[name=criterion_id]`,
            run() {
                const lines = document.querySelectorAll(LINES).length;
                if (lines !== 54) {
                    throw new Error(`The sheet shows ${lines} lines of 54`);
                }
            },
        },
        {
            content: "Score the first criterion",
            trigger: `${LINES}:first .o_data_cell[name=score]`,
            run: "click",
        },
        {
            trigger: `${LINES}:first .o_data_cell[name=score] select`,
            run: 'select "4"',
        },
        {
            trigger: `${LINES}:first .o_data_cell[name=comment]`,
            run: "click",
        },
        {
            trigger: `${LINES}:first .o_data_cell[name=comment] input`,
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
            content: "The confirmation names what is left unscored",
            trigger: ".modal .o_vendor_eval_unscored:contains('53'):contains('54')",
        },
        {
            trigger: ".modal .modal-footer button[name=action_submit]",
            run: "click",
        },
        {
            content: "The sheet is submitted",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Submitted')",
        },
        {
            content: "Open the evaluation",
            trigger: ".oe_title .o_field_widget[name=evaluation_id] a",
            run: "click",
        },
        {
            trigger: ".o_notebook .nav-link:contains('Results')",
            run: "click",
        },
        {
            content: "The results show each evaluator's coverage",
            trigger: ".o_vendor_eval_matrix .o_vendor_eval_evaluator_coverage:contains('Alice')",
        },
        {
            content: "Result and matrix headers are readable",
            trigger: ".o_field_widget[name=result_ids] thead th",
            run() {
                assertHeadersReadable(".o_field_widget[name=result_ids] thead th span.text-truncate");
                assertHeadersReadable(".o_vendor_eval_matrix thead th");
            },
        },
    ],
});
