"""The rules of the forecast in SQL, for what fills or reads many rows at once: the install
backfill (``hooks.py``) and the analysis views. Each rule is written here once, next to the one
Python compute that keeps it on each opportunity (named in each docstring); the dashboard and
the workbook read the stored columns.

Every function returns an ``odoo.tools.SQL`` expression over the table aliases it is given."""

from odoo.tools import SQL

OPEN_CATEGORIES = ("pipeline", "best_case", "commit")


def _column(alias, name):
    return SQL.identifier(alias, name)


def forecast_category(lead="l", phase="p"):
    """``crm.lead._compute_forecast_category``: Closed Won when won, Omitted when lost,
    cancelled or archived, else the rep's category, else the category of the phase (joined as
    ``phase``)."""
    return SQL(
        """CASE WHEN %(outcome)s = 'won' THEN 'won'
                WHEN %(outcome)s <> 'open' THEN 'omitted'
                ELSE COALESCE(%(manual)s, %(phase_category)s, 'pipeline') END""",
        outcome=_column(lead, "outcome"),
        manual=_column(lead, "forecast_category_manual"),
        phase_category=_column(phase, "forecast_category"),
    )


def forecast_tz(user_partner="up", company_partner="cp"):
    """``crm.lead._get_forecast_tz``: the salesperson's time zone, else the company's, else
    UTC (the partners of the salesperson and of the company, joined)."""
    return SQL(
        "COALESCE(NULLIF(%s, ''), NULLIF(%s, ''), 'UTC')",
        _column(user_partner, "tz"),
        _column(company_partner, "tz"),
    )


def date_won(lead="l", user_partner="up", company_partner="cp"):
    """``crm.lead._compute_date_won``: the day of the closing (or of the move to Won) in the
    forecast's time zone of the deal."""
    return SQL(
        """CASE WHEN %(outcome)s = 'won' THEN
                (COALESCE(%(closed)s, %(moved)s) AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
           END""",
        outcome=_column(lead, "outcome"),
        closed=_column(lead, "date_closed"),
        moved=_column(lead, "date_last_stage_update"),
        tz=forecast_tz(user_partner, company_partner),
    )


def forecast_date(lead="l"):
    """``crm.lead._compute_forecast_date``: the won date of a won deal, else its expected
    closing."""
    return SQL(
        "CASE WHEN %(category)s = 'won' THEN %(won)s ELSE %(deadline)s END",
        category=_column(lead, "forecast_category"),
        won=_column(lead, "date_won"),
        deadline=_column(lead, "date_deadline"),
    )


def _win_rate(lead, team):
    """The win rate computed for the lead's phase, company and ``team`` (0: company-wide)."""
    return SQL(
        """(SELECT w.win_rate FROM crm_phase_win_rate w
             WHERE w.phase_id = %s AND COALESCE(w.company_id, 0) = COALESCE(%s, 0)
               AND COALESCE(w.team_id, 0) = %s)""",
        _column(lead, "phase_id"),
        _column(lead, "company_id"),
        team,
    )


def phase_probability(lead="l"):
    """``crm.lead._compute_phase_probability``: the win rate of the phase in the deal's team,
    else in its company, else the phase's default."""
    return SQL(
        """CASE WHEN %(phase)s IS NULL THEN 0 ELSE
           COALESCE(%(team_rate)s, %(company_rate)s,
                    (SELECT p.default_win_rate FROM crm_project_phase p WHERE p.id = %(phase)s),
                    0) END""",
        phase=_column(lead, "phase_id"),
        team_rate=_win_rate(lead, SQL("COALESCE(%s, 0)", _column(lead, "team_id"))),
        company_rate=_win_rate(lead, SQL("0")),
    )


def forecast_probability(lead="l"):
    """``crm.lead._compute_forecast_probability``: 100 when won, 0 when omitted, the rep's
    probability when the rep chose the category, else the phase probability."""
    return SQL(
        """CASE WHEN %(category)s = 'won' THEN 100.0
                WHEN %(category)s = 'omitted' THEN 0.0
                WHEN %(manual)s IS NOT NULL THEN COALESCE(%(probability)s, 0)
                ELSE COALESCE(%(phase_probability)s, 0) END""",
        category=_column(lead, "forecast_category"),
        manual=_column(lead, "forecast_category_manual"),
        probability=_column(lead, "probability"),
        phase_probability=_column(lead, "phase_probability"),
    )


def forecast_revenue(lead="l", currency="cur"):
    """``crm.lead._compute_forecast_probability``: the expected revenue weighted by the
    forecast probability, rounded like the company's currency (joined as ``currency``)."""
    return SQL(
        "ROUND((COALESCE(%(revenue)s, 0) * %(probability)s / 100.0)::numeric, "
        "COALESCE(%(digits)s, 2))",
        revenue=_column(lead, "expected_revenue"),
        probability=_column(lead, "forecast_probability"),
        digits=_column(currency, "decimal_places"),
    )


def category_amount(category, lead="l"):
    """The expected revenue of a deal in ``category`` (a forecast category or ``won``), else
    0: the amounts the forecast adds up per category."""
    return SQL(
        "CASE WHEN %s = %s THEN COALESCE(%s, 0) ELSE 0 END",
        _column(lead, "forecast_category"),
        category,
        _column(lead, "expected_revenue"),
    )


def weighted_amount(lead="l"):
    """The weighted revenue of an open deal (in the pipeline, best case or commit), else 0."""
    return SQL(
        "CASE WHEN %s IN %s THEN COALESCE(%s, 0) ELSE 0 END",
        _column(lead, "forecast_category"),
        OPEN_CATEGORIES,
        _column(lead, "forecast_revenue"),
    )


def forecast_amount(lead="l"):
    """What a deal adds to the forecast: its revenue when won, its weighted revenue when
    open, nothing when omitted."""
    return SQL("%s + %s", category_amount("won", lead), weighted_amount(lead))
