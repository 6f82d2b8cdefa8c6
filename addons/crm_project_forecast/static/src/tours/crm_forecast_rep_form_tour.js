/** @odoo-module **/

import { registry } from "@web/core/registry";

/** The label, the rate and the unit of the phase probability stand apart on screen. */
function apart(selector) {
    const [label, rate, unit] = document.querySelector(selector).children;
    const gaps = [
        rate.getBoundingClientRect().left - label.getBoundingClientRect().right,
        unit.getBoundingClientRect().left - rate.getBoundingClientRect().right,
    ];
    if (!gaps.every((gap) => gap >= 2)) {
        throw new Error(`"${document.querySelector(selector).textContent}" runs together: ${gaps}`);
    }
}

registry.category("web_tour.tours").add("crm_project_forecast_rep_form_tour", {
    steps: () => [
        {
            content: "The phase win rate under the rep's probability reads as words and a number",
            trigger: ".o_form_view .o_crm_phase_probability:contains('Phase win rate'):contains('10.0')",
            run() {
                apart(".o_crm_phase_probability");
            },
        },
    ],
});
