from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # No link to the evaluations on the contact: whoever may edit a contact could write it,
    # and it would change an evaluation's vendors (the same table) past the evaluation's own
    # checks (a decided one, another company's). The evaluations name their vendors.
    vendor_evaluation_count = fields.Integer(compute="_compute_vendor_evaluation_count")

    def _compute_vendor_evaluation_count(self):
        counts = {}
        real = self._origin.filtered("id")
        if real:
            counts = dict(
                self.env["crm.vendor.evaluation"]._read_group(
                    [("vendor_ids", "in", real.ids)], ["vendor_ids"], ["__count"]
                )
            )
        for partner in self:
            partner.vendor_evaluation_count = counts.get(partner._origin, 0)

    def action_view_vendor_evaluations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_vendor_eval.crm_vendor_evaluation_action"
        )
        action["domain"] = [("vendor_ids", "in", self.ids)]
        action["context"] = {"default_vendor_ids": self.ids}
        return action
