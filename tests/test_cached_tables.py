"""The small tables the everyday paths read from a worker's cache (the stages, the phases, the
checklist items: ``crm.project.cached.mixin``) follow a change committed while another
transaction of the same worker reads them (a threaded server, a scheduled action's thread):
each block below is a transaction of its own, on committed data as a deployment has it."""

import uuid

from live_odoo import live_env

import odoo
from odoo import SUPERUSER_ID, api

WON = [("is_won", "=", True)]


def test_a_change_committed_while_another_transaction_reads_the_table():
    with live_env() as env:
        stage_id = env["crm.stage"].create({"name": f"Signed {uuid.uuid4().hex[:8]}"}).id
        env["crm.stage"].search(WON)  # the table in the worker's cache
    registry = odoo.modules.registry.Registry(odoo.tools.config["db_name"])
    try:
        with registry.cursor() as older, registry.cursor() as changing:
            reader = api.Environment(older, SUPERUSER_ID, {})
            reader.cr.execute("SELECT 1")  # its snapshot: before the change is committed
            writer = api.Environment(changing, SUPERUSER_ID, {})
            writer["crm.stage"].browse(stage_id).write({"is_won": True})
            # Read before the change is committed: the table of its snapshot, without the
            # stage, goes to the worker's cache...
            assert stage_id not in reader["crm.stage"].search(WON).ids
            changing.commit()
        # ... and is not what the next transaction reads.
        with live_env() as env:
            assert stage_id in env["crm.stage"].search(WON).ids
            env.cr.execute("SELECT id FROM crm_stage WHERE is_won ORDER BY sequence, id")
            assert set(env["crm.stage"].search(WON).ids) == {row[0] for row in env.cr.fetchall()}
    finally:
        with live_env() as env:
            env["crm.stage"].browse(stage_id).unlink()
