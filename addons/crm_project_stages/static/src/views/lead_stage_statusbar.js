/** @odoo-module **/

import { patch } from "@web/core/utils/patch";
import { StatusBarField } from "@web/views/fields/statusbar/statusbar_field";

/**
 * A stage move the server refuses (the phase gate) leaves the opportunity's form on the stage
 * the opportunity is really in: the refused stage is taken back, and whatever else the user
 * had changed stays as it was (unsaved). The refusal itself is shown as any error is.
 */
patch(StatusBarField.prototype, {
    async selectItem(item) {
        const { name, record } = this.props;
        if (record.resModel !== "crm.lead" || name !== "stage_id") {
            return super.selectItem(item);
        }
        const stage = record.data[name];
        const hadChanges = await record.isDirty();
        try {
            return await super.selectItem(item);
        } catch (error) {
            if (hadChanges) {
                await record.update({ [name]: stage });
            } else {
                // Read the opportunity again as the server holds it: nothing to save.
                await record.discard();
                await record.load();
            }
            throw error;
        }
    },
});
