from datetime import timedelta

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL
from odoo.tools.cache import STAT

from .. import phase_sql
from ..models.crm_lead_company_mixin import CHECKLIST_STATE, forget_checklist_state
from ..models.crm_lead_phase_events import FACTS_PENDING, PENDING
from .common import JsonRpcMixin, ProjectStagesCase


class QueryCounting:
    def count_queries(self, func):
        """The number of queries ``func`` runs."""
        before = self.env.cr.sql_log_count
        func()
        return self.env.cr.sql_log_count - before


class LoggedPlans:
    def logged_plans(self, logged, marker, setting):
        """The plans of the queries logged in ``logged`` (``assertLogs`` of ``odoo.sql_db``)
        that contain ``marker``, with the planner's ``setting`` ("name = value") for them."""
        queries = [
            line.split("query: ", 1)[1]
            for line in logged.output
            if "query: " in line and marker in line
        ]
        self.env.cr.execute(f"SET LOCAL {setting}")
        plans = []
        for query in queries:
            self.env.cr.execute("EXPLAIN " + query)
            plans.append("\n".join(row[0] for row in self.env.cr.fetchall()))
        self.env.cr.execute(f"RESET {setting.split('=')[0].strip()}")
        return plans


@tagged("post_install", "-at_install")
class TestPhaseWorkIsBatched(ProjectStagesCase, QueryCounting):
    """What a phase change records besides the opportunity - history rows, checklist lines -
    is recorded at once for every opportunity changed since the last recording, in the same
    few statements whatever their number (issue 14: Odoo converts and assigns leads one
    ``write`` at a time)."""

    def _leads(self, count, prefix):
        return self.env["crm.lead"].create(
            [
                {"name": f"{prefix} {i}", "type": "lead", "team_id": self.team.id}
                for i in range(count)
            ]
        )

    def _convert_and_record(self, leads):
        """Convert ``leads`` as Odoo does (one write each); the queries of recording their
        phase work, the rest flushed first."""
        Lead = self.env["crm.lead"]
        with Lead._hold_phase_events():
            leads.convert_opportunity(self.customer)
            self.env.flush_all()
            self.assertIn(PENDING, self.env.cr.precommit.data, "waiting for the batch's end")
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
        return self.env.cr.sql_log_count - before

    def test_converting_5_or_50_leads_records_their_phase_work_in_the_same_queries(self):
        few, many = self._leads(5, "Few"), self._leads(50, "Many")
        self.env.cr.flush()  # what their creation left to record, recorded
        queries = [self._convert_and_record(few), self._convert_and_record(many)]
        self.assertEqual(queries[0], queries[1], "a constant number of queries")
        self.assertLessEqual(queries[1], 4, "stays, their facts, lines, company rows")
        for lead in few | many:
            self.assertEqual(self.codes(lead.phase_history_ids), ["contact"], lead.name)
            self.assertTrue(lead.phase_history_ids.is_first_entry)
            self.assertEqual(
                lead.checklist_line_ids.item_id,
                self.item_decision_makers | self.item_budget | self.item_need,
            )
            self.assertEqual(lead.phase_history_ids.company_id, lead.company_id)

    def _history_writes(self):
        """(rows inserted, rows updated, scans) of the history in this transaction, counted
        by PostgreSQL itself."""
        self.env.cr.execute(
            "SELECT n_tup_ins, n_tup_upd, seq_scan + COALESCE(idx_scan, 0)"
            " FROM pg_stat_xact_user_tables WHERE relname = 'crm_lead_phase_history'"
        )
        return self.env.cr.fetchone()

    def _stale(self):
        self.env.cr.execute(SQL("SELECT lead_id FROM %s", SQL.identifier(phase_sql.STALE_TABLE)))
        return sorted(lead_id for (lead_id,) in self.env.cr.fetchall())

    def test_a_move_commits_its_stays_alone_in_one_statement(self):
        """At the commit, a move closes the stay it leaves and inserts the new one - in one
        statement, without reading the history first, each row written once (PostgreSQL
        checks every foreign key of a row written twice in a transaction again) - and its
        opportunity waits for the facts of its rows, set by the next read of the history."""
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        self.env.flush_all()
        self.env.cr.precommit.run()  # its entry in Contact recorded
        lead.phase_history_ids.mapped("is_first_entry")  # a read: its facts set
        self.assertEqual(self._stale(), [])
        for stage in (self.stage_design, self.stage_contact, self.stage_design):
            lead.write({"stage_id": stage.id})
            self.env.flush_all()
            before = self._history_writes()
            self.env.cr.precommit.run()  # as at the commit
            after = self._history_writes()
            self.assertEqual(
                tuple(now - then for now, then in zip(after, before, strict=True)),
                (1, 1, 1),
                f"{stage.name}: one stay inserted, one closed, the one scan of closing it",
            )
            self.assertEqual(self._stale(), [lead.id], "its facts wait")
            # The next read of the history (on the primary) sets them, as the SQL rule.
            self.env.invalidate_all()
            self.assertEqual(
                lead.phase_history_ids.filtered("is_first_entry").phase_id.mapped("code"),
                ["contact", "design"],
            )
            self.assertEqual(self._stale(), [])
            self.env.cr.execute(phase_sql.history_facts(leads=[lead.id]))
            self.assertEqual(self.env.cr.rowcount, 0, "the facts are the SQL rule's")
        self.assertEqual(
            [(row.phase_id.code, bool(row.date_out)) for row in lead.phase_history_ids],
            [("contact", True), ("design", True), ("contact", True), ("design", False)],
        )
        first_contact = lead.phase_history_ids[0]
        self.assertAlmostEqual(
            first_contact.phase_closed_days,
            sum(
                lead.phase_history_ids.filtered(lambda row: row.phase_id.code == "contact").mapped(
                    "duration"
                )
            ),
        )

    def test_a_move_s_own_statement_writes_what_the_general_one_writes(self):
        """The statement of one deal's move (``phase_sql._write_move_code``, planned quicker)
        and the general one (``_write_stays_later_code``) write the same rows: run both on
        the same deal, a stay left open and a stay inserted closed (a deal passing through a
        phase), each rolled back after its rows are read."""
        lead = self._new_opportunity()
        self.env.flush_all()
        self.env.cr.precommit.run()  # its entry in Contact recorded
        design = self.phases["design"]
        user = self.env.user.id
        entered = lead.phase_history_ids.date_in
        moved = entered + timedelta(days=1, hours=12)

        def written(stay_out, general):
            savepoint = self.env.cr.savepoint(flush=False)
            self.env.cr.execute(
                phase_sql.write_stays_later(
                    [(lead.id, moved)],
                    [(lead.id, design.id, design.sequence, moved, stay_out, lead.user_id.id)],
                    [lead.id],
                    user,
                    general=general,
                )
            )
            self.env.cr.execute(
                """SELECT phase_id, phase_sequence, date_in, date_out, duration, user_id,
                          company_id, create_uid, write_uid, create_date IS NOT NULL,
                          write_date IS NOT NULL
                     FROM crm_lead_phase_history WHERE lead_id = %s ORDER BY date_in, id""",
                [lead.id],
            )
            rows = self.env.cr.fetchall()
            self.env.cr.execute(
                SQL(
                    "SELECT count(*) FROM %s WHERE lead_id = %s",
                    SQL.identifier(phase_sql.STALE_TABLE),
                    lead.id,
                )
            )
            rows.append(self.env.cr.fetchone())
            savepoint.close(rollback=True)
            return rows

        for stay_out in (None, moved + timedelta(days=3, hours=6)):
            single = written(stay_out, general=False)
            self.assertEqual(single, written(stay_out, general=True), stay_out)
            contact = self.phases["contact"]
            self.assertEqual(
                [row[:5] for row in single[:2]],
                [
                    (contact.id, contact.sequence, entered, moved, 1.5),
                    (design.id, design.sequence, moved, stay_out, 3.25 if stay_out else 0.0),
                ],
            )
            self.assertEqual(single[2], (1,), "the deal waits for its facts")

    def test_a_commit_leaves_the_facts_other_deals_wait_for(self):
        """A commit sets no facts of deals another commit left waiting (a new deal's commit
        moves its rows to its company, which flushes the history: it would set them all, the
        commit paying for everyone's moves since the last run of the scheduled action)."""
        waiting = self._new_opportunity("Waiting")
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (lead_id) VALUES (%s)",
                SQL.identifier(phase_sql.STALE_TABLE),
                waiting.id,
            )
        )  # as another commit leaves it
        new = self._new_opportunity("New")
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertEqual(self._stale(), sorted([waiting.id, waiting.id, new.id]))

    def test_deleting_a_deal_leaves_the_facts_other_deals_wait_for(self):
        """Deleting a deal reads which history rows it has, not their facts: the deals whose
        facts wait keep waiting (setting them is for a read of the facts, or the job)."""
        waiting, doomed = self._new_opportunity("Waiting"), self._new_opportunity("Doomed")
        self.env.flush_all()
        self.env.cr.precommit.run()  # as at the commit: both wait
        self.assertEqual(self._stale(), sorted([waiting.id, doomed.id]))
        doomed.sudo().unlink()  # a Sales Manager's
        self.env.flush_all()
        self.assertEqual(self._stale(), sorted([waiting.id, doomed.id]))
        self.assertTrue(waiting.phase_history_ids.is_first_entry, "a read of the facts")
        self.assertEqual(self._stale(), [])

    def test_the_stays_of_many_moves_before_a_flush_are_each_recorded(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        moves = [self.stage_design, self.stage_contact, self.stage_design, self.stage_won]
        for stage in moves:
            lead.sudo().write({"stage_id": stage.id})
        # What SQL reads (the funnel), the history flushed first as a query on it does.
        self.env["crm.lead.phase.history"].flush_model()
        self.env.cr.execute(
            "SELECT p.code, h.date_out IS NULL, h.is_first_entry "
            "FROM crm_lead_phase_history h JOIN crm_project_phase p ON p.id = h.phase_id "
            "WHERE h.lead_id = %s ORDER BY h.id",
            [lead.id],
        )
        self.assertEqual(
            self.env.cr.fetchall(),
            [
                ("contact", False, True),
                ("design", False, True),
                ("contact", False, False),
                ("design", False, False),
            ],
            "won: the last stay is closed too",
        )
        self.assertEqual(lead.phase_id.code, "design", "a won deal keeps its phase")

    def test_the_gate_reads_nothing_without_a_mandatory_item_in_the_way(self):
        leads = self._leads(20, "Gate")
        leads.convert_opportunity(self.customer)
        self.env.cr.flush()  # their phase work recorded
        contact = self.stage_contact._get_phase_step()
        leads._get_phase_gate_missing(contact, entering=True)  # the tables read once
        self.env.invalidate_all()
        leads.mapped("stage_id")
        self.assertEqual(
            self.count_queries(lambda: leads._get_phase_gate_missing(contact, entering=True)),
            0,
            "entering in the first phase: no item in the way, nothing read",
        )
        design = self.stage_design._get_phase_step()
        missing = {}
        self.assertEqual(
            self.count_queries(lambda: missing.update(leads._get_phase_gate_missing(design))),
            1,
            "one read of the ticked items for twenty opportunities",
        )
        self.assertEqual(set(missing), set(leads))


@tagged("post_install", "-at_install")
class TestTheCardCountsAfterAMove(ProjectStagesCase, QueryCounting):
    """A card moved forward shows the checklist of its new phase from what the gate read of
    the deal's checklist (one query for both); whatever changes the checklist or the problems
    after that read is counted, and the gate itself reads the checklist at every move."""

    def _in_design_again(self):
        """A deal of the rep's back in Contact after reaching Solution Design (its lines of
        both phases exist), the mandatory items of Contact done."""
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        lead.write({"stage_id": self.stage_design.id})
        lead.write({"stage_id": self.stage_contact.id})
        self.assertEqual(len(lead.checklist_line_ids), 5, "its lines of both phases recorded")
        return lead

    def _counts_read(self, lead):
        """(items, done, open problems) of the card, and the queries their read ran."""
        self.env.flush_all()
        lead.invalidate_recordset(["checklist_count", "checklist_done_count", "open_problem_count"])
        counts = []
        queries = self.count_queries(
            lambda: counts.extend(
                [lead.checklist_count, lead.checklist_done_count, lead.open_problem_count]
            )
        )
        return tuple(counts), queries

    def test_a_move_forward_shows_the_new_phase_s_counts_from_the_gate_s_read(self):
        lead = self._in_design_again()
        # The gate's read of the move to Design, and the lines given since: nothing to read.
        self.assertEqual(self._counts_read(lead), ((3, 2, 0), 0), "Contact, from the gate's read")
        forget_checklist_state(self.env)
        self.assertEqual(self._counts_read(lead), ((3, 2, 0), 1), "Contact: read by a query")
        lead.write({"stage_id": self.stage_design.id})  # the gate reads the checklist
        self.assertEqual(lead.phase_id.code, "design")
        self.assertEqual(self._counts_read(lead), ((2, 0, 0), 0), "Design, from the gate's read")
        lead.write({"stage_id": self.stage_contact.id})  # back: no gate, nothing read
        self.assertEqual(self._counts_read(lead)[0], (3, 2, 0))

    def test_the_counts_follow_a_tick_and_a_problem_after_the_gate_s_read(self):
        lead = self._in_design_again()
        lead.write({"stage_id": self.stage_design.id})
        self._tick(lead, self.item_solution_doc)
        self.assertEqual(self._counts_read(lead), ((2, 1, 0), 1), "the tick counted")
        lead.write({"stage_id": self.stage_contact.id})
        lead.write({"stage_id": self.stage_design.id})
        self.env["crm.lead.problem"].with_user(self.rep).create(
            {"lead_id": lead.id, "name": "Customer's IT not ready"}
        )
        self.assertEqual(self._counts_read(lead), ((2, 1, 1), 1), "the problem counted")
        self.env["crm.phase.checklist.item"].create(
            {"name": "Architecture reviewed", "phase_id": self.phases["design"].id}
        )
        self.assertEqual(self._counts_read(lead)[0], (3, 1, 1), "the new item counted")

    def test_a_first_move_into_a_phase_gives_the_lines_of_the_rule_from_the_gate_s_read(self):
        """A deal reaching a phase after the gate read its checklist gets the lines it lacks
        without a read of them: the same lines as the rule in SQL gives another deal
        (``phase_sql.checklist_lines``), with items of one company, of every company and
        archived; and its card counts them without a query."""
        design = self.phases["design"].id
        Item = self.env["crm.phase.checklist.item"]
        other = self.env["res.company"].create({"name": "Other Engineering Ltd"})
        theirs = Item.create({"name": "Their review", "phase_id": design, "company_id": other.id})
        ours = Item.create(
            {"name": "Our review", "phase_id": design, "company_id": self.env.company.id}
        )
        retired = Item.create({"name": "Retired review", "phase_id": design})
        retired.active = False
        by_rule, known = self._new_opportunity("By the rule"), self._new_opportunity("Known")
        for lead in (by_rule, known):
            self._tick_mandatory(lead, "contact")
        by_rule.write({"stage_id": self.stage_design.id})
        forget_checklist_state(self.env)  # its lines given by the statement of the rule
        self.assertEqual(len(by_rule.checklist_line_ids), 6)
        known.write({"stage_id": self.stage_design.id})
        # Its lines given (before the card's counts read them) in one statement, the counts
        # from the gate's read and what that statement inserted.
        self.assertEqual(self._counts_read(known), ((3, 0, 0), 1), "Design: the lines given")
        kept = self.env.cr.precommit.data[CHECKLIST_STATE][known.id]
        self.assertIn(ours.id, kept.items)

        def lines(lead):
            return sorted(
                (line.item_id.id, line.phase_id.id, line.phase_sequence, line.sequence)
                + (line.company_id.id, line.done)
                for line in lead.checklist_line_ids
            )

        self.assertEqual(lines(known), lines(by_rule))
        items = known.checklist_line_ids.item_id
        self.assertIn(ours, items)
        self.assertNotIn(theirs, items)
        self.assertNotIn(retired, items)
        self.assertEqual(len(known.checklist_line_ids), 6)

    def test_a_line_unticked_after_the_gate_s_read_gates_the_next_move(self):
        lead = self._in_design_again()
        lead.write({"stage_id": self.stage_design.id})  # the gate read: Contact's items done
        lead.write({"stage_id": self.stage_contact.id})
        lead.checklist_line_ids.filtered(lambda line: line.item_id == self.item_budget).write(
            {"done": False}
        )
        with self.assertRaisesRegex(UserError, "Budget confirmed"):
            lead.write({"stage_id": self.stage_design.id})
        self.assertEqual(lead.phase_id.code, "contact")


@tagged("post_install", "-at_install")
class TestSmallTablesFollowTheirChanges(ProjectStagesCase, QueryCounting):
    """The phases, the stage→phase map and the checklist items are read from the worker's
    cache; every change to them is seen at once."""

    def test_a_new_mandatory_item_gates_at_once(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        lead.invalidate_recordset()
        self.assertFalse(lead._get_phase_gate_missing(self.stage_design._get_phase_step()))
        item = self.env["crm.phase.checklist.item"].create(
            {"name": "Site visit done", "phase_id": self.phases["contact"].id}
        )
        self.assertIn(item, lead.checklist_line_ids.item_id, "the deal in Contact gets it")
        with self.assertRaisesRegex(UserError, "Site visit done"):
            lead.write({"stage_id": self.stage_design.id})
        item.mandatory = False
        lead.write({"stage_id": self.stage_design.id})
        self.assertEqual(lead.phase_id.code, "design")

    def test_an_archived_item_stops_gating_at_once(self):
        lead = self._new_opportunity()
        self._tick(lead, self.item_decision_makers)
        with self.assertRaisesRegex(UserError, "Budget confirmed"):
            lead.write({"stage_id": self.stage_design.id})
        self.item_budget.active = False
        lead.write({"stage_id": self.stage_design.id})
        self.assertEqual(lead.phase_id.code, "design")

    def test_a_stage_moved_to_another_phase_moves_the_gate(self):
        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        with self.assertRaisesRegex(UserError, "Solution document accepted"):
            lead.write({"stage_id": self.stage_proof.id})
        self.stage_proof.phase_id = self.phases["design"]
        self.assertEqual(self.stage_proof._get_phase_step(), self.phases["design"].sequence)
        lead.write({"stage_id": self.stage_proof.id})
        self.assertEqual(lead.phase_id.code, "design")

    def test_phase_order_and_stall_days_follow_the_phase(self):
        lead = self._new_opportunity()
        contact = self.phases["contact"]
        self.assertEqual(lead.phase_sequence, contact.sequence)
        contact.write({"sequence": contact.sequence + 1, "stall_days": 2})
        self.assertEqual(lead.phase_sequence, contact.sequence)
        self.assertEqual((lead.date_stalled - lead.phase_date_in).days, 3)
        contact.company_limit_ids = [(0, 0, {"company_id": lead.company_id.id, "stall_days": 5})]
        self.assertEqual((lead.date_stalled - lead.phase_date_in).days, 6)

    def test_reading_the_tables_again_reads_nothing(self):
        Phase = self.env["crm.project.phase"]
        Phase._get_phase_table()
        self.stage_design._get_phase_step()
        self.env["crm.phase.checklist.item"]._get_item_table()
        Phase._get_stall_limits()
        self.assertEqual(
            self.count_queries(
                lambda: (
                    Phase._get_phase_table(),
                    Phase._get_pipeline_phases(),
                    self.stage_design._get_phase_step(),
                    self.env["crm.phase.checklist.item"]._get_item_table(),
                    Phase._get_stall_limits(),
                )
            ),
            0,
        )

    def test_a_transaction_reads_each_table_from_the_workers_cache_once(self):
        """The look-ups of the workers' cache (``tools.cache.STAT`` counts them) of a move:
        one per table and transaction; the next transaction looks them up again (its
        precommit, the commit's first step, drops the transaction's copy)."""
        tables = [
            (self.env["crm.project.phase"], "_get_phase_table"),
            (self.env["crm.project.phase"], "_get_stall_limits"),
            (self.env["crm.stage"], "_get_stage_table"),
            (self.env["crm.phase.checklist.item"], "_get_item_table"),
        ]

        def lookups():
            counters = [
                STAT[(self.env.cr.dbname, model._name, getattr(type(model), name).__cache__.method)]
                for model, name in tables
            ]
            return [counter.hit + counter.miss for counter in counters]

        lead = self._new_opportunity()
        self._tick_mandatory(lead, "contact")
        self.env.cr.flush()
        before = lookups()
        for model, name in tables:
            getattr(model, name)()
        self.assertEqual([n - b for n, b in zip(lookups(), before, strict=True)], [1, 1, 1, 1])
        lead.write({"stage_id": self.stage_design.id})
        lead.write({"stage_id": self.stage_contact.id})
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual([n - b for n, b in zip(lookups(), before, strict=True)], [1, 1, 1, 1])
        self.env.cr.flush()
        lead.write({"stage_id": self.stage_design.id})
        self.assertTrue(lead.date_stalled)  # by the phase's stall limit
        self.assertEqual([n - b for n, b in zip(lookups(), before, strict=True)], [2, 2, 2, 2])


@tagged("post_install", "-at_install")
class TestRowsFollowTheCompany(ProjectStagesCase):
    def test_rows_of_an_opportunity_move_with_its_company(self):
        other = self.env["res.company"].create({"name": "Water Branch Ltd"})
        lead = self._new_opportunity().sudo()
        problem = self.env["crm.lead.problem"].create({"lead_id": lead.id, "name": "Late"})

        def companies():
            self.env.flush_all()
            self.env.invalidate_all()
            return (
                problem.company_id
                | lead.phase_history_ids.company_id
                | lead.checklist_line_ids.company_id
            )

        self.assertEqual(companies(), self.env.company)
        # Written: the rows follow.
        lead.sudo().write({"company_id": other.id, "team_id": False, "user_id": False})
        self.assertEqual(lead.company_id, other)
        self.assertEqual(companies(), other)
        # Recomputed (given a salesperson of the first company only): the rows follow too.
        self.rep.company_ids = self.env.company
        lead.sudo().user_id = self.rep
        self.assertEqual(lead.company_id, self.env.company)
        self.assertEqual(companies(), self.env.company)


@tagged("post_install", "-at_install")
class TestAssignmentIsBatched(ProjectStagesCase, LoggedPlans):
    def _inbound_team_and_leads(self):
        """A team of two reps with 3 leads a day each, and 6 unassigned leads of a day ago."""
        team = self.env["crm.team"].create(
            {
                "name": "Inbound",
                "assignment_optout": False,
                "assignment_domain": "[('name', '=like', 'Inbound %')]",
                "crm_team_member_ids": [
                    (0, 0, {"user_id": user.id, "assignment_max": 90})  # 3 a day
                    for user in (self.rep, self.other_rep)
                ],
            }
        )
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Inbound {i}",
                    "type": "lead",
                    "email_from": f"buyer{i}@inbound{i}.example.com",
                    "stage_id": self.stage_contact.id,
                    "user_id": False,
                    "team_id": False,
                }
                for i in range(6)
            ]
        )
        # Odoo assigns the leads created an hour ago or more.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = create_date - interval '1 day' WHERE id = ANY(%s)",
            [leads.ids],
        )
        self.env.invalidate_all()
        return team, leads

    def test_assigned_leads_enter_the_pipeline_with_history_and_checklist(self):
        team, leads = self._inbound_team_and_leads()
        team.with_user(self.manager).action_assign_leads()
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.assertEqual(leads.user_id, self.rep | self.other_rep)
        for lead in leads:
            self.assertEqual(self.codes(lead.phase_history_ids), ["contact"], lead.name)
            self.assertEqual(
                lead.checklist_line_ids.item_id,
                self.item_decision_makers | self.item_budget | self.item_need,
            )

    def test_the_duplicates_look_up_reads_the_email_index(self):
        """The assignment looks each lead's duplicates up by its normalised email
        (``_allocate_leads_deduplicate``): the queries crm runs, as logged, find them in the
        addon's index of the email (the planner told that the table is large: on a test
        database a scan is cheaper; without the index it reads here every deal by priority,
        and at 10,000 deals it scans the table for every lead)."""
        team, leads = self._inbound_team_and_leads()
        with self.assertLogs("odoo.sql_db", "DEBUG") as logged:
            team.with_user(self.manager).action_assign_leads()
        self.assertEqual(set(leads.mapped("type")), {"opportunity"})
        self.env.cr.execute("ANALYZE crm_lead")  # the planner knows the emails are distinct
        # A page of the table read in order priced as on a large table, ten times a page of an
        # index (``enable_seqscan = off`` prices crm's subquery of the stages out of reach and
        # the planner then takes any index of the deals).
        plans = self.logged_plans(logged, '"crm_lead"."email_normalized" = ', "seq_page_cost = 10")
        self.assertEqual(len(plans), len(leads), "a look-up of each lead's duplicates")
        for plan in plans:
            self.assertRegex(plan, r"Index Scan (using|on) crm_lead_duplicate_email_idx")

    def test_a_commit_within_the_batch_holds_the_converted_leads_whole(self):
        """Outside tests, Odoo's lead assignment commits on its way (after each team and every
        few leads): the leads converted before such a commit enter the pipeline in it, with
        their phase, stay and checklist - never an opportunity without them, even when the
        batch fails after the commit - and once only."""
        leads = self.env["crm.lead"].create(
            [
                {
                    "name": f"Inbound {i}",
                    "type": "lead",
                    "stage_id": self.stage_contact.id,
                    "team_id": self.team.id,
                    "user_id": self.rep.id,
                }
                for i in range(3)
            ]
        )
        Lead = self.env["crm.lead"].with_user(self.rep)

        def committed(lead):
            # What a commit holds: its pre-commit hooks run first (``Cursor.commit``).
            self.env.cr.flush()
            self.env.cr.execute(
                """SELECT l.type, l.phase_id,
                          (SELECT count(*) FROM crm_lead_phase_history h WHERE h.lead_id = l.id),
                          (SELECT count(*) FROM crm_lead_checklist_line c WHERE c.lead_id = l.id)
                     FROM crm_lead l WHERE l.id = %s""",
                [lead.id],
            )
            return self.env.cr.fetchone()

        entered = ("opportunity", self.phases["contact"].id, 1, 3)
        with Lead._batch_pipeline_entry():
            leads[0].with_user(self.rep).write({"type": "opportunity"})
            self.assertEqual(committed(leads[0]), entered)
            leads[1].with_user(self.rep).write({"type": "opportunity"})
            leads[2].with_user(self.rep).write({"type": "opportunity"})
            self.assertEqual(committed(leads[1]), entered)
            self.assertEqual(committed(leads[2]), entered)
        self.env.flush_all()
        self.env.invalidate_all()
        for lead in leads:
            self.assertEqual(committed(lead), entered, lead.name)
            self.assertEqual(self.codes(lead.phase_history_ids), ["contact"], lead.name)


@tagged("post_install", "-at_install")
class TestHistoryKeepsTheOpportunityFacts(ProjectStagesCase, QueryCounting):
    """The funnel reads what an opportunity is now from its first stay in each phase
    (salesperson, team, outcome, phase, furthest phase, revenue, type): written with the
    history's own facts, in one statement whatever the number of opportunities changed since.
    The other stays keep none (the funnel does not read them: a move writes fewer rows)."""

    def facts(self, lead):
        self.env.flush_all()
        self.env.invalidate_all()
        lead = lead.sudo()
        later = lead.phase_history_ids.filtered(lambda row: not row.is_first_entry)
        self.assertEqual(set(later.mapped("lead_type")), set() if not later else {False})
        self.assertFalse(later.lead_user_id or later.lead_team_id or later.lead_phase_id)
        return {
            (
                row.lead_type,
                row.lead_user_id,
                row.lead_team_id,
                row.lead_outcome,
                row.lead_phase_id,
                row.lead_phase_reached_sequence,
                row.lead_expected_revenue,
            )
            for row in lead.phase_history_ids.filtered("is_first_entry")
        }

    def now(self, lead):
        lead = lead.sudo()
        return {
            (
                lead.type,
                lead.user_id,
                lead.team_id,
                lead.outcome,
                lead.phase_id,
                lead.phase_reached_sequence,
                lead.expected_revenue,
            )
        }

    def test_the_history_follows_what_the_opportunity_is_now(self):
        lead = self._new_opportunity(expected_revenue=5000)
        self._tick_mandatory(lead, "contact")
        lead.stage_id = self.stage_design
        lead = lead.sudo()  # given to another salesperson below
        self.assertEqual(len(lead.phase_history_ids), 2)
        self.assertEqual(self.facts(lead), self.now(lead))
        other_team = self.env["crm.team"].create({"name": "East"})
        for vals in (
            {"user_id": self.other_rep.id},
            {"team_id": other_team.id},
            {"expected_revenue": 7500},
            {"stage_id": self.stage_contact.id},  # back: the furthest phase stays Design
        ):
            lead.write(vals)
            self.assertEqual(self.facts(lead), self.now(lead), vals)
        firsts = lead.phase_history_ids.filtered("is_first_entry")
        self.assertEqual(len(firsts), 2)
        self.assertEqual(len(lead.phase_history_ids), 3)
        self.assertEqual(
            set(firsts.mapped("lead_phase_reached_sequence")),
            {self.stage_design.phase_id.sequence},
        )
        lead.action_set_lost()
        self.assertEqual(self.facts(lead), self.now(lead))
        self.assertEqual(set(firsts.mapped("lead_outcome")), {"lost"})
        lead.action_unarchive()
        self.assertEqual(self.facts(lead), self.now(lead))
        self.assertEqual(set(firsts.mapped("lead_outcome")), {"open"})
        lead.type = "lead"
        self.assertEqual({fact[0] for fact in self.facts(lead)}, {"lead"})

    def test_changing_5_or_50_opportunities_updates_their_history_in_the_same_queries(self):
        few = self._new_opportunity("Few") | self._new_opportunity("Few 2")
        many = self.env["crm.lead"]
        for index in range(50):
            many |= self._new_opportunity(f"Many {index}")
        few |= many[:3]
        many = many[3:]
        self.env.cr.flush()  # their phase work recorded

        def reassign(leads):
            """Write ``leads`` as Odoo does; the queries of updating their history."""
            with self.env["crm.lead"]._hold_phase_events():
                leads.write({"user_id": self.other_rep.id, "expected_revenue": 1234})
                self.env.flush_all()
                self.assertEqual(set(self.env.cr.precommit.data[FACTS_PENDING]), set(leads.ids))
                before = self.env.cr.sql_log_count
            return self.env.cr.sql_log_count - before

        def read_history():
            """The queries of the next read of the history, which sets their rows' facts."""
            self.env.invalidate_all()
            return self.count_queries(self.env["crm.lead.phase.history"].flush_model)

        queries = [reassign(few), read_history(), reassign(many), read_history()]
        self.assertEqual(queries[:2], queries[2:], "a constant number of queries")
        self.assertEqual(queries[2], 1, "they wait for their rows' facts: one statement")
        self.assertEqual(
            queries[3],
            5,
            "the read: a savepoint, the lock of whoever sets them, the opportunities waiting, "
            "their rows' facts, the savepoint released",
        )
        for lead in few | many:
            self.assertEqual(self.facts(lead), self.now(lead), lead.name)

    def test_leads_outside_the_pipeline_cost_no_history_statement(self):
        plain = self.env["crm.lead"].create(
            [{"name": f"Plain {i}", "type": "lead", "team_id": self.team.id} for i in range(5)]
        )
        deal = self._new_opportunity()
        self.env.cr.flush()  # their phase work recorded
        data = self.env.cr.precommit.data
        with self.env["crm.lead"]._hold_phase_events():
            plain.write({"user_id": self.other_rep.id, "expected_revenue": 10})
            self.env.flush_all()
            self.assertFalse(data.get(FACTS_PENDING), "plain leads: nothing to record")
            deal.write({"user_id": self.other_rep.id})
            self.env.flush_all()
            self.assertEqual(set(data.get(FACTS_PENDING)), {deal.id})
        self.assertNotIn(FACTS_PENDING, data)
        self.assertEqual(self.facts(deal), self.now(deal))


@tagged("post_install", "-at_install")
class TestManagerWinsFromAnyPhase(JsonRpcMixin, HttpCase, ProjectStagesCase):
    """A Sales Manager wins a deal from any phase - the *Won* button, or a card dragged to a
    Won column - the items left open logged as a forced move is; a salesperson still needs
    every mandatory item done, and a Sales Manager's move to a later phase still needs the
    *Force Stage* wizard."""

    def note(self, lead):
        return lead.message_ids.filtered(lambda m: "Marked won by" in str(m.body))

    def test_a_sales_manager_wins_from_contact_logged(self):
        button = self._new_opportunity("Direct award by the board")
        dragged = self._new_opportunity("Framework contract extended")
        for lead, method, args in (
            (button, "action_set_won_rainbowman", []),
            (dragged, "write", [{"stage_id": self.stage_won.id}]),
        ):
            answer = self.rpc("ps_rep", "crm.lead", method, [lead.id], *args)
            self.assertRefused(answer, "UserError", "cannot move to ", "Contact: Budget confirmed")
            self.assertEqual(lead.outcome, "open")
            answer = self.rpc("ps_manager", "crm.lead", method, [lead.id], *args)
            self.assertIn("result", answer, answer.get("error"))
            lead.invalidate_recordset()
            self.assertEqual((lead.outcome, lead.phase_id.code), ("won", "contact"), method)
            self.assertEqual(lead.stage_id, self.stage_won)
            self.assertEqual(len(self.note(lead)), 1, method)
            for text in ("Mona Manager", "Contact", "Budget confirmed", "Bid submitted"):
                self.assertIn(text, str(self.note(lead).body))
            self.assertTrue(lead.phase_history_ids.date_out, "the stay in Contact is closed")
        # A later phase is no Won: the manager forces it, with a reason.
        later = self._new_opportunity("Still in contact")
        answer = self.rpc(
            "ps_manager", "crm.lead", "write", [later.id], {"stage_id": self.stage_tender.id}
        )
        self.assertRefused(answer, "UserError", "cannot move to Tender")
        self.assertEqual(later.phase_id.code, "contact")

    def test_a_sales_manager_winning_a_ready_deal_logs_nothing(self):
        lead = self._new_opportunity("Tender with everything done", stage=self.stage_tender)
        lead.checklist_line_ids.sudo().write({"done": True})
        answer = self.rpc("ps_manager", "crm.lead", "action_set_won", [lead.id])
        self.assertIn("result", answer, answer.get("error"))
        lead.invalidate_recordset()
        self.assertEqual(lead.outcome, "won")
        self.assertFalse(self.note(lead))


@tagged("post_install", "-at_install")
class TestImportTestRun(JsonRpcMixin, HttpCase, ProjectStagesCase):
    """The *Test* button of an import of opportunities loads them and rolls back to a savepoint
    (``base_import.import.execute_import`` with ``dryrun``): what their entry into the
    pipeline left to record goes with them, and the request ends without an error."""

    def _execute_import(self, columns, row, dryrun):
        """Import one CSV ``row`` of ``columns`` into opportunities as the rep: the *Test*
        button with ``dryrun``, else the *Import* button. Neither reports a problem."""
        wizard = self.env["base_import.import"].create(
            {
                "res_model": "crm.lead",
                "file": f"{','.join(columns)}\n{','.join(row)}\n".encode(),
                "file_type": "text/csv",
            }
        )
        answer = self.rpc(
            "ps_rep",
            "base_import.import",
            "execute_import",
            [wizard.id],
            columns,
            columns,
            {"quoting": '"', "separator": ",", "has_headers": True},
            dryrun=dryrun,
        )
        self.assertNotIn("error", answer, answer.get("error"))
        self.assertFalse(answer["result"]["messages"], answer["result"])
        self.env.invalidate_all()

    def _import(self, dryrun):
        name = f"Imported pump project {'test' if dryrun else 'real'}"
        self._execute_import(
            ["name", "type", "stage_id"], [name, "opportunity", self.stage_contact.name], dryrun
        )
        return self.env["crm.lead"].search([("name", "=", name)])

    def test_a_test_run_leaves_nothing_and_a_real_run_records_the_entry(self):
        self.assertFalse(self._import(dryrun=True), "the test run created nothing")
        lead = self._import(dryrun=True) or self._import(dryrun=False)
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual(self.codes(lead.phase_history_ids), ["contact"])
        self.assertEqual(
            lead.checklist_line_ids.item_id,
            self.item_decision_makers | self.item_budget | self.item_need,
        )

    def test_a_test_run_moving_deals_records_no_move(self):
        """An import that moves existing deals to another stage, tested first: the test run
        rolls the moves back, and with them the stays and the checklist they would have
        recorded; the real run records them."""
        lead = self._new_opportunity("Pump upgrade")
        self.env["ir.model.data"].create(
            {"module": "__import__", "name": "pump_upgrade", "model": "crm.lead", "res_id": lead.id}
        )
        self._tick_mandatory(lead, "contact")
        self.env.flush_all()
        before = (
            [(row.phase_id.code, row.date_in, row.date_out) for row in lead.phase_history_ids],
            self.codes(lead.checklist_line_ids),
        )
        self._execute_import(
            ["id", "stage_id"], ["__import__.pump_upgrade", self.stage_design.name], True
        )
        self.assertEqual(lead.phase_id.code, "contact")
        self.assertEqual(
            (
                [(row.phase_id.code, row.date_in, row.date_out) for row in lead.phase_history_ids],
                self.codes(lead.checklist_line_ids),
            ),
            before,
            "the test run recorded no stay and gave no checklist",
        )
        self._execute_import(
            ["id", "stage_id"], ["__import__.pump_upgrade", self.stage_design.name], False
        )
        self.assertEqual(lead.phase_id.code, "design")
        self.assertEqual(self.codes(lead.phase_history_ids), ["contact", "design"])
        self.assertIn("design", self.codes(lead.checklist_line_ids))


@tagged("post_install", "-at_install")
class TestPhaseWorkOfVanishedOpportunities(ProjectStagesCase):
    """Code rolling back to a savepoint of its own (not Odoo's flushing one) after creating
    opportunities leaves their phase events waiting: the commit records nothing for the
    opportunities gone with the rollback, and does not fail (nothing the user did is lost)."""

    def test_the_commit_records_nothing_for_an_opportunity_rolled_back(self):
        self.env.cr.flush()
        self.env.cr.execute("SAVEPOINT phase_work_test")
        gone = self._new_opportunity("Rolled back project")
        gone.sudo().write({"company_id": gone.company_id.id})
        gone_id = gone.id
        self.env.flush_all()
        self.env.cr.execute("ROLLBACK TO SAVEPOINT phase_work_test")
        self.env.invalidate_all()
        kept = self._new_opportunity("Kept project")
        self.env.cr.flush()  # what the commit runs: the events waiting are recorded
        self.assertFalse(self.env["crm.lead"].browse(gone_id).exists())
        self.env.cr.execute(
            "SELECT count(*) FROM crm_lead_phase_history WHERE lead_id = %s", [gone_id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(self.codes(kept.phase_history_ids), ["contact"])
        self.assertEqual(
            kept.checklist_line_ids.item_id,
            self.item_decision_makers | self.item_budget | self.item_need,
        )

    def test_a_gated_move_rolled_back_gives_no_lines_and_the_commit_goes_on(self):
        """The same after a move forward the gate read (its lines wait, known from the read):
        the deal gone, its lines are left out; a deal moved since gets its own."""
        self.env.cr.flush()
        self.env.cr.execute("SAVEPOINT phase_work_test")
        gone = self._new_opportunity("Rolled back project")
        self._tick_mandatory(gone, "contact")
        gone.write({"stage_id": self.stage_design.id})  # the gate reads its checklist
        gone_id = gone.id
        self.env.cr.execute("ROLLBACK TO SAVEPOINT phase_work_test")
        self.env.invalidate_all()
        self.env.cr.flush()  # what the commit runs: its lines wait, and its history
        moved = self._new_opportunity("Moved project")
        self._tick_mandatory(moved, "contact")
        moved.write({"stage_id": self.stage_design.id})
        self.env.cr.flush()
        self.env.cr.execute(
            "SELECT count(*) FROM crm_lead_checklist_line WHERE lead_id = %s", [gone_id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.assertEqual(len(moved.checklist_line_ids), 5)
        self.assertEqual(self.codes(moved.phase_history_ids), ["contact", "design"])


@tagged("post_install", "-at_install")
class TestWinningReadsTheWonDeals(ProjectStagesCase, LoggedPlans):
    def test_crm_s_rainbow_man_reads_the_won_deals_from_their_index(self):
        """Winning a deal, crm sums the year's won deals of the salesperson or of the team
        (``_get_rainbowman_message``): the query crm runs, as logged, can read the partial
        indexes of the won deals instead of every deal (the planner told not to scan the
        table: on a test database a scan is cheaper; without these indexes it reads crm's
        indexes of all the deals of the salesperson and of the team)."""
        lead = self._new_opportunity(stage=self.stage_tender, expected_revenue=5000)
        with self.assertLogs("odoo.sql_db", "DEBUG") as logged:
            lead.sudo().action_set_won_rainbowman()
        plans = self.logged_plans(logged, "max_team_30", "enable_seqscan = off")
        self.assertEqual(len(plans), 1, "crm's rainbow man query")
        plan = plans[0]
        # Either index, or both (few won deals: one index holds them all, then filtered).
        self.assertRegex(plan, r"Index Scan (using|on) crm_lead_won_(user|team)_idx")
