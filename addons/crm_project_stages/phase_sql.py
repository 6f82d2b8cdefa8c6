"""The rules of project phases in SQL, for the statements that fill many rows at once (the
install backfill, ``hooks.py``). Each rule is written here once, next to the one Python compute
that keeps it on each record (named in each docstring); reports read the stored columns.

Every function returns an ``odoo.tools.SQL`` expression over the table aliases it is given."""

from odoo.tools import SQL


def _column(alias, name):
    return SQL.identifier(alias, name)


def outcome(lead="l", stage="s", reason="r"):
    """The outcome of a deal (``crm.lead._compute_outcome``): open, won (in a Won stage), lost
    (archived with probability 0), cancelled (lost for a reason marked Project Cancelled) or
    archived (archived without being lost). ``stage`` and ``reason`` are the lead's stage and
    lost reason, joined."""
    return SQL(
        """CASE WHEN %(active)s THEN
                    CASE WHEN COALESCE(%(is_won)s, false) THEN 'won' ELSE 'open' END
                WHEN COALESCE(%(probability)s, 0) <> 0 THEN 'archived'
                WHEN COALESCE(%(cancellation)s, false) THEN 'cancelled'
                ELSE 'lost' END""",
        active=_column(lead, "active"),
        is_won=_column(stage, "is_won"),
        probability=_column(lead, "probability"),
        cancellation=_column(reason, "is_cancellation"),
    )


def pipeline_phase(lead="l", last=False):
    """The first (or ``last``) active phase of the pipeline of the lead's company
    (``crm.project.phase._get_pipeline_phases``)."""
    order = SQL("p.sequence DESC, p.id DESC") if last else SQL("p.sequence, p.id")
    return SQL(
        """(SELECT p.id FROM crm_project_phase p
             WHERE p.active AND (p.company_id IS NULL OR p.company_id = %(company)s)
             ORDER BY %(order)s LIMIT 1)""",
        company=_column(lead, "company_id"),
        order=order,
    )


def entry_phase(lead="l", stage="s"):
    """The phase an opportunity enters the pipeline in (``crm.lead._get_entry_phase``): its
    stage's; for a Won stage the last phase; else the first."""
    return SQL(
        "COALESCE(%(phase)s, "
        "CASE WHEN COALESCE(%(is_won)s, false) THEN %(last)s ELSE %(first)s END)",
        phase=_column(stage, "phase_id"),
        is_won=_column(stage, "is_won"),
        last=pipeline_phase(lead, last=True),
        first=pipeline_phase(lead),
    )


def stall_days(lead="l"):
    """The days the lead's phase allows in its company (``crm.project.phase._stall_days``):
    the company's own limit, else the phase's."""
    return SQL(
        """COALESCE((SELECT pc.stall_days FROM crm_project_phase_company pc
                      WHERE pc.phase_id = %(phase)s AND pc.company_id = %(company)s),
                    (SELECT p.stall_days FROM crm_project_phase p WHERE p.id = %(phase)s))""",
        phase=_column(lead, "phase_id"),
        company=_column(lead, "company_id"),
    )


def date_stalled(lead="l"):
    """When an opportunity counts as stalled if it stays in its phase
    (``crm.lead._compute_date_stalled``): the day after the days its phase allows."""
    return SQL(
        "%(date_in)s + make_interval(days => %(days)s + 1)",
        date_in=_column(lead, "phase_date_in"),
        days=stall_days(lead),
    )


def history_facts(condition=None):
    """The statement that sets the stored facts of phase history rows
    (``crm.lead.phase.history._compute_duration`` and ``_compute_phase_facts``, and the
    opportunity's facts its related fields keep: type, salesperson, team, outcome, phase,
    furthest phase, revenue) of the opportunities whose rows match ``condition`` (over alias
    ``h``; all when None)."""
    return SQL(
        """
        WITH facts AS (
            SELECT h.id,
                   row_number() OVER stays = 1 AS first,
                   sum(EXTRACT(EPOCH FROM h.date_out - h.date_in) / 86400.0)
                       FILTER (WHERE h.date_out IS NOT NULL) OVER phase AS closed_days,
                   min(h.date_in) FILTER (WHERE h.date_out IS NULL) OVER phase AS open_since
              FROM crm_lead_phase_history h
             WHERE h.lead_id IN (SELECT h.lead_id FROM crm_lead_phase_history h WHERE %(condition)s)
            WINDOW phase AS (PARTITION BY h.lead_id, h.phase_id),
                   stays AS (PARTITION BY h.lead_id, h.phase_id ORDER BY h.date_in, h.id)
        )
        UPDATE crm_lead_phase_history h
           SET duration = COALESCE(EXTRACT(EPOCH FROM h.date_out - h.date_in) / 86400.0, 0),
               is_first_entry = facts.first,
               phase_closed_days = CASE WHEN facts.first THEN COALESCE(facts.closed_days, 0)
                                        ELSE 0 END,
               phase_open_since = CASE WHEN facts.first THEN facts.open_since END,
               lead_type = l.type,
               lead_user_id = l.user_id,
               lead_team_id = l.team_id,
               lead_outcome = l.outcome,
               lead_phase_id = l.phase_id,
               lead_phase_reached_sequence = l.phase_reached_sequence,
               lead_expected_revenue = l.expected_revenue
          FROM facts, crm_lead l
         WHERE facts.id = h.id AND l.id = h.lead_id
        """,
        condition=condition if condition is not None else SQL("TRUE"),
    )


def is_stalled(lead="l"):
    """Whether an opportunity is stalled now (``crm.lead._compute_days_in_phase``): open, and
    past the day its phase allows."""
    return SQL(
        "(%(type)s = 'opportunity' AND %(outcome)s = 'open' "
        "AND %(date_stalled)s <= (now() at time zone 'UTC'))",
        type=_column(lead, "type"),
        outcome=_column(lead, "outcome"),
        date_stalled=_column(lead, "date_stalled"),
    )


def stay_origin(open_since, closed_days):
    """For an opportunity in a phase now (``open_since`` set), the moment it would have
    entered the phase had it stayed there in one go: its days in the phase are the days since
    then. The funnel's index of the days of the stays under way is on this expression
    (``crm.lead.phase.history.init``), the funnel's medians look rows up by it: both write it
    with this function, so that PostgreSQL matches them."""
    return SQL("(%s - make_interval(secs => %s * 86400))", open_since, closed_days)
