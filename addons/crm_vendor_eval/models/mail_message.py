from odoo import models
from odoo.exceptions import UserError

# What a message is: its text, attachments, kind and record. Other fields (stars, reads, the
# notifications of the followers) are Odoo's bookkeeping.
CONTENT_FIELDS = frozenset(
    {
        "body",
        "attachment_ids",
        "subtype_id",
        "message_type",
        "model",
        "res_id",
        "author_id",
        "date",
        "tracking_value_ids",
    }
)


class MailMessage(models.Model):
    _inherit = "mail.message"

    def write(self, vals):
        if not self.env.su and not CONTENT_FIELDS.isdisjoint(vals):
            self._check_evaluation_log_kept()
        return super().write(vals)

    def unlink(self):
        if not self.env.su:
            self._check_evaluation_log_kept()
        return super().unlink()

    def _check_evaluation_log_kept(self):
        """What the server logged on a vendor evaluation (its decisions and reopenings, the
        changes of the fields it tracks) is kept as it wrote it: its author may not rewrite or
        delete it either, whatever the client (the web client refuses it already)."""
        logged = self.sudo().filtered(
            lambda message: (
                message.model == "crm.vendor.evaluation" and message.message_type == "notification"
            )
        )
        if logged:
            raise UserError(
                self.env._(
                    "What the server logged on a vendor evaluation (its decisions and "
                    "reopenings, the changes it tracks) is kept as it was written: it cannot be "
                    "changed or deleted."
                )
            )
