"""The rules of project phases in SQL, for the statements that fill many rows at once (the
install backfill, ``hooks.py``; the history rows and checklist lines the opportunities changed
since the last flush need, ``crm.lead._flush_phase_events``). Each rule is written here once,
next to the one Python compute that keeps it on each record (named in each docstring); reports
read the stored columns.

Every function returns an ``odoo.tools.SQL`` expression over the table aliases it is given."""

import functools
from collections import defaultdict, namedtuple

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


def known_checklist_lines(rows, uid):
    """The statement that inserts the checklist lines ``rows`` (SQL of rows: opportunity id,
    item id, phase id, phase sequence, item sequence), known to be lacking (``crm.lead.
    _give_known_checklist_lines``): in the opportunity's company, not done, those of an
    opportunity no longer in the database left out. Returns (opportunity id, phase id, item
    id) of the lines inserted."""
    return SQL(
        """
        INSERT INTO crm_lead_checklist_line
               (lead_id, item_id, phase_id, phase_sequence, sequence, done, company_id,
                create_uid, create_date, write_uid, write_date)
        SELECT v.lead_id, v.item_id, v.phase_id, v.phase_sequence, v.sequence, false,
               o.company_id, %(stamps)s
          FROM (VALUES %(rows)s) v(lead_id, item_id, phase_id, phase_sequence, sequence)
          JOIN crm_lead o ON o.id = v.lead_id
        ON CONFLICT (lead_id, item_id) DO NOTHING
        RETURNING lead_id, phase_id, item_id
        """,
        rows=rows,
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
# Every column of a history row its facts fill, in the order of ``stay_facts``.
STORED_FACTS = ("date_out", *STAY_FACTS, *LEAD_FACTS)


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
    # The opportunities are read in a CTE of their own, planned apart from the history: a
    # planner joining them (35 indexes) with the history costs more than the statement itself.
    stay = _days(SQL("r.date_in"), SQL("r.date_out"))
    lead_columns = SQL(", ").join(SQL.identifier("l", name) for name in LEAD_FACTS.values())
    first_facts = SQL(", ").join(
        SQL("CASE WHEN s.first THEN %s END AS %s", SQL.identifier("l", lead), SQL.identifier(name))
        for name, lead in LEAD_FACTS.items()
    )
    facts = STORED_FACTS
    return SQL(
        """
        WITH lead AS MATERIALIZED (
            SELECT l.id, %(lead_columns)s FROM crm_lead l WHERE %(scope)s
        ), stays AS (
            SELECT r.*,
                   COALESCE(%(stay)s, 0) AS duration,
                   row_number() OVER stays = 1 AS first,
                   sum(%(stay)s) FILTER (WHERE r.date_out IS NOT NULL) OVER phase AS closed_days,
                   min(r.date_in) FILTER (WHERE r.date_out IS NULL) OVER phase AS open_since
              FROM (SELECT h.id, h.lead_id, h.phase_id, h.date_in, h.date_out
                      FROM crm_lead_phase_history h
                     WHERE h.lead_id IN (SELECT l.id FROM lead l)) r
            WINDOW phase AS (PARTITION BY r.lead_id, r.phase_id),
                   stays AS (PARTITION BY r.lead_id, r.phase_id ORDER BY r.date_in, r.id)
        ), facts AS MATERIALIZED (
            SELECT s.id, s.date_out, s.duration, s.first AS is_first_entry,
                   CASE WHEN s.first THEN COALESCE(s.closed_days, 0) ELSE 0 END
                       AS phase_closed_days,
                   CASE WHEN s.first THEN s.open_since END AS phase_open_since,
                   %(first_facts)s
              FROM stays s
              JOIN lead l ON l.id = s.lead_id
        )
        UPDATE crm_lead_phase_history h SET (%(columns)s) = (%(f_facts)s)
          FROM facts f
         WHERE f.id = h.id AND (%(h_facts)s) IS DISTINCT FROM (%(f_facts)s)
        """,
        lead_columns=lead_columns,
        scope=scope,
        stay=stay,
        first_facts=first_facts,
        columns=SQL(", ").join(SQL.identifier(name) for name in facts),
        f_facts=SQL(", ").join(SQL.identifier("f", name) for name in facts),
        h_facts=SQL(", ").join(SQL.identifier("h", name) for name in facts),
    )


# A row of the history as ``stay_facts`` reads it: ``id`` None for a stay to insert (``rank``:
# its place among them, ``user_id`` its salesperson), else the facts it ``stored``.
Stay = namedtuple("Stay", "id lead_id phase_id date_in date_out rank user_id stored")


def stay_facts(rows, leads):
    """The facts of history rows, as ``history_facts`` sets them in SQL, computed in Python:
    for each of the ``rows`` (``Stay``; all the rows of their opportunities) the pair (row,
    facts), the facts in the order of the columns date out, ``STAY_FACTS``, ``LEAD_FACTS``.
    ``leads``: {opportunity id: the values of its ``LEAD_FACTS`` fields}. Days are computed
    as PostgreSQL does (exact seconds over 86,400 in double precision) and added up in the
    same order (the order of the stays: entry, id, rank), so that both give the same floats."""
    by_phase = defaultdict(list)
    for row in rows:
        by_phase[row.lead_id, row.phase_id].append(row)
    for (lead_id, _phase_id), stays in by_phase.items():
        stays.sort(key=lambda row: (row.date_in, row.id is None, row.id or 0, row.rank))
        closed_days, open_since = None, None
        days = []
        for row in stays:
            stay = None
            if row.date_in is not None and row.date_out is not None:
                stay = (row.date_out - row.date_in).total_seconds() / 86400
                closed_days = stay if closed_days is None else closed_days + stay
            elif row.date_out is None and (open_since is None or row.date_in < open_since):
                open_since = row.date_in
            days.append(0.0 if stay is None else stay)
        lead = leads[lead_id]
        for index, (row, duration) in enumerate(zip(stays, days, strict=True)):
            if index:
                yield row, (row.date_out, duration, False, 0.0, None, *(None,) * len(lead))
            else:
                closed = 0.0 if closed_days is None else closed_days
                yield row, (row.date_out, duration, True, closed, open_since, *lead)


def read_stays(leads):
    """The statement that reads what ``stay_facts`` needs of the opportunities of ids
    ``leads``: rows of the opportunity's id, company and ``LEAD_FACTS`` fields, then the id,
    phase, entry and stored facts (as ``write_stays`` writes them) of each of its history rows
    (NULL for an opportunity without one). Its text is made once per worker."""
    return SQL(_read_stays_code(), list(leads))


@functools.cache
def _read_stays_code():
    facts = STORED_FACTS
    return f"""SELECT l.id, l.company_id,
                      {", ".join(SQL.identifier("l", name).code for name in LEAD_FACTS.values())},
                      h.id, h.phase_id, h.date_in,
                      {", ".join(SQL.identifier("h", name).code for name in facts)}
                 FROM crm_lead l
                 LEFT JOIN crm_lead_phase_history h ON h.lead_id = l.id
                WHERE l.id = ANY(%s)"""


def write_stays(updates, inserts, uid, types):
    """The statement that writes history rows computed by ``stay_facts``, or None when there is
    nothing to write: ``updates`` (row id, facts), ``inserts`` (opportunity id, phase id, phase
    sequence, date in, salesperson id, company id, facts), inserted in their order; ``types``:
    the SQL types of the facts. Returns the ids of the new rows. Its text is made once per
    worker (``_write_stays_code``): a stage move writes its rows with it."""
    params = []
    if updates:
        params += [uid, *(list(column) for column in zip(*updates, strict=True))]
    if inserts:
        params += [uid, uid, *(list(column) for column in zip(*inserts, strict=True))]
    if not params:
        return None
    return SQL(_write_stays_code(tuple(types), bool(updates), bool(inserts)), *params)


@functools.cache
def _write_stays_code(types, updating, inserting):
    """The text of ``write_stays``'s statement, its parameters: the writer and the columns of
    the rows to update (if ``updating``), the writer twice and the columns of the rows to
    insert (if ``inserting``); ``types``: the SQL types of the facts."""
    facts = STORED_FACTS
    columns = ", ".join(SQL.identifier(name).code for name in facts)
    v_facts = ", ".join(SQL.identifier("v", name).code for name in facts)

    def arrays(kinds):
        return ", ".join(f"%s::{kind}[]" for kind in kinds)

    update = f"""UPDATE crm_lead_phase_history h
                    SET ({columns}) = ({v_facts}),
                        write_uid = %s, write_date = (now() at time zone 'UTC')
                   FROM unnest({arrays(["int4", *types])}) v(id, {columns})
                  WHERE h.id = v.id"""
    insert_kinds = ["int4", "int4", "int4", "timestamp", "int4", "int4", *types]
    insert = f"""INSERT INTO crm_lead_phase_history
                        (lead_id, phase_id, phase_sequence, date_in, user_id, company_id,
                         {columns}, create_uid, create_date, write_uid, write_date)
                 SELECT v.lead_id, v.phase_id, v.phase_sequence, v.date_in, v.user_id,
                        v.company_id, {v_facts}, {stamps(0).code}
                   FROM unnest({arrays(insert_kinds)}) WITH ORDINALITY
                        v(lead_id, phase_id, phase_sequence, date_in, user_id, company_id,
                          {columns}, rank)
                  ORDER BY v.rank
                 RETURNING id"""
    if updating and inserting:
        return f"WITH updated AS ({update}) {insert}"
    return update if updating else insert


# The opportunities whose history rows' facts wait for ``history_facts``: a plain table, one
# row per recording that changed them (``write_stays_later``, ``crm.lead.phase.history``).
STALE_TABLE = "crm_lead_phase_history_stale"


def write_stays_later(closing, stays, stale, uid, general=False):
    """The statement a commit records the stays of its moves with, and nothing else: the
    open stays of the opportunities of ``closing`` ((opportunity id, date out) pairs) close
    with their days, the ``stays`` are inserted in their order (opportunity id, phase id,
    phase sequence, date in, date out or None, salesperson id or None; in the opportunity's
    company), and the opportunities of ids ``stale`` wait in ``STALE_TABLE`` for the facts of
    their rows (``history_facts``). No read of the history first: the stays are exact at once,
    the facts the funnel reads follow. The stays of an opportunity no longer in the database
    are left out. Its text is made once per worker; a move of one opportunity (the everyday
    write of the web client) has a text of its own, quicker to plan (``general``: the general
    text for it too, which the tests compare it with)."""
    single = not general and _single_move(closing, stays, stale)
    if single:
        (lead_id, date_out), (_lead, phase_id, sequence, date_in, stay_out, user_id) = single
        return SQL(
            _write_move_code(),
            uid, date_out, lead_id, lead_id,
            uid, uid, phase_id, sequence, date_in, stay_out, user_id, lead_id,
        )  # fmt: skip
    params = []
    if closing:
        params += [uid, *(list(column) for column in zip(*closing, strict=True))]
    if stale:
        params.append(list(stale))
    if stays:
        params += [uid, uid, *(list(column) for column in zip(*stays, strict=True))]
    if not params:
        return None
    return SQL(_write_stays_later_code(bool(closing), bool(stale), bool(stays)), *params)


@functools.cache
def _write_stays_later_code(closing, stale, inserting):
    parts = []
    if closing:
        days = _days(SQL("h.date_in"), SQL("c.date_out")).code
        parts.append(
            f"""closed AS (
                UPDATE crm_lead_phase_history h
                   SET date_out = c.date_out, duration = COALESCE({days}, 0),
                       write_uid = %s, write_date = (now() at time zone 'UTC')
                  FROM unnest(%s::int4[], %s::timestamp[]) c(lead_id, date_out)
                 WHERE h.lead_id = c.lead_id AND h.date_out IS NULL)"""
        )
    if stale:
        parts.append(f"stale AS (INSERT INTO {STALE_TABLE} (lead_id) SELECT unnest(%s::int4[]))")
    if inserting:
        days = _days(SQL("v.date_in"), SQL("v.date_out")).code
        main = f"""INSERT INTO crm_lead_phase_history
                           (lead_id, phase_id, phase_sequence, date_in, date_out, duration,
                            user_id, company_id, create_uid, create_date, write_uid, write_date)
                    SELECT v.lead_id, v.phase_id, v.phase_sequence, v.date_in, v.date_out,
                           COALESCE({days}, 0), v.user_id, l.company_id, {stamps(0).code}
                      FROM unnest(%s::int4[], %s::int4[], %s::int4[], %s::timestamp[],
                                  %s::timestamp[], %s::int4[]) WITH ORDINALITY
                           v(lead_id, phase_id, phase_sequence, date_in, date_out, user_id, rank)
                      JOIN crm_lead l ON l.id = v.lead_id
                     ORDER BY v.rank"""
    else:
        main = "SELECT 1"
    return f"WITH {', '.join(parts)} {main}" if parts else main


def _single_move(closing, stays, stale):
    """The stay closed and the stay inserted when they are one opportunity's move (the open
    stay closes, one new stay opens, the opportunity waits for its facts), else None."""
    if len(closing) == 1 and len(stays) == 1 and list(stale) == [closing[0][0]]:
        if stays[0][0] == closing[0][0]:
            return closing[0], stays[0]
    return None


@functools.cache
def _write_move_code():
    """``_write_stays_later_code`` for one opportunity's move: the same rows written, without
    the arrays (the planner's share of a move's statement is most of its time)."""
    closed_days = _days(SQL("h.date_in"), SQL("c.date_out")).code
    days = _days(SQL("v.date_in"), SQL("v.date_out")).code
    return f"""WITH closed AS (
                   UPDATE crm_lead_phase_history h
                      SET date_out = c.date_out, duration = COALESCE({closed_days}, 0),
                          write_uid = %s, write_date = (now() at time zone 'UTC')
                     FROM (SELECT %s::timestamp AS date_out) c
                    WHERE h.lead_id = %s AND h.date_out IS NULL),
                stale AS (INSERT INTO {STALE_TABLE} (lead_id) VALUES (%s))
           INSERT INTO crm_lead_phase_history
                       (lead_id, phase_id, phase_sequence, date_in, date_out, duration,
                        user_id, company_id, create_uid, create_date, write_uid, write_date)
                SELECT l.id, v.phase_id, v.phase_sequence, v.date_in, v.date_out,
                       COALESCE({days}, 0), v.user_id, l.company_id, %s,
                       (now() at time zone 'UTC'), %s, (now() at time zone 'UTC')
                  FROM (SELECT %s::int4 AS phase_id, %s::int4 AS phase_sequence,
                               %s::timestamp AS date_in, %s::timestamp AS date_out,
                               %s::int4 AS user_id) v, crm_lead l
                 WHERE l.id = %s"""


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
