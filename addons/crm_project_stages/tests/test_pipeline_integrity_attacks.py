"""What no sequence of a salesperson's writes does to a deal, over JSON-RPC with their own
session: end past a phase gate (a company's own mandatory items gate the deals of that company:
leaving for another company, moving on and coming back does not pass them; a deal without a
stage is not put in a later one by crm), or take a won or lost deal out of the funnel or into
someone else's."""

from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin, ProjectStagesCase


@tagged("post_install", "-at_install")
class TestGateAcrossCompanies(JsonRpcMixin, HttpCase, ProjectStagesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Harbour Works Ltd"})
        cls.rep.write({"company_ids": [(4, cls.company_b.id)]})
        # The team is shared (no company): its stages serve both companies.
        cls.team.company_id = False
        # A deliverable of company A only, mandatory in Contact.
        cls.item_a = cls.env["crm.phase.checklist.item"].create(
            {
                "name": "Company A credit check",
                "phase_id": cls.phases["contact"].id,
                "company_id": cls.company_a.id,
                "mandatory": True,
            }
        )
        cls.ctx = {"allowed_company_ids": [cls.company_a.id, cls.company_b.id]}

    def _lead_in_a(self):
        lead = self._new_opportunity(company_id=self.company_a.id)
        lead.invalidate_recordset()
        self.assertEqual(lead.company_id, self.company_a)
        # Every shared mandatory item of Contact done: only company A's item stands in the way.
        lines = lead.sudo().checklist_line_ids
        self.assertIn(self.item_a, lines.item_id)
        (lines.filtered(lambda ln: ln.mandatory and ln.item_id != self.item_a)).with_user(
            self.rep
        ).write({"done": True})
        # The direct move is refused: A's item is open.
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            "write",
            [lead.id],
            {"stage_id": self.stage_design.id},
            context=self.ctx,
        )
        self.assertRefused(answer, "UserError", "Company A credit check")
        return lead

    def _assert_not_past_gate(self, lead, steps):
        self.env.invalidate_all()
        lead = self.env["crm.lead"].browse(lead.id)
        item_line = lead.checklist_line_ids.filtered(lambda ln: ln.item_id == self.item_a)
        past = lead.company_id == self.company_a and lead.phase_id.code != "contact"
        self.assertFalse(
            past and not item_line.done,
            f"deal of company A in {lead.phase_id.code} with A's mandatory Contact item open "
            f"and no force logged; steps: {steps}",
        )

    def _run(self, lead, writes):
        steps = []
        for vals in writes:
            answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], vals, context=self.ctx)
            steps.append((vals, "ok" if "result" in answer else answer["error"]["data"]["message"]))
            if "result" not in answer:
                break
        return steps

    def _refused_back_to_a(self, steps):
        """The last step (back to company A, in Design) was refused, naming A's item."""
        *allowed, (vals, message) = steps
        self.assertEqual([answer for _vals, answer in allowed], ["ok"] * len(allowed), steps)
        self.assertEqual(vals, {"company_id": self.company_a.id})
        self.assertIn(
            f"cannot move to {self.company_a.name} in Solution Design: these mandatory items "
            f"of {self.company_a.name} for the earlier phases are not done:",
            message,
        )
        self.assertIn("Company A credit check", message)
        self.assertIn("or ask a Sales Manager to change it", message)

    def test_company_round_trip_does_not_skip_company_items(self):
        lead = self._lead_in_a()
        steps = self._run(
            lead,
            [
                {"company_id": self.company_b.id},
                {"stage_id": self.stage_design.id},
                {"company_id": self.company_a.id},
            ],
        )
        self._refused_back_to_a(steps)
        self._assert_not_past_gate(lead, steps)
        self.assertEqual(lead.company_id, self.company_b, "the refused write changed nothing")

    def test_company_change_in_the_same_write_as_the_move(self):
        lead = self._lead_in_a()
        steps = self._run(
            lead,
            [
                {"company_id": self.company_b.id, "stage_id": self.stage_design.id},
                {"company_id": self.company_a.id},
            ],
        )
        self.assertIn("Company A credit check", steps[0][1])
        self._assert_not_past_gate(lead, steps)

    def test_no_company_round_trip_does_not_skip_company_items(self):
        lead = self._lead_in_a()
        steps = self._run(
            lead,
            [
                {"company_id": False},
                {"stage_id": self.stage_design.id},
                {"company_id": self.company_a.id},
            ],
        )
        self._refused_back_to_a(steps)
        self._assert_not_past_gate(lead, steps)
        self.assertFalse(lead.company_id)

    def test_no_company_round_trip_through_the_customer_does_not_skip_company_items(self):
        """crm recomputes a deal's company from its salesperson, team and customer: out of
        its company, moved on, then given a customer (the fourth review's probe), the deal
        comes back to company A without a write of the company - refused alike."""
        customer = self.env["res.partner"].create(
            {"name": "Quay Authority", "company_id": self.company_a.id}
        )
        lead = self._lead_in_a()
        steps = self._run(
            lead,
            [
                {"company_id": False},
                {"stage_id": self.stage_design.id},
                {"partner_id": customer.id},
            ],
        )
        *allowed, (vals, message) = steps
        self.assertEqual([answer for _vals, answer in allowed], ["ok", "ok"], steps)
        self.assertEqual(vals, {"partner_id": customer.id})
        self.assertIn(
            f"cannot move to {self.company_a.name} in Solution Design: these mandatory items "
            f"of {self.company_a.name} for the earlier phases are not done:",
            message,
        )
        self.assertIn("Company A credit check", message)
        self._assert_not_past_gate(lead, steps)
        self.assertEqual((lead.company_id, lead.partner_id), (self.company_b[:0], self.customer))

    def test_a_sales_manager_changes_the_company_logged(self):
        lead = self._lead_in_a()
        self._run(lead, [{"company_id": self.company_b.id}, {"stage_id": self.stage_design.id}])
        self.manager.write({"company_ids": [(4, self.company_b.id)]})
        answer = self.rpc(
            "ps_manager",
            "crm.lead",
            "write",
            [lead.id],
            {"company_id": self.company_a.id},
            context=self.ctx,
        )
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.env.invalidate_all()
        self.assertEqual((lead.company_id, lead.phase_id.code), (self.company_a, "design"))
        notes = lead.message_ids.filtered(lambda message: "Company A credit check" in message.body)
        self.assertEqual(len(notes), 1)
        self.assertIn(f"Moved to {self.company_a.name} by Mona Manager", str(notes.body))


@tagged("post_install", "-at_install")
class TestClosedDealsStayInTheirFunnel(JsonRpcMixin, HttpCase, ProjectStagesCase):
    """A deal the rep lost stays a loss in the rep's funnel: no field the rep writes on it
    afterwards takes it out of their funnel or into a colleague's."""

    def _lost_deal(self):
        lead = self._new_opportunity("Lost water deal", expected_revenue=50000)
        self._tick_mandatory(lead, "contact")
        lead.write({"stage_id": self.stage_design.id})
        reason = self.env["crm.lost.reason"].create({"name": "Price too high"})
        lead.action_set_lost(lost_reason_id=reason.id)
        self.env.invalidate_all()
        self.assertEqual(lead.sudo().outcome, "lost")
        self.assertEqual(self._funnel(lead), {(self.rep.id, 1)})
        return lead

    def _funnel(self, lead):
        """{(salesperson, lost)} of the deal's funnel rows, as the funnel counts it."""
        self.env.invalidate_all()
        rows = (
            self.env["crm.funnel.report"]
            .sudo()
            .search_read([("lead_id", "=", lead.id)], ["user_id", "lost_count"])
        )
        return {(row["user_id"] and row["user_id"][0], row["lost_count"]) for row in rows}

    def _write(self, lead, vals, method="write"):
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            method,
            [lead.id],
            *([vals] if vals is not None else []),
            context={"active_test": False},
        )
        if "error" in answer:
            return answer["error"]["data"]["message"]
        return "ok"

    def test_a_lost_deal_given_to_another_rep_stays_the_losers_loss(self):
        lead = self._lost_deal()
        step = self._write(lead, {"user_id": self.other_rep.id})
        self.assertIn("is closed (Lost): it keeps its type, salesperson and team", step)
        self.assertEqual(
            self._funnel(lead),
            {(self.rep.id, 1)},
            f"the rep's lost deal moved to another rep's funnel (write user_id: {step})",
        )

    def test_a_lost_deal_moved_to_another_team_stays_in_its_teams_funnel(self):
        lead = self._lost_deal()
        other_team = self.env["crm.team"].create({"name": "Southern desk"})
        step = self._write(lead, {"team_id": other_team.id})
        self.assertIn("is closed (Lost): it keeps its type, salesperson and team", step)
        self.env.invalidate_all()
        rows = (
            self.env["crm.funnel.report"]
            .sudo()
            .search_read([("lead_id", "=", lead.id)], ["team_id"])
        )
        self.assertEqual(
            {row["team_id"] and row["team_id"][0] for row in rows},
            {self.team.id},
            f"the rep's team's loss moved to another team's funnel (write team_id: {step})",
        )

    def test_a_lost_deal_turned_back_into_a_lead_stays_in_the_funnel(self):
        lead = self._lost_deal()
        step = self._write(lead, {"type": "lead"})
        self.assertIn("Restore it first, or ask a Sales Manager to correct them.", step)
        self.assertEqual(
            self._funnel(lead),
            {(self.rep.id, 1)},
            f"the rep's lost deal left the funnel (write type=lead: {step})",
        )

    def test_a_lost_deal_restored_and_archived_stays_lost(self):
        lead = self._lost_deal()
        steps = [self._write(lead, None, "action_unarchive")]
        steps.append(self._write(lead, {"probability": 50}))
        steps.append(self._write(lead, None, "action_archive"))
        self.env.invalidate_all()
        self.assertEqual(
            (self._funnel(lead), self.env["crm.lead"].browse(lead.id).outcome),
            ({(self.rep.id, 1)}, "lost"),
            f"the rep's loss became an archived deal outside the lost figures: {steps}",
        )

    def _won_deal(self):
        """A deal the rep won, dated in the first quarter by a Sales Manager."""
        lead = self._new_opportunity("Won water deal", stage=self.stage_tender)
        self._tick_mandatory(lead, "tender")
        lead.write({"stage_id": self.stage_won.id})
        lead.with_user(self.manager).write({"date_closed": "2026-03-15 10:00:00"})
        self.assertEqual(self._closing(lead)[:2], ("won", "2026-03-15 10:00:00"))
        return lead

    def _closing(self, lead):
        """What places a closed deal in the forecast and the win rates (with
        ``crm_project_forecast``, its won date is the day of the closing date)."""
        self.env.invalidate_all()
        lead = self.env["crm.lead"].with_context(active_test=False).browse(lead.id)
        return (
            lead.outcome,
            str(lead.date_closed),
            lead.active,
            lead.probability,
            lead.stage_id,
        )

    def test_a_closed_deals_closing_date_is_not_written_again(self):
        """crm dates a deal's closing again at a probability of 100 or when it is archived,
        and clears it at another probability or a stage of an archived deal (the fourth
        review's probes): a Q1 win moved to today, a loss turned into an archived deal out
        of the win rates. Refused to the rep, nothing changed; a Sales Manager corrects."""
        won, lost = self._won_deal(), self._lost_deal()
        before = {deal: self._closing(deal) for deal in (won, lost)}
        for deal, vals, method in (
            (won, {"probability": 100}, "write"),
            (won, {"probability": 50}, "write"),
            (won, {"active": False}, "write"),
            (won, None, "action_archive"),
            (won, None, "action_set_lost"),
            (won, None, "action_set_won"),
            (lost, {"probability": 10}, "write"),
            (lost, {"active": False}, "write"),
            (lost, {"stage_id": self.stage_contact.id}, "write"),
        ):
            step = self._write(deal, vals, method)
            self.assertIn(
                "would change the date it was closed on, which places it in the forecast and "
                "the win rates. Reopen it first",
                step,
                (vals, method),
            )
        self.assertEqual({deal: self._closing(deal) for deal in (won, lost)}, before)
        # What the rep does with a closed deal still goes through: a lost deal restored, a
        # won deal reopened (moved back to an open stage: no longer closed).
        self.assertEqual(self._write(lost, None, "action_unarchive"), "ok")
        self.assertEqual(self._write(won, {"stage_id": self.stage_tender.id}), "ok")
        self.assertEqual((self._closing(lost)[0], self._closing(won)[0]), ("open", "open"))
        # A Sales Manager archives a won deal.
        other = self._won_deal()
        answer = self.rpc("ps_manager", "crm.lead", "write", [other.id], {"active": False})
        self.assertIs(answer.get("result"), True, answer.get("error"))
        self.assertEqual(self._closing(other)[0], "archived")


@tagged("post_install", "-at_install")
class TestGateSequences(JsonRpcMixin, HttpCase, ProjectStagesCase):
    """Other sequences of a salesperson's writes that might end past a gate."""

    def _phase(self, lead):
        self.env.invalidate_all()
        return self.env["crm.lead"].browse(lead.id).phase_id.code

    def test_lead_round_trip_does_not_skip_the_gate(self):
        lead = self._new_opportunity()
        steps = []
        for vals in (
            {"type": "lead"},
            {"stage_id": self.stage_tender.id},
            {"type": "opportunity"},
        ):
            answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], vals)
            steps.append("ok" if "result" in answer else answer["error"]["data"]["message"][:80])
        self.assertIn(self._phase(lead), ("contact", False), steps)
        self.env.invalidate_all()
        self.assertNotEqual(
            (self.env["crm.lead"].browse(lead.id).type, self._phase(lead)),
            ("opportunity", "tender"),
            steps,
        )

    def test_copy_into_a_later_stage_is_refused(self):
        lead = self._new_opportunity()
        for default in ({"stage_id": self.stage_tender.id}, {"stage_id": self.stage_won.id}):
            answer = self.rpc("ps_rep", "crm.lead", "copy", [lead.id], default)
            self.assertNotIn("result", answer, f"copied past the gate with {default}")
        answer = self.rpc(
            "ps_rep",
            "crm.lead",
            "copy",
            [lead.id],
            context={"default_stage_id": self.stage_tender.id},
        )
        if "result" in answer:
            self.assertEqual(self._phase(self.env["crm.lead"].browse(answer["result"])), "contact")

    def test_stage_without_team_then_team_change_does_not_move_forward(self):
        """crm computes a stage for a deal without one from its team: the phase must
        follow, and the gate stand."""
        lead = self._new_opportunity()
        other_team = self.env["crm.team"].create({"name": "Tender desk"})
        self.env["crm.stage"].create(
            {
                "name": "TD Tender",
                "sequence": 0,
                "phase_id": self.phases["tender"].id,
                "team_id": other_team.id,
            }
        )
        steps = []
        for vals in ({"stage_id": False}, {"team_id": other_team.id}):
            answer = self.rpc("ps_rep", "crm.lead", "write", [lead.id], vals)
            steps.append("ok" if "result" in answer else answer["error"]["data"]["message"][:80])
        self.assertEqual(
            steps[0], "An opportunity is always in a stage: move it to another stage instead."
        )
        self.env.invalidate_all()
        lead = self.env["crm.lead"].browse(lead.id)
        self.assertFalse(
            lead.stage_id.phase_id == self.phases["tender"],
            f"the deal's stage is now {lead.stage_id.name} (phase {lead.phase_id.code}): {steps}",
        )
