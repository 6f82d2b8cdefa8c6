/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("crm_churn_score_badge_tour", {
    steps: () => [
        {
            content: "The pipeline card says what its badge means",
            trigger:
                ".o_kanban_record:contains('Churn Tour Deal') .o_crm_churn_badge:contains('Churn risk: High')",
        },
    ],
});

const ROW = ".o_data_row:contains('Churn Tour Customer')";

registry.category("web_tour.tours").add("crm_churn_score_at_risk_tour", {
    steps: () => [
        {
            content: "The at-risk list shows the score of the customer",
            trigger: `${ROW} td[name=churn_score]:contains('88.0')`,
        },
        {
            content: "and its salesperson",
            trigger: `${ROW} td[name=churn_followup_user_id]:contains('Tess Tour')`,
        },
        {
            content: "A customer without salesperson shows the one of its latest opportunity",
            trigger: ".o_data_row:contains('Churn Tour Orphan') td[name=churn_followup_user_id].text-muted:contains('Mitchell Admin')",
        },
    ],
});
