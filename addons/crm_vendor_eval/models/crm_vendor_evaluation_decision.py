"""The decision of a vendor evaluation: deciding, reopening, what a decision freezes, and
its chatter posts in the company's language."""

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError


class CrmVendorEvaluation(models.Model):
    _inherit = "crm.vendor.evaluation"

    # ------------------------------------------------------------------ actions

    def action_decide(self):
        self._check_manager()
        for evaluation in self:
            if evaluation.state != "scoring":
                raise UserError(_("Only an evaluation being scored can be decided."))
            if not evaluation.decision_vendor_id or not evaluation.decision_reason:
                raise UserError(_("Choose the vendor and give the reason for the decision."))
        self._compute_results()
        self.sudo().write({"state": "done", "date_decided": fields.Datetime.now()})
        self.assignment_ids._close_scoring_activities()
        for evaluation in self:
            evaluation._post_decision()

    def action_reopen(self):
        """Take a decision back: scores, costs and results change again until the next
        decision. Logged in the chatter, in the company's language."""
        self._check_manager()
        if any(evaluation.state != "done" for evaluation in self):
            raise UserError(_("Only a decided evaluation can be reopened."))
        self.sudo().write({"state": "scoring"})
        for evaluation in self:
            env = evaluation._company_lang_env()
            evaluation._message_log(
                body=Markup("<p>%s</p>")
                % env._(
                    "%(user)s reopened the decision on %(vendor)s.",
                    user=self.env.user.name,
                    vendor=evaluation.decision_vendor_id.display_name,
                )
            )
        self._prepare_scoring()

    # ------------------------------------------------------------------ business

    def _company_lang_env(self):
        """The environment to write generated texts of the evaluation in (chatter posts read
        by the whole team): the language of the company's partner, else the current one."""
        lang = self.company_id.partner_id.lang or self.env.lang
        return self.with_context(lang=lang).env

    def _decision_fields(self):
        """What a decision stands on: frozen while the evaluation is decided or cancelled."""
        return {
            "template_id",
            "kind",
            "lead_id",
            "vendor_ids",
            "member_ids",
            "offer_ids",
            "horizon_years",
            "decision_vendor_id",
            "decision_reason",
            "company_id",
        }

    def _check_not_frozen(self, vals):
        names = [name for name in vals if name in self._decision_fields()]
        if not names:
            return
        for evaluation in self:
            if evaluation.state not in ("done", "cancel"):
                continue
            # What is written again as it is (an import, a client sending the whole record)
            # changes nothing.
            changed = evaluation._get_changed_fields(vals, names)
            if not changed:
                continue
            labels = ", ".join(
                self._fields[name]._description_string(self.env)
                for name in names
                if name in changed
            )
            if evaluation.state == "done":
                raise UserError(
                    _(
                        "“%(evaluation)s” is decided: reopen it to change %(fields)s.",
                        evaluation=evaluation.name,
                        fields=labels,
                    )
                )
            if evaluation.state == "cancel":
                raise UserError(
                    _(
                        "“%(evaluation)s” is cancelled: reset it to draft to change %(fields)s.",
                        evaluation=evaluation.name,
                        fields=labels,
                    )
                )

    def _post_decision(self):
        """The decision in the chatter, in the company's language (the whole team reads it).
        Logged, not sent: it needs no email address of the manager. It names the chosen vendor
        and the reason, not the ranking: the chatter is read by every member, also by one who
        has not submitted yet (after a reopening) and sees no results before (blind scoring).
        The ranking stays in the Results tab and the comparison, which check that."""
        env = self._company_lang_env()
        self._message_log(
            body=Markup("<p>%s</p><p>%s</p><p>%s</p>")
            % (
                env._("Decision: %(vendor)s.", vendor=self.decision_vendor_id.display_name),
                env._("Reason: %s", self.decision_reason),
                env._(
                    "The ranking it was decided on is in the Results tab (Evaluation Managers, "
                    "and members once they have submitted their own scores)."
                ),
            ),
        )
