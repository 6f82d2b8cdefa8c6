"""The sales forecast workbook (xlsxwriter's public API, no Odoo here).

Sheets: Forecast (by sales team and by salesperson against target, totals as values equal to
the screen's), Funnel (by phase, lost deals by reason, a chart), Stalled and At-Risk, Snapshot
Movement, Cost of Selling, and Opportunities (every opportunity behind the forecast, one per
row). The workbook is written in xlsxwriter's constant-memory mode, row after row: the long
sheets (opportunities, deals at risk, movement lines) go from the iterables to the file
without being held in memory."""

import math
from datetime import date

import xlsxwriter

FIGURE_COLUMNS = ("target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap")
MAX_SHEET_ROWS = 1_048_576


class NotFiniteError(ValueError):
    """A number to write is infinite or not a number: Excel has no such value."""


def _finite(value):
    if not math.isfinite(value):
        raise NotFiniteError(value)
    return value


class Column:
    """How a streamed column is written: ``kind`` text (s), number (n), date (d), percentage
    given as 0-100 (p) or yes/no (yn, with ``labels``)."""

    def __init__(self, kind, style=None, labels=None):
        self.kind, self.style, self.labels = kind, style, labels

    def put(self, sheet, row, col, value):
        _write(sheet, row, col, self.value(value), self.style)

    def value(self, value):
        """The value as xlsxwriter writes it."""
        if self.kind == "p":
            return None if value is None else value / 100.0
        if self.kind == "yn":
            return self.labels[0] if value else self.labels[1]
        if self.kind == "d":
            return value or None
        if self.kind == "n":
            return value
        return value or ""


class _Styles:
    def __init__(self, book):
        add = book.add_format
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.header = add(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.money = add({"num_format": "#,##0.00"})
        self.money_total = add({"num_format": "#,##0.00", "bold": True, "top": 1})
        self.percent = add({"num_format": "0.0%"})
        self.percent_total = add({"num_format": "0.0%", "bold": True, "top": 1})
        self.integer = add({"num_format": "#,##0"})
        self.integer_total = add({"num_format": "#,##0", "bold": True, "top": 1})
        self.days = add({"num_format": "0.0"})
        self.date = add({"num_format": "yyyy-mm-dd"})
        self.text_total = add({"bold": True, "top": 1})


def _write(sheet, row, col, value, style=None):
    """Numbers as numbers, dates as dates, None as an empty cell."""
    if value is None:
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, style)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, _finite(value), style)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, style)
    else:
        sheet.write_string(row, col, value or "", style)


def _ratio(value):
    """A percentage of the screen (0-100) as an Excel fraction, or None."""
    return None if value is None else value / 100.0


def _stream(sheet, row, rows, columns):
    """Write ``rows`` from ``row`` on, one after the other (constant memory), up to the last
    row a sheet holds."""
    for values in rows:
        if row >= MAX_SHEET_ROWS:
            break
        for col, (value, column) in enumerate(zip(values, columns, strict=True)):
            column.put(sheet, row, col, value)
        row += 1


def write_forecast_workbook(path, data, labels, detail_rows, risk_rows, movement_rows, tmpdir=None):
    """
    :param path: file to write
    :param data: the dashboard data (``crm.forecast.dashboard.get_dashboard_data``)
    :param labels: translated texts, by key
    :param detail_rows: iterable of (opportunity, customer, salesperson, team, phase, forecast
        category, closing or won date, expected revenue, probability, weighted, currency)
    :param risk_rows: iterable of (opportunity, customer, salesperson, team, phase, days in
        phase, stalled, open problems, expected closing, overdue, revenue, weighted, currency)
    :param movement_rows: list of movement lines as in the dashboard data
    :param tmpdir: where xlsxwriter keeps its temporary files (default: the system's)
    :raises NotFiniteError: a number is infinite or not a number
    """
    options = {"constant_memory": True, "default_date_format": "yyyy-mm-dd"}
    if tmpdir:
        options["tmpdir"] = tmpdir
    book = xlsxwriter.Workbook(path, options)
    try:
        styles = _Styles(book)
        _forecast_sheet(book, styles, data, labels)
        _funnel_sheet(book, styles, data, labels)
        _risk_sheet(book, styles, data, labels, risk_rows)
        _movement_sheet(book, styles, data, labels, movement_rows)
        _cost_sheet(book, styles, data, labels)
        _detail_sheet(book, styles, labels, detail_rows)
    finally:
        book.close()  # also after an error: xlsxwriter's temporary files go


def _heading(sheet, styles, data, labels, title):
    sheet.write_string(0, 0, title, styles.title)
    sheet.write_string(1, 0, labels["period"], styles.bold)
    sheet.write_string(1, 1, data["period"]["label"])
    sheet.write_string(2, 0, labels["team_filter"], styles.bold)
    sheet.write_string(2, 1, labels["team_name"] or labels["all"])
    sheet.write_string(3, 0, labels["user_filter"], styles.bold)
    sheet.write_string(3, 1, labels["user_name"] or labels["all"])
    sheet.write_string(4, 0, labels["currency"], styles.bold)
    sheet.write_string(4, 1, labels["currency_name"])


def _forecast_sheet(book, styles, data, labels):
    sheet = book.add_worksheet(labels["sheet_forecast"][:31])
    sheet.set_column(0, 0, 32)
    sheet.set_column(1, len(FIGURE_COLUMNS), 16)
    sheet.set_column(len(FIGURE_COLUMNS) + 1, len(FIGURE_COLUMNS) + 1, 12)
    _heading(sheet, styles, data, labels, labels["title"])
    header = [labels[f"figure_{key}"] for key in FIGURE_COLUMNS] + [labels["attainment"]]
    row = 6
    sheet.freeze_panes(row + 1, 1)
    for title_key, rows, name_key in (
        ("by_team", data["by_team"], "team"),
        ("by_user", data["by_user"], "user"),
    ):
        sheet.write_row(row, 0, [labels[name_key], *header], styles.header)
        row += 1
        for line in rows:
            _write(sheet, row, 0, line["name"])
            for col, key in enumerate(FIGURE_COLUMNS, start=1):
                _write(sheet, row, col, line[key], styles.money)
            _write(sheet, row, len(FIGURE_COLUMNS) + 1, _ratio(line["attainment"]), styles.percent)
            row += 1
        totals = data["totals"]
        _write(sheet, row, 0, labels["total"], styles.text_total)
        for col, key in enumerate(FIGURE_COLUMNS, start=1):
            _write(sheet, row, col, totals[key], styles.money_total)
        _write(
            sheet, row, len(FIGURE_COLUMNS) + 1, _ratio(totals["attainment"]), styles.percent_total
        )
        row += 1
        sheet.write_string(row, 0, labels[title_key], styles.bold)
        row += 2
    _write(sheet, row, 0, labels["undated"], styles.bold)
    _write(sheet, row, 1, data["totals"]["undated_count"], styles.integer)
    _write(sheet, row, 2, data["totals"]["undated_amount"], styles.money)


def _funnel_sheet(book, styles, data, labels):
    sheet = book.add_worksheet(labels["sheet_funnel"][:31])
    columns = [
        ("phase", None),
        ("entered", styles.integer),
        ("current", styles.integer),
        ("moved_on", styles.integer),
        ("conversion_next", styles.percent),
        ("conversion_won", styles.percent),
        ("won", styles.integer),
        ("lost_here", styles.integer),
        ("avg_days", styles.days),
        ("median_days", styles.days),
        ("value", styles.money),
    ]
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(columns) - 1, 14)
    _heading(sheet, styles, data, labels, labels["sheet_funnel"])
    top = 6
    sheet.write_row(top, 0, [labels[key] for key, _style in columns], styles.header)
    sheet.freeze_panes(top + 1, 1)
    row = top + 1
    for line in data["funnel"]:
        for col, (key, style) in enumerate(columns):
            value = line["label"] if key == "phase" else line[key]
            if key in ("conversion_next", "conversion_won"):
                value = _ratio(value)
            _write(sheet, row, col, value, style)
        row += 1
    last = row - 1
    chart = book.add_chart({"type": "bar"})
    sheet_name = labels["sheet_funnel"][:31].replace("'", "''")
    chart.add_series(
        {
            "name": labels["entered"],
            "categories": [sheet_name, top + 1, 0, last, 0],
            "values": [sheet_name, top + 1, 1, last, 1],
            "data_labels": {"value": True},
            "fill": {"color": "#4472C4"},
            "gap": 40,
        }
    )
    chart.set_title({"name": labels["chart_title"]})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"none": True})
    sheet.insert_chart(top, len(columns) + 1, chart, {"x_scale": 1.3, "y_scale": 1.2})
    row += 2
    sheet.write_string(row, 0, labels["lost_title"], styles.bold)
    row += 1
    sheet.write_row(
        row, 0, [labels["phase"], labels["reason"], labels["count"], labels["value"]], styles.header
    )
    row += 1
    for phase in data["lost_by_phase"]:
        for reason in phase["reasons"]:
            _write(sheet, row, 0, phase["label"])
            _write(sheet, row, 1, reason["reason"])
            _write(sheet, row, 2, reason["count"], styles.integer)
            _write(sheet, row, 3, reason["value"], styles.money)
            row += 1
        if phase["count"]:
            _write(sheet, row, 0, phase["label"], styles.text_total)
            _write(sheet, row, 1, labels["total"], styles.text_total)
            _write(sheet, row, 2, phase["count"], styles.integer_total)
            _write(sheet, row, 3, phase["value"], styles.money_total)
            row += 1


def _risk_sheet(book, styles, data, labels, risk_rows):
    sheet = book.add_worksheet(labels["sheet_risk"][:31])
    yes_no = (labels["yes"], labels["no"])
    columns = [
        ("opportunity", 40, Column("s")),
        ("customer", 28, Column("s")),
        ("user", 20, Column("s")),
        ("team", 20, Column("s")),
        ("phase", 18, Column("s")),
        ("days_in_phase", 10, Column("n", styles.integer)),
        ("stalled", 9, Column("yn", labels=yes_no)),
        ("open_problems", 10, Column("n", styles.integer)),
        ("date_deadline", 12, Column("d", styles.date)),
        ("overdue", 9, Column("yn", labels=yes_no)),
        ("expected_revenue", 16, Column("n", styles.money)),
        ("weighted", 16, Column("n", styles.money)),
        ("currency", 9, Column("s")),
    ]
    _heading(sheet, styles, data, labels, labels["sheet_risk"])
    _table_header(sheet, styles, labels, 6, columns)
    _stream(sheet, 7, risk_rows, [column for _key, _width, column in columns])


def _table_header(sheet, styles, labels, row, columns):
    for col, (_key, width, _column) in enumerate(columns):
        sheet.set_column(col, col, width)
    sheet.write_row(row, 0, [labels[key] for key, _width, _column in columns], styles.header)
    sheet.freeze_panes(row + 1, 1)


def _movement_sheet(book, styles, data, labels, movement_rows):
    sheet = book.add_worksheet(labels["sheet_movement"][:31])
    _heading(sheet, styles, data, labels, labels["sheet_movement"])
    movement = data["movement"]
    snapshot = movement["snapshot"]
    sheet.write_string(5, 0, labels["snapshot"], styles.bold)
    sheet.write_string(
        5, 1, f"{snapshot['name']} ({snapshot['date']})" if snapshot else labels["no_snapshot"]
    )
    row = 7
    sheet.write_row(
        row,
        0,
        [labels["movement"], labels["count"], labels["value_change"], labels["weighted_change"]],
        styles.header,
    )
    row += 1
    for line in movement["summary"]:
        _write(sheet, row, 0, line["label"])
        _write(sheet, row, 1, line["count"], styles.integer)
        _write(sheet, row, 2, line["value"], styles.money)
        _write(sheet, row, 3, line["weighted"], styles.money)
        row += 1
    _write(sheet, row, 0, labels["net"], styles.text_total)
    _write(sheet, row, 1, movement["count"], styles.integer_total)
    _write(sheet, row, 2, movement.get("net_value", 0.0), styles.money_total)
    _write(sheet, row, 3, movement.get("net_weighted", 0.0), styles.money_total)
    row += 2
    columns = [
        ("opportunity", 40, Column("s")),
        ("user", 20, Column("s")),
        ("team", 20, Column("s")),
        ("movement", 22, Column("s")),
        ("before_date", 12, Column("d", styles.date)),
        ("before_revenue", 16, Column("n", styles.money)),
        ("after_date", 12, Column("d", styles.date)),
        ("after_revenue", 16, Column("n", styles.money)),
        ("value_change", 16, Column("n", styles.money)),
        ("weighted_change", 16, Column("n", styles.money)),
    ]
    _table_header(sheet, styles, labels, row, columns)
    _stream(
        sheet,
        row + 1,
        (
            (
                line["name"],
                line["user"],
                line["team"],
                line["label"],
                date.fromisoformat(line["old_date"]) if line["old_date"] else None,
                line["old_revenue"],
                date.fromisoformat(line["new_date"]) if line["new_date"] else None,
                line["new_revenue"],
                line["value"],
                line["weighted"],
            )
            for line in movement_rows
        ),
        [column for _key, _width, column in columns],
    )


def _cost_sheet(book, styles, data, labels):
    sheet = book.add_worksheet(labels["sheet_cost"][:31])
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 8, 16)
    _heading(sheet, styles, data, labels, labels["sheet_cost"])
    keys = [
        ("cost", styles.money, styles.money_total),
        ("won_count", styles.integer, styles.integer_total),
        ("won", styles.money, styles.money_total),
        ("cost_per_won", styles.money, styles.money_total),
        ("cost_ratio", styles.percent, styles.percent_total),
        ("budget", styles.money, styles.money_total),
        ("budget_used", styles.percent, styles.percent_total),
    ]
    header_labels = {"won": "won_amount"}
    top = 6
    sheet.write_row(
        top,
        0,
        [labels["team"], *(labels[header_labels.get(key, key)] for key, _s, _t in keys)],
        styles.header,
    )
    sheet.freeze_panes(top + 1, 1)
    row = top + 1
    cost = data["selling_cost"]
    for line, total in [*((line, False) for line in cost["rows"]), (cost["total"], True)]:
        _write(sheet, row, 0, line["name"], styles.text_total if total else None)
        for col, (key, style, total_style) in enumerate(keys, start=1):
            value = line[key]
            if key in ("cost_ratio", "budget_used"):
                value = _ratio(value)
            _write(sheet, row, col, value, total_style if total else style)
        row += 1


def _detail_sheet(book, styles, labels, detail_rows):
    sheet = book.add_worksheet(labels["sheet_detail"][:31])
    columns = [
        ("opportunity", 40, Column("s")),
        ("customer", 28, Column("s")),
        ("user", 20, Column("s")),
        ("team", 20, Column("s")),
        ("phase", 18, Column("s")),
        ("forecast_category", 14, Column("s")),
        ("closing", 12, Column("d", styles.date)),
        ("expected_revenue", 16, Column("n", styles.money)),
        ("probability", 11, Column("p", styles.percent)),
        ("weighted", 16, Column("n", styles.money)),
        ("currency", 9, Column("s")),
    ]
    _table_header(sheet, styles, labels, 0, columns)
    _stream(sheet, 1, detail_rows, [column for _key, _width, column in columns])
