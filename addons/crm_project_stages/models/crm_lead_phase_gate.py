from markupsafe import Markup

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError

from .crm_stage import WON_STEP

MANAGER_GROUP = "sales_team.group_sale_manager"


class CrmLead(models.Model):
    """The phase gate: an opportunity moves to a later phase, or to Won, only with the
    mandatory checklist items of the phases it leaves done; the only way past open items is a
    Sales Manager's force, logged. Nothing a client sends opens the gate."""

    _inherit = "crm.lead"

    # ------------------------------------------------------------------ actions

    def action_force_phase_move(self):
        self.ensure_one()
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Force Stage Change"),
            "res_model": "crm.phase.force.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    # ------------------------------------------------------------------ the gate

    def _get_phase_gate_missing(self, target, entering=False):
        """Mandatory checklist items still open that stand between each opportunity and step
        ``target`` (a phase's sequence, or ``WON_STEP``): those of the phases it would leave
        by moving forward, or, ``entering`` the pipeline there, those of every earlier phase.
        {lead: items}; moving back is never gated. The items come from the worker's table
        (``crm.phase.checklist.item._get_item_table``): without a mandatory item in the
        way, nothing is read."""
        Item = self.env["crm.phase.checklist.item"]
        phases = self.env["crm.project.phase"]._get_phase_table()
        if not any(
            item.mandatory and phases[item.phase_id]["sequence"] < target
            for item in Item._get_item_table()
        ):
            return {}
        in_the_way = {}
        for lead in self:
            start = None if entering else lead._get_phase_step()
            if start is not None and start >= target:
                continue
            items = [
                item
                for item in Item._get_items_applying(
                    lead.company_id.id, before=target, mandatory=True
                )
                if start is None or start <= phases[item.phase_id]["sequence"]
            ]
            if items:
                in_the_way[lead] = items
        if not in_the_way:
            return {}
        # The ticked items of these opportunities, whoever may read them: one query.
        state = self.browse([lead.id for lead in in_the_way])._read_checklist_state()
        missing = {}
        for lead, items in in_the_way.items():
            done = state[lead.id].done
            open_ids = [item.id for item in items if item.id not in done]
            if open_ids:
                missing[lead] = Item.sudo().browse(open_ids)
        return missing

    def _check_phase_gate(self, vals):
        """Refuse a user's forward move of opportunities (to a later phase, or to Won) while
        mandatory items of the phases they leave are open. Nothing a client sends opens the
        gate: the phase itself is a server field, and the ways past open items are a Sales
        Manager's: ``_force_phase_move`` (the *Force Stage* wizard), which logs the reason, and
        winning a deal (the *Won* button, or a move to a Won stage), which logs the items left
        open."""
        if not vals.get("stage_id"):
            return
        stage = self.env["crm.stage"].browse(vals["stage_id"])
        target = stage._get_phase_step()
        if target is None:
            return
        staying = self.filtered(
            lambda lead: lead.type == "opportunity" and vals.get("type", lead.type) == lead.type
        )
        missing = staying._get_phase_gate_missing(target)
        if not missing:
            return
        if target == WON_STEP and self.env.user.has_group(MANAGER_GROUP):
            self._log_manager_win(missing)
            return
        raise UserError(self._phase_gate_refusal(missing, stage))

    def _log_manager_win(self, missing):
        """A Sales Manager wins deals from any phase: the mandatory items left open are logged
        in each deal's chatter, as a forced move is."""
        for lead, items in missing.items():
            lead._post_item_note(
                items,
                lambda lead: lead.env._(
                    "Marked won by %(user)s from %(phase)s with these mandatory items open:",
                    user=self.env.user.name,
                    phase=lead.phase_id.name or "",
                ),
            )

    @api.model
    def _phase_target_label(self, stage):
        return stage.name if stage.is_won else stage.phase_id.name

    @api.model
    def _phase_item_lines(self, items):
        return "\n".join(f"  • {item.phase_id.name}: {item.name}" for item in items)

    def _phase_gate_refusal(self, missing, stage):
        target_label = self._phase_target_label(stage)
        blocks = []
        for lead, items in missing.items():
            block = (
                self.env._(
                    "“%(lead)s” cannot move to %(target)s: these mandatory items of the phases "
                    "it leaves are open:",
                    lead=lead.name,
                    target=target_label,
                )
                + "\n"
                + self._phase_item_lines(items)
            )
            current = lead._get_phase_step()
            ahead = items.phase_id.filtered(lambda phase, current=current: phase.sequence > current)
            if ahead:
                block += "\n" + self.env._(
                    "The items of %(phases)s are on the checklist once the opportunity is in "
                    "that phase: move it there first, one phase at a time.",
                    phases=", ".join(ahead.sorted().mapped("name")),
                )
            blocks.append(block)
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "Tick the open items off in the checklist of the opportunity's Project Phases "
                "tab, or ask a Sales Manager to force the move (Force Stage, with a reason)."
            )
        )

    # ------------------------------------------------------------------ entering the pipeline

    def _check_pipeline_entry(self):
        """Opportunities entering the pipeline beyond its first phase: refused to salespeople,
        {lead: items left open} for a Sales Manager (logged once they are in)."""
        missing = {}
        for stage, leads in self.grouped("stage_id").items():
            target = stage._get_phase_step()
            if target is not None:
                missing.update(leads._get_phase_gate_missing(target, entering=True))
        if missing and not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self._phase_entry_refusal(missing))
        return {} if self.env.su else missing

    def _log_pipeline_entry(self, missing):
        for lead, items in missing.items():
            lead._post_item_note(
                items,
                lambda lead: lead.env._(
                    "Entered the pipeline in %(target)s by %(user)s, with these "
                    "mandatory items of the earlier phases open:",
                    target=lead._phase_target_label(lead.stage_id),
                    user=self.env.user.name,
                ),
            )

    def _phase_entry_refusal(self, missing):
        blocks = []
        for lead, items in missing.items():
            blocks.append(
                self.env._(
                    "“%(lead)s” cannot start in %(target)s: these mandatory items of the "
                    "earlier phases are not done:",
                    lead=lead.name,
                    target=self._phase_target_label(lead.stage_id),
                )
                + "\n"
                + self._phase_item_lines(items)
            )
        first = self.env["crm.project.phase"]._get_pipeline_phases(self.company_id[:1])[:1]
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "An opportunity starts in %(first)s and moves on as the items of each phase "
                "are done: create it in a stage of %(first)s (a lead: move it to such a stage "
                "before converting it), or ask a Sales Manager to create it in this stage.",
                first=first.name,
            )
        )

    # ------------------------------------------------------------------ what a write may not undo

    def _check_pipeline_write(self, vals):
        """Before a user's write: what no salesperson's write does to opportunities, whatever
        the client. A deal stays in a stage (crm would put a deal without one in the first
        stage of its team, past the gates, without a move); a won or lost deal stays an
        opportunity with its salesperson and team (they place it in the funnel, the forecast,
        the targets and the win rates) and keeps its closing date (``_closing_redated``): a
        Sales Manager may correct those."""
        opportunities = self.filtered(lambda lead: lead.type == "opportunity")
        if not opportunities:
            return
        if "stage_id" in vals and not vals["stage_id"] and vals.get("type") != "lead":
            raise UserError(
                self.env._("An opportunity is always in a stage: move it to another stage instead.")
            )
        changed = opportunities.filtered(
            lambda lead: (
                lead.outcome != "open"
                and lead._get_changed_fields(vals, ("type", "user_id", "team_id"))
            )
        )
        refused = changed or opportunities._closing_redated(vals)
        if not refused or self.env.user.has_group(MANAGER_GROUP):
            return
        lead = refused[0]
        names = {"lead": lead.name, "outcome": lead._outcome_label()}
        if changed:
            raise UserError(
                self.env._(
                    "“%(lead)s” is closed (%(outcome)s): it keeps its type, salesperson and "
                    "team, which place it in the funnel, the forecast and the win rates. Restore "
                    "it first, or ask a Sales Manager to correct them.",
                    **names,
                )
            )
        raise UserError(
            self.env._(
                "“%(lead)s” is closed (%(outcome)s): a probability, archiving it again or a "
                "stage would change the date it was closed on, which places it in the forecast "
                "and the win rates. Reopen it first (a won deal: move it back to an open "
                "stage; a lost one: Restore), or ask a Sales Manager to correct it.",
                **names,
            )
        )

    def _closing_redated(self, vals):
        """The closed opportunities of these whose closing date (crm's ``date_closed``: the
        won date of the forecast, the period of a loss) ``vals`` would date again or clear, or
        whose loss it would turn into an archived deal: crm's ``write`` closes a deal now at
        a probability of 100 or when archived, and clears the date at any other probability
        above 0 or a move to another stage that is not won (an archived or lost deal, off the
        pipeline). A probability of 0 changes neither (crm's own *Lost* writes it after
        archiving)."""
        if vals.get("probability") or ("active" in vals and not vals["active"]):
            return self.filtered(lambda lead: lead.outcome != "open")
        if "stage_id" not in vals:
            return self.browse()
        return self.filtered(
            lambda lead: (
                lead.outcome != "open"
                and not lead.active
                and lead._get_changed_fields(vals, ("stage_id",))
            )
        )

    def _outcome_label(self):
        self.ensure_one()
        return dict(self._fields["outcome"]._description_selection(self.env))[self.outcome]

    def _check_company_gate(self, before):
        """Opportunities that changed company (``before``: {id: company before the write})
        are past the gates of the phases they have left in their new company too: a mandatory
        item of the new company in such a phase, open, refuses the change to salespeople
        (else a deal could leave for a company without the item, move on, and come back); a
        Sales Manager's change is logged with the items left open."""
        changed = self.filtered(
            lambda lead: (
                lead.id in before
                and lead.company_id != before[lead.id]
                and lead.type == "opportunity"
                and lead.phase_id
            )
        )
        missing = {}
        for step, leads in changed.grouped(lambda lead: lead._get_phase_step()).items():
            missing.update(leads._get_phase_gate_missing(step, entering=True))
        if not missing:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self._company_gate_refusal(missing))
        for lead, items in missing.items():
            lead._post_item_note(
                items,
                lambda lead: lead.env._(
                    "Moved to %(company)s by %(user)s in %(target)s, with these mandatory "
                    "items of %(company)s for the earlier phases open:",
                    company=lead.company_id.name or "",
                    user=self.env.user.name,
                    target=lead._phase_target_label(lead.stage_id),
                ),
            )

    def _company_gate_refusal(self, missing):
        blocks = [
            self.env._(
                "“%(lead)s” cannot move to %(company)s in %(target)s: these mandatory items of "
                "%(company)s for the earlier phases are not done:",
                lead=lead.name,
                company=lead.company_id.name or self.env._("no company"),
                target=self._phase_target_label(lead.stage_id),
            )
            + "\n"
            + self._phase_item_lines(items)
            for lead, items in missing.items()
        ]
        return (
            "\n\n".join(blocks)
            + "\n\n"
            + self.env._(
                "Change its company while it is in the phase of these items and tick them off "
                "there, or ask a Sales Manager to change it."
            )
        )

    # ------------------------------------------------------------------ the manager's force

    def _force_phase_move(self, stage, reason):
        """Move the opportunities to ``stage`` although mandatory items are open: the Sales
        Manager's override, the only way past the phase gate besides ticking the items off.
        The open items and the reason are logged in each opportunity's chatter."""
        self._check_manager()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason for forcing the move."))
        self.check_access("write")
        target = stage._get_phase_step()
        missing = self._get_phase_gate_missing(target) if target is not None else {}
        for lead, items in missing.items():
            lead._post_item_note(
                items,
                lambda lead: lead.env._(
                    "Phase gate overridden by %(user)s: moved from %(old)s to %(new)s "
                    "with these mandatory items open:",
                    user=self.env.user.name,
                    old=lead.phase_id.name or "",
                    new=lead._phase_target_label(stage.with_env(lead.env)),
                ),
                lambda lead: lead.env._("Reason: %s", reason),
            )
        # As superuser: past the gate this user has just been allowed through.
        self.sudo().write({"stage_id": stage.id})

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only Sales Managers can force an opportunity past a phase gate.")
            )

    def _post_item_note(self, items, heading, footer=None):
        """Note in this opportunity's chatter, in its company's language (``_in_company_language``):
        ``heading(lead)`` over the ``items`` as a list, then ``footer(lead)`` if given, ``lead``
        being this opportunity in that language."""
        lead = self._in_company_language()
        body = Markup("<p>%s</p><ul>%s</ul>") % (heading(lead), lead._item_list(items))
        if footer:
            body += Markup("<p>%s</p>") % footer(lead)
        lead.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _item_list(self, items):
        """The items as an HTML list, in this record's language."""
        names = items.with_context(lang=self.env.context.get("lang")).mapped("name")
        return Markup().join(Markup("<li>%s</li>") % name for name in names)

    def _in_company_language(self):
        """This opportunity in its company's language: the notes the server writes in its
        chatter are read by the whole team, whoever triggered them."""
        company = self.company_id or self.env.company
        return self.with_context(lang=company.partner_id.lang or "en_US")
