"""Installing into a database that already holds a pipeline: every pipeline gets the phases,
every opportunity already there its phase, history, checklist and outcome, in a few set-based
statements (a deployment may hold hundreds of thousands of leads)."""

from odoo.tools import SQL

from . import phase_sql
from .models.crm_lead import CRM_LEAD_INDEXES


def post_init_hook(env):
    # The translations of this addon were just loaded in SQL: read them.
    env.invalidate_all()
    env["crm.stage"]._map_stages_to_phases()
    name_stages_after_phases(env)
    fill_opportunities(env)


def name_stages_after_phases(env):
    """The stages named like their phase in English in every language (created for a phase:
    by the mapping above, or by the demo data before the translations were loaded) are named
    like it in every installed language."""
    env.cr.execute(
        """
        SELECT s.id FROM crm_stage s JOIN crm_project_phase p ON p.id = s.phase_id
         WHERE NOT EXISTS (SELECT 1 FROM jsonb_each_text(s.name) n
                            WHERE n.value <> p.name->>'en_US')
        """
    )
    env["crm.stage"].browse([row[0] for row in env.cr.fetchall()])._name_after_phase()


def uninstall_hook(env):
    """The phases go with the addon, and first what points to them: the stages and the
    opportunities of the CRM stay without a phase, the addon's own rows go (their tables are
    dropped right after)."""
    env.cr.execute(
        """
        UPDATE crm_stage SET phase_id = NULL WHERE phase_id IS NOT NULL;
        UPDATE crm_lead SET phase_id = NULL, phase_reached_id = NULL
         WHERE phase_id IS NOT NULL OR phase_reached_id IS NOT NULL;
        DELETE FROM crm_lead_phase_history;
        DELETE FROM crm_lead_checklist_line;
        DELETE FROM crm_lead_problem;
        DELETE FROM crm_phase_checklist_item;
        DELETE FROM crm_project_phase_company;
        """
    )
    for name in CRM_LEAD_INDEXES:  # on crm's columns: they stay without the addon
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


def fill_opportunities(env):
    """Opportunities without a phase enter the pipeline as ``crm.lead._enter_pipeline`` makes
    them (their stage's phase, the last for a Won stage, else the first) since their last stage
    change; leads (not yet opportunities) get no phase. Every lead gets its outcome."""
    env.flush_all()
    cr = env.cr
    now = SQL("(now() at time zone 'UTC')")
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET phase_id = %(phase)s,
                   phase_date_in = COALESCE(l.date_last_stage_update, l.create_date, %(now)s)
              FROM crm_lead l2
              LEFT JOIN crm_stage s ON s.id = l2.stage_id
             WHERE l2.id = l.id AND l.phase_id IS NULL AND l.type = 'opportunity'
            """,
            phase=phase_sql.entry_phase("l", "s"),
            now=now,
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET outcome = %(outcome)s
              FROM crm_lead l2
              LEFT JOIN crm_stage s ON s.id = l2.stage_id
              LEFT JOIN crm_lost_reason r ON r.id = l2.lost_reason_id
             WHERE l2.id = l.id AND l.outcome IS NULL
            """,
            outcome=phase_sql.outcome("l", "s", "r"),
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE crm_lead l
               SET phase_reached_id = COALESCE(l.phase_reached_id, l.phase_id),
                   phase_sequence = p.sequence,
                   phase_reached_sequence = COALESCE(r.sequence, p.sequence),
                   date_stalled = %(date_stalled)s
              FROM crm_project_phase p, crm_lead l2
              LEFT JOIN crm_project_phase r ON r.id = l2.phase_reached_id
             WHERE p.id = l.phase_id AND l2.id = l.id AND l.date_stalled IS NULL
            """,
            date_stalled=phase_sql.date_stalled("l"),
        )
    )
    cr.execute(
        phase_sql.insert_history(
            SQL(
                """
                (SELECT l.id AS lead_id, l.phase_id, l.phase_date_in AS date_in,
                        CASE WHEN l.outcome <> 'open'
                             THEN GREATEST(l.phase_date_in, COALESCE(l.date_closed, l.write_date))
                             END AS date_out,
                        l.user_id, l.company_id
                   FROM crm_lead l
                  WHERE l.phase_id IS NOT NULL
                    AND NOT EXISTS (SELECT 1 FROM crm_lead_phase_history h
                                     WHERE h.lead_id = l.id)) s
                """
            ),
            env.uid,
        )
    )
    new_rows = [row[0] for row in cr.fetchall()]
    if new_rows:
        cr.execute(phase_sql.history_facts(SQL("h.id = ANY(%s)", new_rows)))
    cr.execute(
        phase_sql.checklist_lines(
            SQL(
                """
                SELECT l.id, l.company_id, l.phase_sequence AS reach FROM crm_lead l
                 WHERE l.outcome = 'open' AND l.type = 'opportunity'
                   AND l.phase_id IS NOT NULL
                """
            ),
            env.uid,
        )
    )
    # Fresh statistics for the planner: the tables were just filled (autovacuum comes later).
    cr.execute("ANALYZE crm_lead, crm_lead_phase_history, crm_lead_checklist_line")
    env.invalidate_all()
