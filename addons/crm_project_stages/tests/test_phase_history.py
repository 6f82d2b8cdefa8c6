from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .. import phase_sql
from .common import ProjectStagesCase


@tagged("post_install", "-at_install")
class TestPhaseHistory(ProjectStagesCase):
    def test_history_rows_and_durations_across_moves(self):
        with freeze_time("2026-03-02 09:00:00"):
            lead = self._new_opportunity()
            self._tick_mandatory(lead, "contact")
        with freeze_time("2026-03-05 09:00:00"):
            lead.write({"stage_id": self.stage_design.id})
            self._tick_mandatory(lead, "design")
        with freeze_time("2026-03-15 21:00:00"):
            lead.write({"stage_id": self.stage_proof.id})
        with freeze_time("2026-03-17 09:00:00"):
            lead.write({"stage_id": self.stage_design.id})
        with freeze_time("2026-03-27 09:00:00"):
            history = lead.phase_history_ids.sorted("date_in")
            self.assertEqual(
                [(h.phase_id.code, h.date_in, h.date_out) for h in history],
                [
                    ("contact", datetime(2026, 3, 2, 9), datetime(2026, 3, 5, 9)),
                    ("design", datetime(2026, 3, 5, 9), datetime(2026, 3, 15, 21)),
                    ("proof", datetime(2026, 3, 15, 21), datetime(2026, 3, 17, 9)),
                    ("design", datetime(2026, 3, 17, 9), False),
                ],
            )
            history.invalidate_recordset(["days"])
            self.assertEqual([round(h.days, 1) for h in history], [3.0, 10.5, 1.5, 10.0])
            # What the funnel reads: the first stay of each phase holds the days of the stays
            # that ended and since when the deal is there now.
            self.assertEqual(
                [
                    (h.is_first_entry, round(h.phase_closed_days, 2), h.phase_open_since)
                    for h in history
                ],
                [
                    (True, 3.0, False),
                    (True, 10.5, datetime(2026, 3, 17, 9)),
                    (True, 1.5, False),
                    (False, 0.0, False),
                ],
            )
            self.assertEqual([round(h.duration, 2) for h in history], [3.0, 10.5, 1.5, 0.0])
            self.assertEqual(history.user_id, self.rep)
            lead.invalidate_recordset(["days_in_phase", "is_stalled"])
            self.assertEqual(lead.days_in_phase, 10)
            self.assertFalse(lead.is_stalled, "design allows 45 days")

    def test_recorded_facts_are_the_sql_rule(self):
        """The history's facts are computed in Python when a move is recorded
        (``phase_sql.stay_facts``): after each step of a deal's life - moves back and forth,
        two deals moved in one write, several moves before one recording, a win, a restore, a
        loss, a new salesperson and amount - the SQL rule the install uses
        (``phase_sql.history_facts``) finds nothing to change (stays of odd lengths, to the
        microsecond)."""
        Lead = self.env["crm.lead"]
        clock = datetime(2026, 4, 1, 8, 0, 0, 123457)

        def at(step):
            nonlocal clock
            clock += timedelta(days=step % 5, hours=step, seconds=step * 37, microseconds=step)
            return freeze_time(clock)

        def rows(leads):
            # What waits for the commit, recorded (the opportunities written first).
            self.env.flush_all()
            Lead._flush_phase_events()
            # Days to a billionth (PostgreSQL before 14 computes the seconds of an interval
            # in double precision, rounded twice: the last bit may differ from Python's).
            self.env.cr.execute(
                "SELECT id, date_out, round(duration::numeric, 9), is_first_entry,"
                " round(phase_closed_days::numeric, 9), phase_open_since, lead_type,"
                " lead_user_id, lead_team_id, lead_outcome, lead_phase_id,"
                " lead_phase_reached_sequence, lead_expected_revenue"
                " FROM crm_lead_phase_history WHERE lead_id = ANY(%s) ORDER BY id",
                [leads.ids],
            )
            return self.env.cr.fetchall()

        with at(1):
            first = self._new_opportunity("First")
            second = self._new_opportunity("Second")
            both = (first | second).with_user(self.rep)
            for lead in both:
                self._tick_mandatory(lead, "contact")
        steps = [
            lambda: both.write({"stage_id": self.stage_design.id}),
            lambda: first.write({"stage_id": self.stage_contact.id}),
            lambda: first.write({"stage_id": self.stage_design.id}),
            lambda: [self._tick_mandatory(lead, "design") for lead in both],
            lambda: (
                first.write({"stage_id": self.stage_proof.id}),
                first.write({"stage_id": self.stage_design.id}),
                first.write({"stage_id": self.stage_proof.id}),
            ),
            lambda: second.write({"user_id": self.other_rep.id, "expected_revenue": 12345.67}),
            lambda: [self._tick_mandatory(first, "proof")],
            lambda: first.with_user(self.manager).write({"stage_id": self.stage_won.id}),
            lambda: first.with_user(self.manager).write({"stage_id": self.stage_proof.id}),
            lambda: second.with_user(self.other_rep).action_set_lost(),
            lambda: second.with_user(self.manager).toggle_active(),
            lambda: second.with_user(self.manager).write({"stage_id": self.stage_contact.id}),
        ]
        for step, change in enumerate(steps, 2):
            with at(step):
                change()
                recorded = rows(both)
                self.env.cr.execute(phase_sql.history_facts(leads=both.ids))
                self.assertEqual(rows(both), recorded, f"step {step}")
        self.assertEqual(
            self.codes(Lead.browse(first.id).phase_history_ids.sorted("id")),
            ["contact", "design", "contact", "design", "proof", "design", "proof", "proof"],
        )
        self.assertEqual(len(Lead.browse(second.id).phase_history_ids), 4)

    def test_stalled_flag_and_filter_follow_the_phase_limit(self):
        self.phases["contact"].with_user(self.manager).stall_days = 10
        with freeze_time("2026-05-01 08:00:00"):
            slow = self._new_opportunity("Slow deal")
            fresh_later = self._new_opportunity("Recent deal")
            fresh_later.sudo().phase_date_in = datetime(2026, 5, 8, 8)
        Lead = self.env["crm.lead"]
        with freeze_time("2026-05-11 09:00:00"):
            (slow | fresh_later).invalidate_recordset(["is_stalled", "days_in_phase"])
            self.assertEqual(slow.days_in_phase, 10)
            self.assertFalse(slow.is_stalled, "ten days is the limit, not past it")
            self.assertNotIn(slow, Lead.search([("is_stalled", "=", True)]))
        with freeze_time("2026-05-12 09:00:00"):
            (slow | fresh_later).invalidate_recordset(["is_stalled", "days_in_phase"])
            self.assertTrue(slow.is_stalled)
            self.assertFalse(fresh_later.is_stalled)
            stalled = Lead.search([("is_stalled", "=", True), ("team_id", "=", self.team.id)])
            self.assertEqual(stalled, slow)
            not_stalled = Lead.search([("is_stalled", "=", False), ("team_id", "=", self.team.id)])
            self.assertEqual(not_stalled, fresh_later)
            slow.sudo().write({"stage_id": self.stage_won.id})
            slow.invalidate_recordset(["is_stalled"])
            self.assertFalse(slow.is_stalled, "a won deal is never stalled")

    def test_a_company_allows_its_own_days_per_phase(self):
        other = self.env["res.company"].create({"name": "Slow Projects Ltd"})
        self.manager.company_ids |= other
        companies = (self.env.company | other).ids
        self.phases["contact"].with_user(self.manager).with_context(
            allowed_company_ids=companies
        ).write(
            {
                "stall_days": 10,
                "company_limit_ids": [(0, 0, {"company_id": other.id, "stall_days": 20})],
            }
        )
        with freeze_time("2026-05-01 08:00:00"):
            here = self._new_opportunity("Deal here")
            there = self.env["crm.lead"].create(
                {
                    "name": "Deal there",
                    "type": "opportunity",
                    "company_id": other.id,
                    "stage_id": self.stage_contact.id,
                }
            )
        self.assertEqual(
            (str(here.date_stalled), str(there.date_stalled)),
            ("2026-05-12 08:00:00", "2026-05-22 08:00:00"),
        )
        Lead = self.env["crm.lead"]
        with freeze_time("2026-05-15 09:00:00"):
            (here | there).invalidate_recordset(["is_stalled"])
            self.assertEqual((here.is_stalled, there.is_stalled), (True, False))
            stalled = Lead.search([("is_stalled", "=", True), ("id", "in", (here | there).ids)])
            self.assertEqual(stalled, here)
        # The company changes its mind: its open deals follow at once.
        self.phases["contact"].company_limit_ids.with_user(self.manager).with_context(
            allowed_company_ids=companies
        ).stall_days = 5
        self.assertEqual(str(there.date_stalled), "2026-05-07 08:00:00")
