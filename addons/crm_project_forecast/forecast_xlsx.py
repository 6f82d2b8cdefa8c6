"""The sales forecast workbook, laid out on the suite's workbook helper (``crm_suite_base``'s
``xlsx``: xlsxwriter's public API, no Odoo here).

Sheets: Forecast (by sales team and by salesperson against target, totals equal to the
screen's), Funnel (by phase, lost deals by reason, a chart), Stalled and At-Risk, Snapshot
Movement, Cost of Selling, and Opportunities (every opportunity behind the forecast, one per
row). The workbook is written in constant-memory mode, sheet after sheet and row after row: the
long sheets (opportunities, deals at risk, movement lines) go from their iterators to the file
without being held in memory."""

from datetime import date

from odoo.addons.crm_suite_base.xlsx import TOTAL, Column, Workbook, from_percent

FIGURE_COLUMNS = ("target", "won", "commit", "best_case", "pipeline", "weighted", "forecast", "gap")


def write_forecast_workbook(
    target, data, labels, detail_rows, risk_rows, movement_rows, currency=None, tmpdir=None
):
    """
    :param target: the file to write (a path or a binary file object)
    :param data: the dashboard data (``crm.forecast.dashboard.get_dashboard_data``)
    :param labels: translated texts, by key
    :param detail_rows: iterable of (opportunity, customer, salesperson, team, phase, forecast
        category, forecast date, expected revenue, probability, weighted, currency)
    :param risk_rows: iterable of (opportunity, customer, salesperson, team, phase, days in
        phase, stalled, open problems, expected closing, overdue, revenue, weighted, currency)
    :param movement_rows: list of movement lines as in the dashboard data
    :param currency: the ``Currency`` of the amounts
    :param tmpdir: where the workbook keeps its temporary files (default: the system's)
    """
    with Workbook(target, constant_memory=True, currency=currency, tmpdir=tmpdir) as book:
        _forecast_sheet(book, data, labels)
        _funnel_sheet(book, data, labels)
        _risk_sheet(book, data, labels, risk_rows)
        _movement_sheet(book, data, labels, movement_rows)
        _cost_sheet(book, data, labels)
        _detail_sheet(book, labels, detail_rows)


def _heading(sheet, data, labels, title, *pairs):
    sheet.heading(
        title,
        [
            (labels["period"], data["period"]["label"]),
            (labels["team_filter"], labels["team_name"] or labels["all"]),
            (labels["user_filter"], labels["user_name"] or labels["all"]),
            (labels["currency"], labels["currency_name"]),
            *pairs,
        ],
    )


def _deal_columns(labels):
    """The first columns of the sheets of deals: who and where."""
    return [
        Column(labels["opportunity"], width=40),
        Column(labels["customer"], width=28),
        Column(labels["user"], width=20),
        Column(labels["team"], width=20),
        Column(labels["phase"], width=18),
    ]


def _yes_no(labels):
    yes, no = labels["yes"], labels["no"]
    return lambda value: yes if value else no


def _forecast_sheet(book, data, labels):
    sheet = book.add_sheet(labels["sheet_forecast"])
    _heading(sheet, data, labels, labels["title"])
    figures = [Column(labels[f"figure_{key}"], "money", width=16) for key in FIGURE_COLUMNS]
    attainment = Column(labels["attainment"], "percent", width=12, convert=from_percent)
    totals = data["totals"]
    for caption, name_key in (("by_team", "team"), ("by_user", "user")):
        table_total = data[f"{caption}_total"]
        sheet.caption(labels[caption])
        sheet.table(
            [Column(labels[name_key], width=32), *figures, attainment],
            (
                [line["name"], *(line[key] for key in FIGURE_COLUMNS), line["attainment"]]
                for line in data[caption]
            ),
            total=[
                labels["total"],
                *(table_total[key] for key in FIGURE_COLUMNS),
                table_total["attainment"],
            ],
            freeze_cols=1,
        )
        note = data["notes"][caption]
        if note:
            sheet.caption(labels[f"note_{note}"], fmt=None)
        sheet.skip()
    row = sheet.row
    sheet.cell(row, 0, labels["undated"], "bold")
    sheet.cell(row, 1, totals["undated_count"], "integer")
    sheet.cell(row, 2, totals["undated_amount"], "money")


def _funnel_sheet(book, data, labels):
    sheet = book.add_sheet(labels["sheet_funnel"])
    _heading(sheet, data, labels, labels["sheet_funnel"])
    columns = [
        Column(labels["phase"], width=28),
        Column(labels["entered"], "integer", width=14),
        Column(labels["current"], "integer", width=14),
        Column(labels["moved_on"], "integer", width=14),
        Column(labels["conversion_next"], "percent", width=14, convert=from_percent),
        Column(labels["conversion_won"], "percent", width=14, convert=from_percent),
        Column(labels["won"], "integer", width=14),
        Column(labels["lost_here"], "integer", width=14),
        Column(labels["avg_days"], "decimal", width=14),
        Column(labels["median_days"], "decimal", width=14),
        Column(labels["value"], "money", width=14),
    ]
    keys = (
        "entered",
        "current",
        "moved_on",
        "conversion_next",
        "conversion_won",
        "won",
        "lost_here",
        "avg_days",
        "median_days",
        "value",
    )
    table = sheet.table(
        columns,
        ([line["label"], *(line[key] for key in keys)] for line in data["funnel"]),
        freeze_cols=1,
    )
    sheet.bar_chart(table, 0, 1, title=labels["chart_title"], series_name=labels["entered"])
    sheet.skip(2)
    sheet.caption(labels["lost_title"])
    sheet.header([labels["phase"], labels["reason"], labels["count"], labels["value"]])
    row = sheet.row
    for phase in data["lost_by_phase"]:
        for reason in phase["reasons"]:
            sheet.cell(row, 0, phase["label"])
            sheet.cell(row, 1, reason["reason"])
            sheet.cell(row, 2, reason["count"], "integer")
            sheet.cell(row, 3, reason["value"], "money")
            row += 1
        if phase["count"]:
            sheet.cell(row, 0, phase["label"], book.format(None, **TOTAL))
            sheet.cell(row, 1, labels["total"], book.format(None, **TOTAL))
            sheet.cell(row, 2, phase["count"], book.format("integer", **TOTAL))
            sheet.cell(row, 3, phase["value"], book.format("money", **TOTAL))
            row += 1
    sheet.row = row


def _risk_sheet(book, data, labels, risk_rows):
    sheet = book.add_sheet(labels["sheet_risk"])
    _heading(sheet, data, labels, labels["sheet_risk"])
    yes_no = _yes_no(labels)
    sheet.stream(
        [
            *_deal_columns(labels),
            Column(labels["days_in_phase"], "integer", width=10),
            Column(labels["stalled"], width=9, convert=yes_no),
            Column(labels["open_problems"], "integer", width=10),
            Column(labels["date_deadline"], "date", width=12),
            Column(labels["overdue"], width=9, convert=yes_no),
            Column(labels["expected_revenue"], "money", width=16),
            Column(labels["weighted"], "money", width=16),
            Column(labels["currency"], width=9),
        ],
        risk_rows,
        freeze_cols=1,
    )


def _movement_sheet(book, data, labels, movement_rows):
    sheet = book.add_sheet(labels["sheet_movement"])
    movement = data["movement"]
    snapshot = movement["snapshot"]
    _heading(
        sheet,
        data,
        labels,
        labels["sheet_movement"],
        (
            labels["snapshot"],
            f"{snapshot['name']} ({snapshot['date']})" if snapshot else labels["no_snapshot"],
        ),
    )
    sheet.table(
        [
            Column(labels["movement"]),
            Column(labels["count"], "integer"),
            Column(labels["value_change"], "money"),
            Column(labels["weighted_change"], "money"),
        ],
        (
            [line["label"], line["count"], line["value"], line["weighted"]]
            for line in movement["summary"]
        ),
        total=[
            labels["net"],
            movement["count"],
            movement.get("net_value", 0.0),
            movement.get("net_weighted", 0.0),
        ],
        freeze=False,
        autofilter=False,
    )
    sheet.skip()
    sheet.stream(
        [
            Column(labels["opportunity"], width=40),
            Column(labels["user"], width=20),
            Column(labels["team"], width=20),
            Column(labels["movement"], width=22),
            Column(labels["before_date"], "date", width=12),
            Column(labels["before_revenue"], "money", width=16),
            Column(labels["after_date"], "date", width=12),
            Column(labels["after_revenue"], "money", width=16),
            Column(labels["value_change"], "money", width=16),
            Column(labels["weighted_change"], "money", width=16),
        ],
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
        freeze_cols=1,
    )


def _cost_sheet(book, data, labels):
    sheet = book.add_sheet(labels["sheet_cost"])
    _heading(sheet, data, labels, labels["sheet_cost"])
    keys = ("cost", "won_count", "won", "cost_per_won", "cost_ratio", "budget", "budget_used")
    cost = data["selling_cost"]
    sheet.table(
        [
            Column(labels["team"], width=28),
            Column(labels["cost"], "money", width=16),
            Column(labels["won_count"], "integer", width=16),
            Column(labels["won_amount"], "money", width=16),
            Column(labels["cost_per_won"], "money", width=16),
            Column(labels["cost_ratio"], "percent", width=16, convert=from_percent),
            Column(labels["budget"], "money", width=16),
            Column(labels["budget_used"], "percent", width=16, convert=from_percent),
        ],
        ([line["name"], *(line[key] for key in keys)] for line in cost["rows"]),
        total=[cost["total"]["name"], *(cost["total"][key] for key in keys)],
        freeze_cols=1,
    )


def _detail_sheet(book, labels, detail_rows):
    sheet = book.add_sheet(labels["sheet_detail"])
    sheet.stream(
        [
            *_deal_columns(labels),
            Column(labels["forecast_category"], width=14),
            Column(labels["closing"], "date", width=12),
            Column(labels["expected_revenue"], "money", width=16),
            Column(labels["probability"], "percent", width=11, convert=from_percent),
            Column(labels["weighted"], "money", width=16),
            Column(labels["currency"], width=9),
        ],
        detail_rows,
        freeze_cols=1,
    )
