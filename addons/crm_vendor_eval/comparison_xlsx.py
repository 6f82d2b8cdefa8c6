"""The vendor comparison as an .xlsx workbook (xlsxwriter; no Odoo here).

One sheet "Comparison": criteria (grouped under their category) by vendors, with the same
figures as the comparison shown in the evaluation form, then the totals."""

import io

import xlsxwriter


def build_comparison_workbook(title, labels, vendors, categories, totals):
    """
    :param title: the evaluation's name
    :param labels: translated texts: criterion, total, spread, missing, tco, strongest, weakest
    :param vendors: [vendor name] in rank order
    :param categories: [(category label, [category score per vendor or None],
                         [(criterion name, [average per vendor or None])])]
    :param totals: {"total": [...], "spread": [...], "missing": [...], "tco": [...],
                    "strongest": [category label per vendor], "weakest": [...]}
    :return: the workbook as bytes
    """
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True})
    sheet = book.add_worksheet(labels["sheet"][:31])
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    number = book.add_format({"num_format": "0.0"})
    category_number = book.add_format({"num_format": "0.0", "bold": True})
    best = book.add_format({"num_format": "0.0", "bold": True, "bg_color": "#C6EFCE"})
    worst = book.add_format({"num_format": "0.0", "bold": True, "bg_color": "#FFC7CE"})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    sheet.write_row(2, 0, [labels["criterion"], *vendors], header)
    sheet.freeze_panes(3, 1)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, max(len(vendors), 1), 18)
    row = 3
    for name, scores, criteria in categories:
        sheet.write(row, 0, name, bold)
        for col, value in enumerate(scores, start=1):
            style = category_number
            if name == totals["strongest"][col - 1]:
                style = best
            elif name == totals["weakest"][col - 1]:
                style = worst
            if value is None:
                sheet.write_blank(row, col, None, style)
            else:
                sheet.write_number(row, col, value, style)
        row += 1
        for criterion, averages in criteria:
            sheet.write(row, 0, "    " + criterion)
            for col, value in enumerate(averages, start=1):
                if value is not None:
                    sheet.write_number(row, col, value, number)
            row += 1
    row += 1
    for key, style in (
        ("total", category_number),
        ("spread", number),
        ("missing", None),
        ("tco", money),
    ):
        sheet.write(row, 0, labels[key], bold)
        for col, value in enumerate(totals[key], start=1):
            sheet.write_number(row, col, value, style) if style else sheet.write_number(
                row, col, value
            )
        row += 1
    for key in ("strongest", "weakest"):
        sheet.write(row, 0, labels[key], bold)
        sheet.write_row(row, 1, totals[key])
        row += 1
    book.close()
    return output.getvalue()
