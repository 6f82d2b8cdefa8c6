from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_list


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge (*Merge*, crm's duplicates, the automatic deduplication) never
    merges two vendors of one evaluation: their scores would collide (Odoo's merge deletes the
    rows a unique constraint refuses), the evaluation would lose a vendor and its results and
    decision would name the contact kept. Vendors that never meet in one evaluation merge as
    usual: their evaluations then name the contact kept."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        self._check_no_vendors_of_one_evaluation(partner_ids)
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)

    def _check_no_vendors_of_one_evaluation(self, partner_ids):
        """Refuse before anything changes (archived contacts and every company included:
        the merge itself reaches them all)."""
        ids = list({int(partner_id) for partner_id in partner_ids or ()})
        if len(ids) < 2:
            return
        rows = self.env.execute_query(
            SQL(
                """
                SELECT evaluation_id, array_agg(partner_id ORDER BY partner_id)
                  FROM crm_vendor_evaluation_partner_rel
                 WHERE partner_id = ANY(%s)
              GROUP BY evaluation_id
                HAVING COUNT(*) > 1
              ORDER BY evaluation_id
                """,
                ids,
            )
        )
        if not rows:
            return
        evaluations = self.env["crm.vendor.evaluation"].sudo().browse([row[0] for row in rows])
        vendors = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .browse(sorted({partner for row in rows for partner in row[1]}))
        )
        # Named to whoever may open them; the others (of another team or company) neither
        # named nor counted.
        readable = evaluations.with_env(self.env)._filtered_access("read")
        names = [f"“{name}”" for name in readable.sudo().mapped("name")]
        if len(evaluations) > len(readable):
            names.append(self.env._("evaluations you cannot open"))
        raise UserError(
            self.env._(
                "%(vendors)s are vendors of the same evaluation (%(evaluations)s): merging them "
                "would mix up their scores and results. Keep both contacts, or first remove one "
                "of them from the evaluation (possible until scores are submitted on it).",
                vendors=format_list(self.env, vendors.mapped("display_name")),
                evaluations=format_list(self.env, names),
            )
        )
