/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { DateTimeInput } from "@web/core/datetime/datetime_input";
import {
    deserializeDate,
    deserializeDateTime,
    formatDate,
    formatDateTime,
    serializeDate,
} from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { download } from "@web/core/network/download";
import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { useService } from "@web/core/utils/hooks";
import { useSetupAction } from "@web/search/action_hook";
import { Layout } from "@web/search/layout";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

const MODEL = "crm.forecast.dashboard";
// The sections loaded after the figures, each by a call of its own, shown as they arrive.
const SECTIONS = ["funnel", "risk", "movement", "cost"];

/**
 * The sales manager's forecast: figures against target for a period, by team and by
 * salesperson, the funnel, the deals at risk, the movement since a snapshot and the cost of
 * selling. Every figure and label comes from `crm.forecast.dashboard.get_dashboard_data` and
 * opens the records behind it (`action_drill`); the Excel export writes the same figures.
 * The figures come first; the other sections follow in calls of their own.
 */
export class ForecastDashboard extends Component {
    static template = "crm_project_forecast.ForecastDashboard";
    static components = { Layout, DateTimeInput };
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
            sections: {},
            exporting: false,
        });
        this.loadId = 0;
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

    /**
     * The figures first (the headline, by team, by salesperson), then each other section in
     * a call of its own, shown as it arrives; answers for parameters since changed are
     * dropped.
     */
    async load() {
        const loadId = ++this.loadId;
        const data = await this.orm.call(MODEL, "get_dashboard_data", [
            this.state.params,
            ["figures"],
        ]);
        if (loadId !== this.loadId) {
            return;
        }
        this.state.data = data;
        this.state.params = { ...data.params };
        this.state.sections = {};
        for (const section of SECTIONS) {
            this.orm
                .call(MODEL, "get_dashboard_data", [data.params, [section]])
                .then((part) => {
                    if (loadId === this.loadId) {
                        Object.assign(this.state.sections, part);
                    }
                });
        }
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

    /** A day (YYYY-MM-DD) in the user's date format. */
    date(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    /** A moment (UTC, as the server gives it) in the user's time zone and format. */
    dateTime(value) {
        return value ? formatDateTime(deserializeDateTime(value)) : "";
    }

    /** The period as the user reads dates: a month by its name, a custom range by its days. */
    get periodLabel() {
        const period = this.state.data.period;
        const kind = this.state.params.period_type;
        if (kind === "month") {
            return deserializeDate(period.date_from).toLocaleString({
                month: "long",
                year: "numeric",
            });
        }
        if (kind === "custom") {
            return `${this.date(period.date_from)} – ${this.date(period.date_to)}`;
        }
        return period.label;
    }

    get dateFrom() {
        return deserializeDate(this.state.params.date);
    }

    get dateTo() {
        return this.state.params.date_to ? deserializeDate(this.state.params.date_to) : false;
    }

    funnelWidth(row) {
        const max = Math.max(1, ...this.state.sections.funnel.map((r) => r.entered));
        return `${Math.round((100 * row.entered) / max)}%`;
    }

    // ---------------------------------------------------------------- filters

    async setParam(key, value) {
        this.state.params[key] = value;
        await this.load();
    }

    /**
     * Another period type: the period that contains today when today is in the period
     * looked at, else the one containing the same day of the period looked at (the server's
     * `anchor`); a custom range starts as the period looked at.
     */
    onPeriodType(ev) {
        const period = this.state.data.period;
        const kind = ev.target.value;
        if (kind === "custom") {
            this.state.params.date = period.date_from;
            this.state.params.date_to = period.date_to;
        } else {
            this.state.params.date = period.anchor;
        }
        return this.setParam("period_type", kind);
    }

    onDate(value) {
        if (value) {
            return this.setParam("date", serializeDate(value));
        }
    }

    onDateTo(value) {
        if (value) {
            return this.setParam("date_to", serializeDate(value));
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
        const action = await this.orm.call(MODEL, "action_drill", [
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
