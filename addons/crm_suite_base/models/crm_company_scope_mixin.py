from odoo import api, models
from odoo.exceptions import AccessError


class CrmCompanyScopeMixin(models.AbstractModel):
    """A record that belongs to, or applies in, companies: a phase, a phase's limit for a
    company, a checklist item, the phase of a stage, a sales target, a vendor evaluation or
    its template. Users set them up for their own companies only.

    Odoo's multi-company rules hide another company's records and refuse creating one, but
    let a user write another company into a record they can see, or link it to another
    company's phase (a many2one is not checked against the rules of its target): the record
    would then change that company's phase gate, stalled days or forecast, or plant an
    evaluation among its own. Refused here, to
    every caller but the superuser: changing or deleting a record that applies in another
    company (a shared item on that company's phase, say), and storing one that would (create,
    write, or an x2many command of a parent's form), before anything is committed."""

    _name = "crm.company.scope.mixin"
    _description = "CRM Suite: records of the user's own companies"

    # Paths from a record to the companies it belongs to or applies in (hook).
    _company_scope_paths = ("company_id",)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._check_company_scope()
        return records

    def write(self, vals):
        self._check_company_scope()
        res = super().write(vals)
        if {path.split(".")[0] for path in self._company_scope_paths} & set(vals):
            self._check_company_scope()
        return res

    def unlink(self):
        self._check_company_scope()
        return super().unlink()

    def _get_scope_companies(self):
        """The companies these records belong to or apply in (as superuser): those of the
        paths ``_company_scope_paths`` (hook)."""
        companies = self.env["res.company"].sudo()
        for path in self._company_scope_paths:
            companies |= self.sudo().mapped(path)
        return companies

    def _check_company_scope(self):
        """Refuse records of (or applying in) a company that is not one of the user's."""
        if self.env.su or not self:
            return
        outside = self._get_scope_companies() - self.env.user.company_ids.sudo()
        if outside:
            raise AccessError(
                self.env._(
                    "%(companies)s is not one of your companies: “%(records)s” cannot belong "
                    "to it or apply in it. Ask a user of %(companies)s to set it up.",
                    companies=", ".join(outside.mapped("name")),
                    records="”, “".join(self.sudo()[:3].mapped("display_name")),
                )
            )
