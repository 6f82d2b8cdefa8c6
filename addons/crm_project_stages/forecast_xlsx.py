"""The sales forecast workbook (xlsxwriter, no Odoo here).

Sheets: Forecast (by sales team and by salesperson against target, totals as values equal to
the screen's), Funnel (by phase, lost deals by reason, a chart), Stalled and At-Risk, Snapshot
Movement, Cost of Selling, and Opportunities (every opportunity behind the forecast, one per
row). The workbook is written in constant-memory mode, row by row, to a file: the row
iterables may be as long as the database."""

from datetime import date

import xlsxwriter

FIGURE_COLUMNS = ("target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap")
MAX_SHEET_ROWS = 1_048_576


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
        sheet.write_number(row, col, value, style)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, style)
    else:
        sheet.write_string(row, col, value or "", style)


def _ratio(value):
    """A percentage of the screen (0-100) as an Excel fraction, or None."""
    return None if value is None else value / 100.0


def write_forecast_workbook(path, data, labels, detail_rows, risk_rows, movement_rows):
    """
    :param path: file to write
    :param data: the dashboard data (``crm.forecast.dashboard.get_dashboard_data``)
    :param labels: translated texts, by key
    :param detail_rows: iterable of (opportunity, customer, salesperson, team, phase, forecast
        category, closing or won date, expected revenue, probability, weighted, currency)
    :param risk_rows: iterable of (opportunity, customer, salesperson, team, phase, days in
        phase, stalled, open problems, expected closing, overdue, revenue, weighted, currency)
    :param movement_rows: list of movement lines as in the dashboard data
    """
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "default_date_format": "yyyy-mm-dd"})
    styles = _Styles(book)
    _forecast_sheet(book, styles, data, labels)
    _funnel_sheet(book, styles, data, labels)
    _risk_sheet(book, styles, data, labels, risk_rows)
    _movement_sheet(book, styles, data, labels, movement_rows)
    _cost_sheet(book, styles, data, labels)
    _detail_sheet(book, styles, labels, detail_rows)
    book.close()


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
    keys = [
        "opportunity",
        "customer",
        "user",
        "team",
        "phase",
        "days_in_phase",
        "stalled",
        "open_problems",
        "date_deadline",
        "overdue",
        "expected_revenue",
        "weighted",
        "currency",
    ]
    widths = [40, 28, 20, 20, 18, 10, 9, 10, 12, 9, 16, 16, 9]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    _heading(sheet, styles, data, labels, labels["sheet_risk"])
    top = 6
    sheet.write_row(top, 0, [labels[key] for key in keys], styles.header)
    sheet.freeze_panes(top + 1, 1)
    row = top + 1
    styles_by_col = {
        5: styles.integer,
        7: styles.integer,
        8: styles.date,
        10: styles.money,
        11: styles.money,
    }
    for line in risk_rows:
        if row >= MAX_SHEET_ROWS:
            break
        for col, value in enumerate(line):
            if col in (6, 9):
                value = labels["yes"] if value else labels["no"]
            _write(sheet, row, col, value, styles_by_col.get(col))
        row += 1


def _movement_sheet(book, styles, data, labels, movement_rows):
    sheet = book.add_worksheet(labels["sheet_movement"][:31])
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 9, 16)
    _heading(sheet, styles, data, labels, labels["sheet_movement"])
    movement = data["movement"]
    snapshot = movement["snapshot"]
    row = 5
    sheet.write_string(row, 0, labels["snapshot"], styles.bold)
    sheet.write_string(
        row, 1, f"{snapshot['name']} ({snapshot['date']})" if snapshot else labels["no_snapshot"]
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
    sheet.write_row(
        row,
        0,
        [
            labels["opportunity"],
            labels["user"],
            labels["team"],
            labels["movement"],
            labels["before_date"],
            labels["before_revenue"],
            labels["after_date"],
            labels["after_revenue"],
            labels["value_change"],
            labels["weighted_change"],
        ],
        styles.header,
    )
    row += 1
    for line in movement_rows:
        if row >= MAX_SHEET_ROWS:
            break
        values = (
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
        for col, value in enumerate(values):
            style = styles.date if col in (4, 6) else styles.money if col >= 5 else None
            _write(sheet, row, col, value, style)
        row += 1


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
    keys = [
        "opportunity",
        "customer",
        "user",
        "team",
        "phase",
        "forecast_category",
        "closing",
        "expected_revenue",
        "probability",
        "weighted",
        "currency",
    ]
    widths = [40, 28, 20, 20, 18, 14, 12, 16, 11, 16, 9]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    sheet.write_row(0, 0, [labels[key] for key in keys], styles.header)
    sheet.freeze_panes(1, 1)
    row = 1
    money, date_style, percent = styles.money, styles.date, styles.percent
    write_string, write_number = sheet.write_string, sheet.write_number
    for (
        name,
        customer,
        user,
        team,
        phase,
        category,
        day,
        revenue,
        probability,
        weighted,
        currency,
    ) in detail_rows:
        if row >= MAX_SHEET_ROWS:
            break
        write_string(row, 0, name or "")
        write_string(row, 1, customer)
        write_string(row, 2, user)
        write_string(row, 3, team)
        write_string(row, 4, phase)
        write_string(row, 5, category)
        if day:
            sheet.write_datetime(row, 6, day, date_style)
        write_number(row, 7, revenue, money)
        write_number(row, 8, probability / 100.0, percent)
        write_number(row, 9, weighted, money)
        write_string(row, 10, currency)
        row += 1
