"""The facts of the phase history a commit leaves waiting (a stage move writes the stays at
once, the facts the funnel reads later: ``crm.lead.phase.history._apply_stale_facts``) are set
by the scheduled action *CRM: phase history facts for the funnel*, on committed data as a
deployment has it: each block below is a transaction of its own, committed."""

import time
import uuid

import psycopg2
import pytest
from live_odoo import live_env

import odoo
from odoo import SUPERUSER_ID, api
from odoo.addons.crm_project_stages import phase_sql
from odoo.tools import SQL


def _deal(env):
    """A deal in Contact with its checklist ticked, and the stages of Contact and Design."""
    Stage = env["crm.stage"]
    contact = Stage.search([("phase_id.code", "=", "contact")], limit=1)
    design = Stage.search([("phase_id.code", "=", "design")], limit=1)
    lead = env["crm.lead"].create(
        {
            "name": f"Facts job {uuid.uuid4().hex[:8]}",
            "type": "opportunity",
            "stage_id": contact.id,
            "expected_revenue": 500,
        }
    )
    lead.checklist_line_ids.write({"done": True})
    return lead.id, contact.id, design.id


def _waiting(env, lead_id):
    env.cr.execute(
        SQL(
            "SELECT count(*) FROM %s WHERE lead_id = %s",
            SQL.identifier(phase_sql.STALE_TABLE),
            lead_id,
        )
    )
    return env.cr.fetchone()[0]


def _rows(env, lead_id):
    env.cr.execute(
        """SELECT p.code, h.date_out IS NULL, h.is_first_entry
             FROM crm_lead_phase_history h JOIN crm_project_phase p ON p.id = h.phase_id
            WHERE h.lead_id = %s ORDER BY h.id""",
        [lead_id],
    )
    return env.cr.fetchall()


def _facts_are_the_sql_rule(env, lead_id):
    """Whether the SQL rule finds nothing to change in the deal's rows (checked in a
    savepoint rolled back: the check changes nothing)."""
    env.cr.execute("SAVEPOINT facts_check")
    env.cr.execute(phase_sql.history_facts(leads=[lead_id]))
    changed = env.cr.rowcount
    env.cr.execute("ROLLBACK TO SAVEPOINT facts_check")
    return changed == 0


def _move(lead_id, stage_id):
    with live_env() as env:
        env["crm.lead"].browse(lead_id).write({"stage_id": stage_id})


def _job():
    with live_env() as env:
        env["crm.lead.phase.history"]._cron_apply_stale_facts()


def test_the_job_sets_the_facts_a_move_left_waiting():
    with live_env() as env:
        lead_id, _contact_id, design_id = _deal(env)
    _job()
    _move(lead_id, design_id)
    with live_env() as env:
        # The stays at once; the new stay's facts (its first in Design) not yet.
        assert _rows(env, lead_id) == [("contact", False, True), ("design", True, None)]
        assert _waiting(env, lead_id) == 1
        assert not _facts_are_the_sql_rule(env, lead_id)
    _job()
    with live_env() as env:
        assert _rows(env, lead_id) == [("contact", False, True), ("design", True, True)]
        assert _waiting(env, lead_id) == 0
        assert _facts_are_the_sql_rule(env, lead_id)
        env["crm.lead"].browse(lead_id).unlink()


def test_a_move_during_the_job_leaves_the_facts_for_its_next_run():
    """The job's transaction sees the data of its start: a move of the same deal committed
    meanwhile wins, the job's own change of the deal's rows is undone (PostgreSQL refuses it)
    and the deal waits for the next run, which sets its facts."""
    with live_env() as env:
        lead_id, contact_id, design_id = _deal(env)
    _job()
    _move(lead_id, design_id)
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    with registry.cursor() as job_cr:
        job_env = api.Environment(job_cr, SUPERUSER_ID, {})
        job_cr.execute("SELECT 1")  # the job's transaction has begun: its snapshot is taken
        _move(lead_id, contact_id)  # committed meanwhile: it closes the stay in Design
        job_env["crm.lead.phase.history"]._cron_apply_stale_facts()
    with live_env() as env:
        assert _rows(env, lead_id) == [
            ("contact", False, True),
            ("design", False, None),
            ("contact", True, None),
        ]
        assert _waiting(env, lead_id) == 2, "both moves wait"
    _job()
    with live_env() as env:
        assert _rows(env, lead_id) == [
            ("contact", False, True),
            ("design", False, True),
            ("contact", True, False),
        ]
        assert _waiting(env, lead_id) == 0
        assert _facts_are_the_sql_rule(env, lead_id)
        env["crm.lead"].browse(lead_id).unlink()


def _moved_deal():
    """A deal moved to Design, its facts waiting; (its id, Contact's stage, Design's stage)."""
    with live_env() as env:
        lead_id, contact_id, design_id = _deal(env)
    _job()
    _move(lead_id, design_id)
    return lead_id, contact_id, design_id


def _registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


def _settled(lead_id):
    """The deal's facts are the SQL rule's once the job has run; the deal removed."""
    _job()
    with live_env() as env:
        assert _waiting(env, lead_id) == 0
        assert _facts_are_the_sql_rule(env, lead_id)
        env["crm.lead"].browse(lead_id).unlink()


def test_a_reader_does_not_wait_while_another_transaction_sets_the_facts():
    lead_id, _contact_id, _design_id = _moved_deal()
    registry = _registry()
    with registry.cursor() as job_cr:
        api.Environment(job_cr, SUPERUSER_ID, {})[
            "crm.lead.phase.history"
        ]._cron_apply_stale_facts()  # sets them; its transaction still open
        with registry.cursor() as reader_cr:
            reader_cr.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail the read
            reader = api.Environment(reader_cr, SUPERUSER_ID, {})
            start = time.monotonic()
            entries = reader["crm.funnel.report"].search_count([("lead_id", "=", lead_id)])
            assert time.monotonic() - start < 1.5
            assert entries == 1, "the facts as they were: Contact's entry only"
    _settled(lead_id)


def test_a_transaction_begun_before_the_job_set_the_facts_reads_on():
    """Its snapshot still shows the deal waiting: it leaves it (PostgreSQL refuses it the rows
    the job has changed since) and reads the facts as its snapshot has them."""
    lead_id, _contact_id, _design_id = _moved_deal()
    with _registry().cursor() as old_cr:
        old_cr.execute("SELECT 1")  # its snapshot is taken
        _job()
        old = api.Environment(old_cr, SUPERUSER_ID, {})
        assert old["crm.funnel.report"].search_count([("lead_id", "=", lead_id)]) == 1
    _settled(lead_id)


def test_a_move_meeting_facts_set_since_it_began_is_run_again_not_logged():
    """A move whose transaction began before the job set the facts of the stay it closes is
    refused at its commit by PostgreSQL (Odoo runs the request again), without an error in
    the log (the tests fail on any); nothing of it is written."""
    lead_id, contact_id, _design_id = _moved_deal()
    with pytest.raises(psycopg2.errors.SerializationFailure):
        with _registry().cursor() as move_cr:
            move_cr.execute("SELECT 1")  # its snapshot is taken
            _job()
            api.Environment(move_cr, SUPERUSER_ID, {})["crm.lead"].browse(lead_id).write(
                {"stage_id": contact_id}
            )
    with live_env() as env:
        assert _rows(env, lead_id) == [("contact", False, True), ("design", True, True)]
    _settled(lead_id)
