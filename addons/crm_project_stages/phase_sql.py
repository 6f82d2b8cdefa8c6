"""The rules of project phases in SQL, for the statements that fill many rows at once (the
install backfill, ``hooks.py``; the history rows and checklist lines the opportunities changed
since the last flush need, ``crm.lead._flush_phase_events``). Each rule is written here once,
next to the one Python compute that keeps it on each record (named in each docstring); reports
read the stored columns.

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


def stamps(uid):
    """The values of the ORM's audit columns (create_uid, create_date, write_uid, write_date)
    of rows inserted by ``uid`` now."""
    return SQL("%(uid)s, %(now)s, %(uid)s, %(now)s", uid=uid, now=SQL("(now() at time zone 'UTC')"))


def insert_history(stays, uid, order=None):
    """The statement that inserts phase history rows (``crm.lead.phase.history``), one per
    row of ``stays``: SQL of rows (lead_id, phase_id, date_in, date_out, user_id, company_id)
    aliased ``s``, inserted in ``order`` (SQL over ``s``; by default by opportunity and entry):
    the ids order the stays of one entry. Returns the ids of the new rows; their facts are
    ``history_facts``."""
    return SQL(
        """
        INSERT INTO crm_lead_phase_history
               (lead_id, phase_id, phase_sequence, date_in, date_out, user_id, company_id,
                create_uid, create_date, write_uid, write_date)
        SELECT s.lead_id, s.phase_id, p.sequence, s.date_in, s.date_out, s.user_id, s.company_id,
               %(stamps)s
          FROM %(stays)s
          JOIN crm_project_phase p ON p.id = s.phase_id
         ORDER BY %(order)s
        RETURNING id
        """,
        stays=stays,
        stamps=stamps(uid),
        order=order or SQL("s.lead_id, s.date_in"),
    )


def checklist_lines(leads, uid):
    """The statement that gives opportunities the checklist lines they lack
    (``crm.lead._flush_phase_events``): a line for every active item of the phases up to the
    sequence ``reach``, used in the opportunity's company (the item's and its phase's company
    empty or the opportunity's). ``leads``: a query of rows (id, company_id, reach), planned
    apart (a CTE of its own: a planner joining the opportunities, 35 indexes, with the items
    and the phases takes longer than the insert)."""
    return SQL(
        """
        WITH l AS MATERIALIZED (%(leads)s)
        INSERT INTO crm_lead_checklist_line
               (lead_id, item_id, phase_id, phase_sequence, sequence, done, company_id,
                create_uid, create_date, write_uid, write_date)
        SELECT l.id, i.id, i.phase_id, i.phase_sequence, i.sequence, false, l.company_id,
               %(stamps)s
          FROM l
          JOIN crm_phase_checklist_item i
            ON i.active AND i.phase_sequence <= l.reach
           AND (i.company_id IS NULL OR i.company_id = l.company_id)
          JOIN crm_project_phase p
            ON p.id = i.phase_id AND (p.company_id IS NULL OR p.company_id = l.company_id)
        ON CONFLICT (lead_id, item_id) DO NOTHING
        """,
        leads=leads,
        stamps=stamps(uid),
    )


# The facts of its opportunity a history row keeps for the funnel: {history column: lead
# column} (``crm.lead.phase.history``, kept by ``crm.lead._flush_phase_events``).
LEAD_FACTS = {
    "lead_type": "type",
    "lead_user_id": "user_id",
    "lead_team_id": "team_id",
    "lead_outcome": "outcome",
    "lead_phase_id": "phase_id",
    "lead_phase_reached_sequence": "phase_reached_sequence",
    "lead_expected_revenue": "expected_revenue",
}


# The facts of a stay a history row stores besides the opportunity's (``history_facts``).
STAY_FACTS = ("duration", "is_first_entry", "phase_closed_days", "phase_open_since")


def _days(start, end):
    """Days from ``start`` to ``end`` as the ORM computes them in Python: seconds (whole, as
    Odoo stores datetimes) over 86,400, in double precision."""
    return SQL("EXTRACT(EPOCH FROM %s - %s)::float8 / 86400", end, start)


def history_facts(condition=None, leads=None):
    """The statement that sets the stored facts of phase history rows
    (``crm.lead.phase.history._compute_duration`` and ``_compute_phase_facts``) and, on the
    first stays, the facts of their opportunity they keep (``LEAD_FACTS``), of the
    opportunities whose rows match ``condition`` (over alias ``h``; all when None), or of the
    opportunities of ids ``leads``. Days are double precision, as the ORM stores them; rows
    whose facts are unchanged are left as they are."""
    if leads is not None:
        scope = SQL("l.id = ANY(%s)", list(leads))
    else:
        scope = SQL(
            "l.id IN (SELECT h.lead_id FROM crm_lead_phase_history h WHERE %s)",
            condition if condition is not None else SQL("TRUE"),
        )
    return _write_history(scope)


def record_stays(leads, closing, stays, uid):
    """The statement that records the stays of opportunities (``crm.lead._record_phase_stays``)
    with the facts of every history row of the opportunities of ids ``leads``: their stays
    open in the database close at the dates of ``closing`` ({opportunity id: date}), the
    ``stays`` are inserted in their order (lists of opportunity id, phase id, date in, date out
    or None, salesperson id or None), and the facts of all their rows are set (as
    ``history_facts``). Each row is written once: a row inserted or updated again in the same
    transaction makes PostgreSQL check each of its foreign keys again. The stays of an
    opportunity no longer in the database are left out."""
    new_stays = None
    if stays:
        new_stays = SQL(
            """SELECT NULL::int, u.lead_id, u.phase_id, u.date_in, u.date_out, u.rank, u.user_id
                 FROM unnest(%s::int[], %s::int[], %s::timestamp[], %s::timestamp[], %s::int[])
                      WITH ORDINALITY u(lead_id, phase_id, date_in, date_out, user_id, rank)""",
            *[list(column) for column in zip(*stays, strict=True)],
        )
    return _write_history(
        SQL("l.id = ANY(%s)", list(leads)),
        uid=uid,
        closing=SQL(
            "SELECT * FROM unnest(%s::int[], %s::timestamp[]) c(lead_id, date_out)",
            list(closing),
            list(closing.values()),
        )
        if closing
        else None,
        stays=new_stays,
    )


def _write_history(scope, uid=None, closing=None, stays=None):
    """The statement that sets the history facts of the opportunities of ``scope`` (SQL over
    alias ``l`` of ``crm_lead``), after their open stays close at the dates of ``closing``
    (SQL of rows lead_id, date_out) and with the new ``stays`` (SQL of rows id (NULL),
    lead_id, phase_id, date_in, date_out, rank, user_id), inserted. ``uid``: the user noted
    as the writer of the rows (none: the rows' audit columns are left alone).

    The opportunities are read in a CTE of their own, planned apart from the history: a
    planner joining them (35 indexes) with the history and the phases costs more than the
    statement itself."""
    stay = _days(SQL("r.date_in"), SQL("r.date_out"))
    lead_columns = SQL(", ").join(SQL.identifier("l", name) for name in LEAD_FACTS.values())
    first_facts = SQL(", ").join(
        SQL("CASE WHEN s.first THEN %s END AS %s", SQL.identifier("l", lead), SQL.identifier(name))
        for name, lead in LEAD_FACTS.items()
    )
    if closing is not None:
        closed = SQL("COALESCE(h.date_out, c.date_out)")
        closing_join = SQL("LEFT JOIN closing c ON c.lead_id = h.lead_id")
    else:
        closed, closing_join = SQL("h.date_out"), SQL()
    rows = SQL(
        """SELECT h.id, h.lead_id, h.phase_id, h.date_in, %(closed)s AS date_out,
                  0::bigint AS rank, NULL::int AS user_id
             FROM crm_lead_phase_history h %(closing_join)s
            WHERE h.lead_id IN (SELECT l.id FROM lead l)""",
        closed=closed,
        closing_join=closing_join,
    )
    if stays is not None:
        rows = SQL(
            "%s UNION ALL SELECT n.* FROM (%s) n WHERE n.lead_id IN (SELECT l.id FROM lead l)",
            rows,
            stays,
        )
    facts = ["date_out", *STAY_FACTS, *LEAD_FACTS]
    fact_columns = SQL(", ").join(SQL.identifier(name) for name in facts)
    h_facts = SQL(", ").join(SQL.identifier("h", name) for name in facts)
    f_facts = SQL(", ").join(SQL.identifier("f", name) for name in facts)
    stamp = SQL(", write_uid = %s, write_date = (now() at time zone 'UTC')", uid)
    ctes = [
        SQL(
            "lead AS MATERIALIZED (SELECT l.id, l.company_id, %s FROM crm_lead l WHERE %s)",
            lead_columns,
            scope,
        )
    ]
    if closing is not None:
        ctes.append(SQL("closing AS MATERIALIZED (%s)", closing))
    ctes.append(
        SQL(
            """stays AS (
            SELECT r.*,
                   COALESCE(%(stay)s, 0) AS duration,
                   row_number() OVER stays = 1 AS first,
                   sum(%(stay)s) FILTER (WHERE r.date_out IS NOT NULL) OVER phase AS closed_days,
                   min(r.date_in) FILTER (WHERE r.date_out IS NULL) OVER phase AS open_since
              FROM (%(rows)s) r
            WINDOW phase AS (PARTITION BY r.lead_id, r.phase_id),
                   stays AS (PARTITION BY r.lead_id, r.phase_id
                             ORDER BY r.date_in, r.id NULLS LAST, r.rank)
        )""",
            stay=stay,
            rows=rows,
        )
    )
    ctes.append(
        SQL(
            """facts AS MATERIALIZED (
            SELECT s.id, s.lead_id, s.phase_id, s.date_in, s.date_out, s.rank, s.user_id,
                   l.company_id, s.duration, s.first AS is_first_entry,
                   CASE WHEN s.first THEN COALESCE(s.closed_days, 0) ELSE 0 END
                       AS phase_closed_days,
                   CASE WHEN s.first THEN s.open_since END AS phase_open_since,
                   %(first_facts)s
              FROM stays s
              JOIN lead l ON l.id = s.lead_id
        )""",
            first_facts=first_facts,
        )
    )
    update = SQL(
        """UPDATE crm_lead_phase_history h
              SET (%(columns)s) = (%(f_facts)s)%(stamp)s
             FROM facts f
            WHERE f.id = h.id AND (%(h_facts)s) IS DISTINCT FROM (%(f_facts)s)""",
        columns=fact_columns,
        f_facts=f_facts,
        h_facts=h_facts,
        stamp=stamp if uid else SQL(),
    )
    if stays is None:
        return SQL("WITH %s %s", SQL(", ").join(ctes), update)
    ctes.append(SQL("updated AS (%s)", update))
    return SQL(
        """WITH %(ctes)s
        INSERT INTO crm_lead_phase_history
               (lead_id, phase_id, phase_sequence, date_in, user_id, company_id, %(columns)s,
                create_uid, create_date, write_uid, write_date)
        SELECT f.lead_id, f.phase_id, p.sequence, f.date_in, f.user_id, f.company_id,
               %(f_facts)s, %(stamps)s
          FROM facts f
          JOIN crm_project_phase p ON p.id = f.phase_id
         WHERE f.id IS NULL
         ORDER BY f.rank""",
        ctes=SQL(", ").join(ctes),
        columns=fact_columns,
        f_facts=f_facts,
        stamps=stamps(uid),
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
