"""Forecast periods (month, quarter, year, or a custom range) in plain Python, no Odoo.

A period is given by its type and any date inside it; ``bounds()`` returns its first and last
day, ``shift()`` the same period type one step earlier or later, ``key()`` a sortable label
such as ``2026-Q4``."""

from datetime import date, timedelta

PERIOD_TYPES = ("month", "quarter", "year", "custom")
# Coarsest first: a period without a target of its own adds up the targets of the first finer
# type that has some inside it.
TARGET_PERIOD_TYPES = ("year", "quarter", "month")


def _first_of_month(day, month):
    return date(day.year, month, 1)


def _add_months(day, months):
    month0 = day.month - 1 + months
    return date(day.year + month0 // 12, month0 % 12 + 1, 1)


def bounds(period_type, anchor, date_to=None):
    """First and last day of the period of ``period_type`` that contains ``anchor``.

    For ``custom`` the period runs from ``anchor`` to ``date_to`` (both included)."""
    if period_type == "month":
        start = _first_of_month(anchor, anchor.month)
        return start, _add_months(start, 1) - timedelta(days=1)
    if period_type == "quarter":
        start = _first_of_month(anchor, 3 * ((anchor.month - 1) // 3) + 1)
        return start, _add_months(start, 3) - timedelta(days=1)
    if period_type == "year":
        return date(anchor.year, 1, 1), date(anchor.year, 12, 31)
    if period_type == "custom":
        if date_to is None or date_to < anchor:
            raise ValueError("a custom period needs an end on or after its start")
        return anchor, date_to
    raise ValueError(f"unknown period type {period_type!r}")


def shift(period_type, anchor, steps, date_to=None):
    """The first day of the period ``steps`` periods after (or before) the one of ``anchor``;
    a custom range moves by its own length."""
    start, end = bounds(period_type, anchor, date_to)
    if period_type == "month":
        return _add_months(start, steps)
    if period_type == "quarter":
        return _add_months(start, 3 * steps)
    if period_type == "year":
        return date(start.year + steps, 1, 1)
    return start + timedelta(days=((end - start).days + 1) * steps)


def same_day_in(period_type, start, end, today):
    """The viewed period's "today": ``today`` itself when the period (``start`` to ``end``)
    contains it, else the day at the same place in the period - the same day of the month
    (of the same month of the quarter, of the same month of the year), the month's last day
    when it is shorter; a custom range its first day. Switching from this period to another
    period type lands on the period that contains it."""
    if start <= today <= end or period_type == "custom":
        return today if start <= today <= end else start
    if period_type == "year":
        month = today.month
    elif period_type == "quarter":
        month = start.month + (today.month - 1) % 3
    else:
        month = start.month
    first = date(start.year, month, 1)
    last = _add_months(first, 1) - timedelta(days=1)
    return first.replace(day=min(today.day, last.day))


def key(period_type, start):
    """Sortable label of the period starting on ``start``: 2026, 2026-Q4, 2026-11."""
    if period_type == "year":
        return f"{start.year}"
    if period_type == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if period_type == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()}"


def add_years(day, years):
    """The same day ``years`` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def contains(outer, inner):
    """Whether the (start, end) range ``inner`` lies within ``outer``."""
    return outer[0] <= inner[0] and inner[1] <= outer[1]
