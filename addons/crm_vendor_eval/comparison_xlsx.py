"""The vendor comparison as an .xlsx workbook (xlsxwriter; no Odoo here).

Sheet "Comparison": criteria (grouped under their category, with their weights) by vendors in
rank order, with the same figures as the comparison shown in the evaluation form, then the rank,
totals and each evaluator's coverage. Sheet "Scores by evaluator": every submitted score with its
comment, one row per evaluator, vendor and criterion, ready for Excel's filters.

Every text (names of vendors, categories, criteria, evaluators, comments) is written with
``write_string``: a partner named ``=HYPERLINK(...)`` stays a name, never becomes a formula."""

import io

import xlsxwriter


def build_comparison_workbook(title, labels, vendors, categories, totals, evaluators, details):
    """
    :param title: the evaluation's name
    :param labels: translated texts (sheet names, row and column captions)
    :param vendors: [vendor name] in rank order
    :param categories: [(category name, weight, [category score per vendor or None],
                         [(criterion name, weight, [average per vendor or None])])]
    :param totals: {"rank": [...], "total": [...], "spread": [...], "missing": [...],
                    "tco": [...], "strongest": [category name per vendor], "weakest": [...]}
    :param evaluators: [(evaluator name, [share of the criteria they scored per vendor, %])]
    :param details: [(evaluator, vendor, category, criterion, score or None, comment)]
    :return: the workbook as bytes
    """
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    styles = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "header": book.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        ),
        "number": book.add_format({"num_format": "0.0"}),
        "weight": book.add_format({"num_format": "0.##", "font_color": "#595959"}),
        "category_weight": book.add_format({"num_format": "0.##", "bold": True}),
        "category": book.add_format({"num_format": "0.0", "bold": True}),
        "best": book.add_format({"num_format": "0.0", "bold": True, "bg_color": "#C6EFCE"}),
        "worst": book.add_format({"num_format": "0.0", "bold": True, "bg_color": "#FFC7CE"}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "integer": book.add_format({"num_format": "0"}),
        "text": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    _comparison_sheet(book, styles, title, labels, vendors, categories, totals, evaluators)
    _detail_sheet(book, styles, labels, details)
    book.close()
    return output.getvalue()


def _comparison_sheet(book, styles, title, labels, vendors, categories, totals, evaluators):
    sheet = book.add_worksheet(labels["sheet"][:31])
    first_vendor = 2  # column A: criterion, B: weight
    sheet.write_string(0, 0, title, styles["title"])
    sheet.write_string(2, 0, labels["criterion"], styles["header"])
    sheet.write_string(2, 1, labels["weight"], styles["header"])
    for col, vendor in enumerate(vendors, start=first_vendor):
        sheet.write_string(2, col, vendor, styles["header"])
    sheet.set_row(2, 45)
    sheet.freeze_panes(3, first_vendor)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 9)
    sheet.set_column(first_vendor, first_vendor + max(len(vendors) - 1, 0), 18)
    row = 3
    for name, weight, scores, criteria in categories:
        sheet.write_string(row, 0, name, styles["bold"])
        sheet.write_number(row, 1, weight, styles["category_weight"])
        for col, value in enumerate(scores, start=first_vendor):
            style = styles["category"]
            if name == totals["strongest"][col - first_vendor]:
                style = styles["best"]
            elif name == totals["weakest"][col - first_vendor]:
                style = styles["worst"]
            if value is None:
                sheet.write_blank(row, col, None, style)
            else:
                sheet.write_number(row, col, value, style)
        row += 1
        for criterion, criterion_weight, averages in criteria:
            sheet.write_string(row, 0, "    " + criterion)
            sheet.write_number(row, 1, criterion_weight, styles["weight"])
            for col, value in enumerate(averages, start=first_vendor):
                if value is not None:
                    sheet.write_number(row, col, value, styles["number"])
            row += 1
    row += 1
    for key, style in (
        ("rank", styles["integer"]),
        ("total", styles["category"]),
        ("spread", styles["number"]),
        ("missing", styles["integer"]),
        ("tco", styles["money"]),
    ):
        sheet.write_string(row, 0, labels[key], styles["bold"])
        for col, value in enumerate(totals[key], start=first_vendor):
            sheet.write_number(row, col, value, style)
        row += 1
    for key in ("strongest", "weakest"):
        sheet.write_string(row, 0, labels[key], styles["bold"])
        for col, value in enumerate(totals[key], start=first_vendor):
            sheet.write_string(row, col, value)
        row += 1
    if evaluators:
        row += 1
        sheet.write_string(row, 0, labels["coverage"], styles["bold"])
        row += 1
        for name, shares in evaluators:
            sheet.write_string(row, 0, "    " + name)
            for col, share in enumerate(shares, start=first_vendor):
                sheet.write_number(row, col, share, styles["integer"])
            row += 1


def _detail_sheet(book, styles, labels, details):
    sheet = book.add_worksheet(labels["detail_sheet"][:31])
    columns = ("evaluator", "vendor", "category", "criterion", "score", "comment")
    for col, key in enumerate(columns):
        sheet.write_string(0, col, labels[key], styles["header"])
    sheet.freeze_panes(1, 0)
    for col, width in enumerate((22, 26, 26, 40, 11, 60)):
        sheet.set_column(col, col, width)
    for row, (evaluator, vendor, category, criterion, score, comment) in enumerate(
        details, start=1
    ):
        sheet.write_string(row, 0, evaluator)
        sheet.write_string(row, 1, vendor)
        sheet.write_string(row, 2, category)
        sheet.write_string(row, 3, criterion)
        if score is None:
            sheet.write_blank(row, 4, None)
        else:
            sheet.write_number(row, 4, score, styles["integer"])
        if comment:
            sheet.write_string(row, 5, comment, styles["text"])
    if details:
        sheet.autofilter(0, 0, len(details), len(columns) - 1)
