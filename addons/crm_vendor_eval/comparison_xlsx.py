"""The vendor comparison as an .xlsx workbook, written with the suite's workbook helper
(``crm_suite_base.xlsx``: xlsxwriter's public API; no Odoo models here).

Sheet "Comparison": criteria (grouped under their category, with their weights) by vendors in
rank order, with the same figures as the comparison shown in the evaluation form, then the rank,
totals and each evaluator's coverage. Sheet "Scores by evaluator": every submitted score with its
comment, one row per evaluator, vendor and criterion, ready for Excel's filters.

Every text (names of vendors, categories, criteria, evaluators, comments) is written as text:
a partner named ``=HYPERLINK(...)`` stays a name, never becomes a formula."""

from odoo.addons.crm_suite_base.xlsx import Column, workbook_bytes

FIRST_VENDOR = 2  # column A: criterion, B: weight
BEST, WORST = "#C6EFCE", "#FFC7CE"
WEIGHT = {"num_format": "0.##"}


def build_comparison_workbook(
    title, labels, vendors, categories, totals, evaluators, details, currency=None
):
    """
    :param title: the evaluation's name
    :param labels: the comparison's captions (``crm.vendor.evaluation._comparison_labels()``)
    :param vendors: [vendor name] in rank order
    :param categories: [(category name, weight, [category score per vendor or None],
                         [(criterion name, weight, [average per vendor or None])])]
    :param totals: {"rank": [...], "total": [...], "spread": [...], "missing": [...],
                    "tco": [...], "strongest": [category name per vendor], "weakest": [...]}
    :param evaluators: [(evaluator name, [share of the criteria they scored per vendor, %])]
    :param details: [(evaluator, vendor, category, criterion, score or None, comment)]
    :param currency: the ``Currency`` of the costs
    :return: the workbook as bytes
    """

    def fill(book):
        _comparison_sheet(book, title, labels, vendors, categories, totals, evaluators)
        _detail_sheet(book, labels, details)

    return workbook_bytes(fill, currency=currency)


def _comparison_sheet(book, title, labels, vendors, categories, totals, evaluators):
    sheet = book.add_sheet(labels["sheet"])
    sheet.caption(title, "title")
    sheet.skip()
    sheet.header([labels["criterion"], labels["weight"], *vendors], height=45)
    sheet.freeze(sheet.row, FIRST_VENDOR)
    sheet.width(0, 44)
    sheet.width(1, 9)
    for col in range(FIRST_VENDOR, FIRST_VENDOR + len(vendors)):
        sheet.width(col, 18)
    fmt = book.format
    for name, weight, scores, criteria in categories:
        row = sheet.row
        sheet.cell(row, 0, name, "bold")
        sheet.cell(row, 1, weight, fmt(None, bold=True, **WEIGHT))
        for col, value in enumerate(scores, start=FIRST_VENDOR):
            colour = {}
            if name == totals["strongest"][col - FIRST_VENDOR]:
                colour = {"bg_color": BEST}
            elif name == totals["weakest"][col - FIRST_VENDOR]:
                colour = {"bg_color": WORST}
            sheet.cell(row, col, value, fmt("decimal", bold=True, **colour))
        sheet.skip()
        for criterion, criterion_weight, averages in criteria:
            row = sheet.row
            sheet.cell(row, 0, "    " + criterion)
            sheet.cell(row, 1, criterion_weight, fmt(None, font_color="#595959", **WEIGHT))
            for col, value in enumerate(averages, start=FIRST_VENDOR):
                sheet.cell(row, col, value, "decimal")
            sheet.skip()
    sheet.skip()
    for key, style in (
        ("rank", fmt("integer")),
        ("total", fmt("decimal", bold=True)),
        ("spread", fmt("decimal")),
        ("missing", fmt("integer")),
        ("tco", fmt("money")),
        ("strongest", None),
        ("weakest", None),
    ):
        row = sheet.row
        sheet.cell(row, 0, labels[key], "bold")
        for col, value in enumerate(totals[key], start=FIRST_VENDOR):
            sheet.cell(row, col, value, style)
        sheet.skip()
    if evaluators:
        sheet.skip()
        sheet.caption(labels["coverage"])
        for name, shares in evaluators:
            row = sheet.row
            sheet.cell(row, 0, "    " + name)
            for col, share in enumerate(shares, start=FIRST_VENDOR):
                sheet.cell(row, col, share, "integer")
            sheet.skip()


def _detail_sheet(book, labels, details):
    sheet = book.add_sheet(labels["detail_sheet"])
    sheet.table(
        [
            Column(labels["evaluator"]),
            Column(labels["vendor"]),
            Column(labels["category"]),
            Column(labels["criterion"]),
            Column(labels["score"], "integer"),
            Column(labels["comment"], "wrap"),
        ],
        details,
    )
