from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..const import SCORING_ACTIVITY

REMINDER_DAYS_PARAM = "crm_vendor_eval.reminder_days"
REMINDER_DAYS_DEFAULT = 3


class CrmVendorEvalAssignment(models.Model):
    """A team member's scoring sheet: how far they are, and whether they submitted."""

    _name = "crm.vendor.eval.assignment"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "crm.suite.server.fields.mixin",
        "crm.vendor.eval.link.mixin",
    ]
    _shown_links = ("evaluation_id",)
    _description = "Vendor Evaluation Scoring Sheet"
    _order = "evaluation_id, user_id"

    evaluation_id = fields.Many2one(
        "crm.vendor.evaluation", required=True, readonly=True, ondelete="cascade", index=True
    )
    user_id = fields.Many2one(
        "res.users", string="Evaluator", required=True, readonly=True, index=True
    )
    state = fields.Selection(
        [("open", "To Score"), ("submitted", "Submitted")],
        string="Status",
        default="open",
        required=True,
        readonly=True,
    )
    date_submitted = fields.Datetime(string="Submitted On", readonly=True)
    score_ids = fields.One2many("crm.vendor.eval.score", "assignment_id", string="Scoring Sheet")
    evaluation_state = fields.Selection(related="evaluation_id.state", string="Evaluation Status")
    scored_count = fields.Integer(string="Scored", compute="_compute_progress")
    line_count = fields.Integer(string="To Score", compute="_compute_progress")
    unscored_count = fields.Integer(string="Not Scored", compute="_compute_progress")
    progress = fields.Float(compute="_compute_progress", help="Share of the lines scored (%).")
    is_mine = fields.Boolean(compute="_compute_is_mine")
    company_id = fields.Many2one(related="evaluation_id.company_id", store=True, index=True)

    _sql_constraints = [
        ("member_unique", "UNIQUE(evaluation_id, user_id)", "A member is on the team once.")
    ]

    @api.depends("evaluation_id.name", "user_id.name")
    def _compute_display_name(self):
        for sheet in self:
            sheet.display_name = f"{sheet.evaluation_id.name} — {sheet.user_id.name}"

    @api.depends("score_ids.scored")
    def _compute_progress(self):
        # Of the sheets the user may read: a form's onchange (the Submit Scores confirmation)
        # computes the progress of any sheet id it is given.
        readable = self._origin._filtered_access("read")
        counts = {}
        for assignment, scored, count in (
            self.env["crm.vendor.eval.score"]
            .sudo()
            ._read_group(
                [("assignment_id", "in", readable.ids)],
                ["assignment_id", "scored"],
                ["__count"],
            )
        ):
            total, done = counts.get(assignment.id, (0, 0))
            counts[assignment.id] = (total + count, done + (count if scored else 0))
        for assignment in self:
            total, done = counts.get(assignment._origin.id, (0, 0))
            assignment.line_count = total
            assignment.scored_count = done
            assignment.unscored_count = total - done
            assignment.progress = 100.0 * done / total if total else 0.0

    @api.depends("user_id")
    @api.depends_context("uid")
    def _compute_is_mine(self):
        for sheet in self:
            sheet.is_mine = sheet.user_id.id == self.env.uid

    # ------------------------------------------------------------------ CRUD

    @api.model
    def _get_user_fields(self):
        # Evaluators change the score and comment of their lines through their sheet.
        return {"score_ids"}

    def write(self, vals):
        self._guard_server_fields([vals])
        if "score_ids" in vals and not self.env.su:
            own_lines = set(self.score_ids.ids)
            for command in vals["score_ids"]:
                if command[0] not in (Command.UPDATE, Command.LINK) or command[1] not in own_lines:
                    raise AccessError(
                        _(
                            "The lines of a scoring sheet are set by the server: only their "
                            "score and comment change."
                        )
                    )
        return super().write(vals)

    @api.ondelete(at_uninstall=True)
    def _unlink_except_submitted(self):
        if self._is_module_uninstalling("crm_vendor_eval"):
            return
        if any(sheet.state == "submitted" for sheet in self):
            raise UserError(_("A submitted scoring sheet is never deleted."))

    # ------------------------------------------------------------------ actions

    def _check_can_submit(self):
        for sheet in self:
            if sheet.user_id != self.env.user:
                raise AccessError(_("Only the evaluator can submit their scores."))
            if sheet.state == "submitted":
                raise UserError(_("These scores were already submitted."))
            if sheet.evaluation_id.state != "scoring":
                raise UserError(_("The evaluation is not being scored."))

    def action_confirm_submit(self):
        """The *Submit Scores* button: a confirmation that names what is left unscored."""
        self.ensure_one()
        self._check_can_submit()
        return {
            "type": "ir.actions.act_window",
            "name": _("Submit Scores"),
            "res_model": "crm.vendor.eval.submit",
            "view_mode": "form",
            "target": "new",
            "context": {"default_assignment_id": self.id},
        }

    def action_submit(self):
        """Submit one's own sheet: the scores are locked and count in the results."""
        self._check_can_submit()
        self._submit()
        return True

    def _submit(self):
        self.sudo().write({"state": "submitted", "date_submitted": fields.Datetime.now()})
        self._close_scoring_activities()
        self.evaluation_id._compute_results()

    # ------------------------------------------------------------------ activities

    def _reminder_days(self):
        """Days before the decision date that an evaluator's scoring is due (system parameter
        ``crm_vendor_eval.reminder_days``, 3 by default)."""
        value = self.env["ir.config_parameter"].sudo().get_param(REMINDER_DAYS_PARAM)
        try:
            return max(int(value), 0) if value else REMINDER_DAYS_DEFAULT
        except ValueError:
            return REMINDER_DAYS_DEFAULT

    def _scoring_due_date(self, days):
        today = fields.Date.context_today(self)
        deadline = self.evaluation_id.date_deadline
        return max(today, deadline - timedelta(days=days)) if deadline else today

    def _ensure_scoring_activity(self, reminder=False):
        """Each open sheet of an evaluation being scored has one to-do for its evaluator, due
        ``_reminder_days`` before the decision date (today when that is past or unset); an
        existing one follows the decision date. Texts in the evaluator's language. With
        ``reminder``, only the sheets whose due date has come get a missing to-do back."""
        days = self._reminder_days()
        activity_type = self.env.ref(SCORING_ACTIVITY)
        today = fields.Date.context_today(self)
        for sheet in self.sudo():
            if sheet.state != "open" or sheet.evaluation_id.state != "scoring":
                continue
            due = sheet._scoring_due_date(days)
            current = sheet.activity_ids.filtered(lambda a: a.activity_type_id == activity_type)
            if current:
                current.filtered(lambda a, due=due: a.date_deadline != due).date_deadline = due
                continue
            if reminder and due > today:
                continue
            lang = sheet.user_id.lang or sheet.evaluation_id.company_id.partner_id.lang
            env = sheet.with_context(lang=lang).env
            evaluation = sheet.evaluation_id
            if reminder:
                summary = env._("Reminder: submit your scores for %s", evaluation.name)
            else:
                summary = env._("Score the vendors of %s", evaluation.name)
            if evaluation.date_deadline:
                note = env._(
                    "The decision is due on %(date)s: score every criterion for every vendor "
                    "on your sheet, then submit it.",
                    date=fields.Date.to_string(evaluation.date_deadline),
                )
            else:
                note = env._(
                    "Score every criterion for every vendor on your sheet, then submit it."
                )
            # The evaluator is told by Odoo's usual activity notification when the person who
            # starts the scoring can send mail; the to-do is there in any case.
            quiet = not self.env.user.email
            sheet.with_context(mail_activity_quick_update=quiet).activity_schedule(
                SCORING_ACTIVITY,
                date_deadline=due,
                summary=summary,
                note=note,
                user_id=sheet.user_id.id,
            )

    def _close_scoring_activities(self):
        self.sudo().activity_unlink([SCORING_ACTIVITY])

    @api.model
    def _cron_remind_scoring(self):
        """Daily: the to-dos of the evaluators who have not submitted follow the decision date,
        and whoever closed theirs without submitting gets a reminder when scoring is due."""
        sheets = self.search([("state", "=", "open"), ("evaluation_id.state", "=", "scoring")])
        sheets._ensure_scoring_activity(reminder=True)
