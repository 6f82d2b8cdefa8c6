/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

/**
 * The sales manager's forecast: figures against target for a period, by team and by
 * salesperson, the funnel, the deals at risk, the movement since a snapshot and the cost of
 * selling. Every figure and label comes from `crm.forecast.dashboard.get_dashboard_data` and
 * opens the records behind it (`action_drill`); the Excel export writes the same figures.
 */
export class ForecastDashboard extends Component {
    static template = "crm_project_forecast.ForecastDashboard";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.notification = useService("notification");
        const saved = this.props.state?.params;
        const fromAction = this.props.action.context?.forecast_params || {};
        this.state = useState({
            params: { period_type: "quarter", ...fromAction, ...(saved || {}) },
            data: null,
            exporting: false,
        });
        useSetupAction({ getLocalState: () => ({ params: { ...this.state.params } }) });
        onWillStart(async () => {
            this.isManager = await user.hasGroup("sales_team.group_sale_manager");
            await this.load();
        });
    }

    /** The labels of the figures and tables come with the data, in the user's language. */
    get labels() {
        return this.state.data.labels;
    }

    async load() {
        const data = await this.orm.call("crm.forecast.dashboard", "get_dashboard_data", [
            this.state.params,
        ]);
        this.state.data = data;
        this.state.params = { ...data.params };
    }

    // ---------------------------------------------------------------- formatting

    money(value) {
        if (value === null || value === undefined) {
            return "—";
        }
        return formatMonetary(value, { currencyId: this.state.data.currency_id });
    }

    percent(value) {
        if (value === null || value === undefined) {
            return "—";
        }
        return `${formatFloat(value, { digits: [16, 1] })} %`;
    }

    days(value) {
        return value === null || value === undefined ? "—" : formatFloat(value, { digits: [16, 1] });
    }

    funnelWidth(row) {
        const max = Math.max(1, ...this.state.data.funnel.map((r) => r.entered));
        return `${Math.round((100 * row.entered) / max)}%`;
    }

    // ---------------------------------------------------------------- filters

    async setParam(key, value) {
        this.state.params[key] = value;
        if (key === "period_type" && value === "custom" && !this.state.params.date_to) {
            this.state.params.date_to = this.state.data.period.date_to;
        }
        await this.load();
    }

    onPeriodType(ev) {
        return this.setParam("period_type", ev.target.value);
    }

    onDate(ev) {
        if (ev.target.value) {
            return this.setParam("date", ev.target.value);
        }
    }

    onDateTo(ev) {
        if (ev.target.value) {
            return this.setParam("date_to", ev.target.value);
        }
    }

    onSelect(key, ev) {
        return this.setParam(key, parseInt(ev.target.value) || false);
    }

    async shift(direction) {
        const period = this.state.data.period;
        this.state.params.date = direction < 0 ? period.previous : period.next;
        if (this.state.params.period_type === "custom") {
            this.state.params.date_to = direction < 0 ? period.previous_to : period.next_to;
        }
        await this.load();
    }

    // ---------------------------------------------------------------- actions

    async drill(figure, row = {}) {
        const action = await this.orm.call("crm.forecast.dashboard", "action_drill", [
            this.state.params,
            figure,
            row,
        ]);
        await this.actionService.doAction(action);
    }

    rowFilter(field, row) {
        return { [field]: row[field] };
    }

    openLead(id) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model: "crm.lead",
            res_id: id,
            views: [[false, "form"]],
        });
    }

    async exportXlsx() {
        this.state.exporting = true;
        try {
            const filename = await download({
                url: "/crm_project_forecast/forecast/xlsx",
                data: {
                    params: JSON.stringify(this.state.params),
                    context: JSON.stringify({
                        allowed_company_ids: user.context.allowed_company_ids,
                    }),
                },
            });
            this.notification.add(_t("Downloaded %s", filename || ""), { type: "success" });
        } finally {
            this.state.exporting = false;
        }
    }

    async takeSnapshot() {
        await this.orm.call("crm.forecast.snapshot", "action_take_snapshot", [[]]);
        this.notification.add(_t("The forecast is frozen: later changes show as movement."), {
            type: "success",
        });
        await this.load();
    }
}

registry.category("actions").add("crm_project_forecast.forecast_dashboard", ForecastDashboard);
