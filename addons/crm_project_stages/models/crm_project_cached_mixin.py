import functools

from odoo import api, models

from .crm_lead_company_mixin import forget_checklist_state

# The tables a transaction read from the workers' cache (see ``kept_for_transaction``).
TABLES = "crm_project_stages.tables"
# The worker's cache is cleared again after the commit of a change (``clear_tables``).
CLEARED_AFTER_COMMIT = "crm_project_stages.tables_cleared_after_commit"


def kept_for_transaction(method):
    """Decorate a table's reader (a ``tools.ormcache`` without arguments): the transaction
    reads the table from the workers' cache once and keeps it until the transaction ends or a
    table changes (``clear_tables``). A look-up of the workers' cache binds the call's
    arguments to the method's signature (about 7 µs); a stage move reads the tables some
    thirty times."""
    key = f"{method.__module__}.{method.__qualname__}"

    @functools.wraps(method)
    def read_table(self):
        # The precommit's data: dropped at the commit, the rollback and a test's end.
        tables = self.env.cr.precommit.data.setdefault(TABLES, {})
        try:
            return tables[key]
        except KeyError:
            table = tables[key] = method(self)
            return table

    return read_table


def clear_tables(env):
    """The tables change: the workers read them again (every worker's cache is cleared), and
    so does this transaction (its kept copies dropped). This worker's cache is cleared once
    more after the commit: another transaction of the worker (a threaded server, a scheduled
    action's thread) that read a table before the commit filled the cache from its own
    snapshot, without the change, and Odoo signals the change to the other workers only."""
    env.registry.clear_cache()
    env.cr.precommit.data.pop(TABLES, None)
    postcommit = env.cr.postcommit
    if not postcommit.data.get(CLEARED_AFTER_COMMIT):
        postcommit.data[CLEARED_AFTER_COMMIT] = True
        postcommit.add(env.registry.clear_cache)


class CrmProjectCachedMixin(models.AbstractModel):
    """A small table the everyday paths (a card moved, a deal created or won) read from the
    worker's cache (``tools.ormcache``) instead of the database: the phases, the stage→phase
    map, the checklist items. Creating or deleting a record, or changing one of the fields of
    ``_cached_fields`` (every field when None), clears the cache (of every worker); so does a
    translation of one (Odoo writes the field after updating its translations)."""

    _name = "crm.project.cached.mixin"
    _description = "CRM Project Stages: table kept in the workers' cache"

    _cached_fields = None

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self._clear_tables()
        return records

    def write(self, vals):
        if self._cached_fields is None or not self._cached_fields.isdisjoint(vals):
            # Before too: what the write itself recomputes (the opportunities' fields that
            # follow a phase) reads the table again, with the new values.
            self._clear_tables()
            res = super().write(vals)
            self._clear_tables()
            return res
        return super().write(vals)

    def unlink(self):
        res = super().unlink()
        self._clear_tables()
        return res

    def _clear_tables(self):
        """The workers' tables are read again, and so are the checklists the gate read (a
        line's phase follows its item's)."""
        clear_tables(self.env)
        forget_checklist_state(self.env)
