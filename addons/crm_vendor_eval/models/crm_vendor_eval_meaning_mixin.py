from odoo import _, api, models
from odoo.exceptions import UserError


class CrmVendorEvalMeaningMixin(models.AbstractModel):
    """What a submitted score means: the texts of a category or criterion that scores were
    given on (``_meaning_fields()``) are frozen once a scoring sheet with them is submitted,
    whichever way they are written (a write in any language, a template form, the translation
    dialog). Weights have their own lock; the superuser (install, upgrade) is not refused."""

    _name = "crm.vendor.eval.meaning.mixin"
    _description = "Vendor Evaluation: Meaning of Submitted Scores"
    _score_field = None  # the column of crm.vendor.eval.score naming the record

    @api.model
    def _meaning_fields(self):
        return set()

    def _check_meaning_kept(self, names):
        """Refuse a change of the meaning fields ``names`` of these records if scores were
        submitted on one of them."""
        names = [name for name in names if name in self._meaning_fields()]
        if not names or self.env.su or not self:
            return
        groups = (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group(
                [(self._score_field, "in", self.ids), ("submitted", "=", True)],
                [self._score_field],
            )
        )
        if groups:
            (record,) = groups[0]
            labels = ", ".join(self._fields[name]._description_string(self.env) for name in names)
            raise UserError(
                _(
                    "Scores on “%(name)s” have been submitted: its %(fields)s can no longer "
                    "change, or those scores would mean something else. Archive it and add a "
                    "new one, or duplicate the template.",
                    name=record.name,
                    fields=labels,
                )
            )

    def write(self, vals):
        # A text written again as it is (a template's criteria imported back) changes nothing.
        meaning = self._meaning_fields()
        self._check_meaning_kept(
            self._get_changed_fields(vals, [name for name in vals if name in meaning])
        )
        return super().write(vals)

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=None):
        # Checked before the translation is stored: the refusal names the criterion as it was.
        if any(
            value is False or record.with_context(lang=lang)[field_name] != value
            for record in self
            for lang, value in translations.items()
        ):
            self._check_meaning_kept([field_name])
        return super()._update_field_translations(
            field_name, translations, digest=digest, source_lang=source_lang
        )
