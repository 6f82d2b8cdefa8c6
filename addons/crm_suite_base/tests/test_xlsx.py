"""The workbook helper, on files opened again with openpyxl as Excel would read them."""

import io
import json
import os
import subprocess
import sys
import tempfile
import unittest
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl

from .. import xlsx
from ..xlsx import Column, Currency, Workbook, from_percent

XLSX_PY = Path(xlsx.__file__)
FORMULA = '=HYPERLINK("http://evil.example","Click")'


def load(content):
    return openpyxl.load_workbook(io.BytesIO(content))


def build(fill, **options):
    output = io.BytesIO()
    with Workbook(output, **options) as book:
        fill(book)
    return output.getvalue()


class TestTables(unittest.TestCase):
    def test_cells_are_typed_by_their_column_and_text_stays_text(self):
        columns = [
            Column("Opportunity"),
            Column("Revenue", "money"),
            Column("Probability", "percent", convert=from_percent),
            Column("Closing", "date"),
            Column("Logged", "datetime"),
            Column("Days", "integer"),
            Column("Note", "wrap"),
        ]
        logged, note = datetime(2026, 11, 2, 9, 30), "first line\nsecond line"
        rows = [
            (FORMULA, 1234.5, 25, date(2026, 12, 31), logged, 12, note),
            ("+SUM(A1:A9)\x01\x1f", float("nan"), None, None, False, float("inf"), ""),
            ("-1", 10**400, 100, "2027-01-15", "2026-11-03 08:00:00", True, None),
        ]

        def fill(book):
            sheet = book.add_sheet("Deals")
            sheet.heading("Deals of 2026", [("Period", "2026"), ("Team", "=1+1")])
            sheet.table(columns, rows, total=["Total", 1234.5, 62.5, None, None, 13, None])

        sheet = load(build(fill, currency=Currency("€", "after", 2)))["Deals"]
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(
            values[:3],
            [
                ["Deals of 2026", *[None] * 6],
                ["Period", "2026", *[None] * 5],
                ["Team", "=1+1", *[None] * 5],
            ],
        )
        self.assertEqual(values[4], [column.label for column in columns])
        self.assertEqual(
            values[5], [FORMULA, 1234.5, 0.25, datetime(2026, 12, 31), logged, 12, note]
        )
        # Characters XML does not allow are dropped; no number is made of NaN or infinity.
        self.assertEqual(values[6], ["+SUM(A1:A9)", None, None, None, None, None, None])
        self.assertEqual(
            values[7], ["-1", None, 1.0, datetime(2027, 1, 15), datetime(2026, 11, 3, 8), 1, None]
        )
        self.assertEqual(values[8], ["Total", 1234.5, 0.625, None, None, 13, None])
        for cell in ("A3", "B3", "A6", "A7", "A8"):
            self.assertEqual(sheet[cell].data_type, "s", f"{cell} holds text, not a formula")
        self.assertEqual(sheet["B6"].number_format, '#,##0.00 "€"')
        self.assertEqual(sheet["C6"].number_format, "0.0%")
        self.assertEqual(sheet["D6"].number_format, "yyyy-mm-dd")
        self.assertEqual(sheet["E6"].number_format, "yyyy-mm-dd hh:mm")
        self.assertEqual(sheet["F6"].number_format, "#,##0")
        self.assertTrue(sheet["G6"].alignment.wrap_text)
        self.assertTrue(sheet["A5"].font.b and sheet["A5"].fill.fgColor.rgb.endswith("D9E1F2"))
        self.assertTrue(sheet["A1"].font.b and sheet["A1"].font.sz == 14)
        # The total row: bold over a rule, in the column's number format, out of the filter.
        self.assertTrue(sheet["B9"].font.b and sheet["B9"].border.top.style == "thin")
        self.assertEqual(sheet["B9"].number_format, '#,##0.00 "€"')
        self.assertEqual(sheet.freeze_panes, "A6")
        self.assertEqual(sheet.auto_filter.ref, "A5:G8")

    def test_columns_are_sized_from_the_header_and_the_values(self):
        def fill(book):
            sheet = book.add_sheet("Sizes")
            sheet.table(
                [
                    Column("Customer"),
                    Column("客户名称"),
                    Column("Expected revenue in company currency", "money"),
                    Column("N", "integer"),
                    Column("Fixed", width=33),
                ],
                [
                    ("Pacific Integrators International Holdings", "太平洋集成", 1e9, 3, "x"),
                    ("Short", "太平洋集成国际控股有限公司", 12.0, 4, "y"),
                ],
            )

        sheet = load(build(fill))["Sizes"]
        widths = {col: sheet.column_dimensions[col].width for col in "ABCDE"}
        # openpyxl reads the width Excel stores: the characters plus a small padding.
        self.assertAlmostEqual(widths["A"], 44 + 0.71, delta=0.1)  # longest value + 2
        self.assertAlmostEqual(widths["B"], 28 + 0.71, delta=0.1)  # 13 wide characters
        self.assertAlmostEqual(widths["C"], 32 + 0.71, delta=0.1)  # header, capped at 30
        self.assertAlmostEqual(widths["D"], 8 + 0.71, delta=0.1)  # the minimum
        self.assertAlmostEqual(widths["E"], 33 + 0.71, delta=0.1)

    def test_a_second_table_keeps_the_first_ones_frozen_header_and_filter(self):
        def fill(book):
            sheet = book.add_sheet("Two")
            sheet.caption("By team")
            first = sheet.table([Column("Team"), Column("Won", "money")], [("A", 1), ("B", 2)])
            sheet.skip()
            sheet.caption("By salesperson")
            second = sheet.table([Column("Salesperson"), Column("Won", "money")], [("Ann", 3)])
            self.assertEqual(
                (first.header_row, first.first_row, first.last_row, second.header_row),
                (1, 2, 3, 6),
            )

        sheet = load(build(fill))["Two"]
        self.assertEqual(sheet.freeze_panes, "A3")
        self.assertEqual(sheet.auto_filter.ref, "A2:B4")
        self.assertEqual(sheet["A6"].value, "By salesperson")
        self.assertEqual(sheet["A8"].value, "Ann")

    def test_a_summary_above_a_long_table_leaves_it_the_frozen_header(self):
        def fill(book):
            sheet = book.add_sheet("Movement")
            sheet.table(
                [Column("Movement"), Column("Count", "integer")],
                [("Slipped", 2), ("Won", 1)],
                total=["Net", 3],
                freeze=False,
                autofilter=False,
            )
            sheet.skip()
            sheet.stream([Column("Opportunity"), Column("Change", "money")], [("Deal", -5.0)])

        sheet = load(build(fill, constant_memory=True))["Movement"]
        self.assertEqual(sheet.freeze_panes, "A7")
        self.assertEqual(sheet.auto_filter.ref, "A6:B7")
        self.assertEqual(sheet["A4"].value, "Net")
        self.assertEqual(sheet["B7"].value, -5.0)

    def test_a_row_with_a_missing_value_is_an_error_not_a_shifted_row(self):
        with Workbook(io.BytesIO()) as book:
            sheet = book.add_sheet("Bad")
            with self.assertRaises(ValueError):
                sheet.table([Column("A"), Column("B", "money")], [("x", 1.0), ("y",)])

    def test_sheet_names_are_ones_excel_accepts(self):
        def fill(book):
            for name in ("Forecast: Q4/2026 [draft]", "'Quoted'", "A" * 40, "a" * 40, "", "?"):
                book.add_sheet(name)

        self.assertEqual(
            load(build(fill)).sheetnames,
            ["Forecast Q4 2026 draft", "Quoted", "A" * 31, "a" * 27 + " (2)", "Sheet", "Sheet (2)"],
        )


class TestChart(unittest.TestCase):
    def test_the_funnel_chart_reads_the_table_of_its_sheet(self):
        def fill(book):
            sheet = book.add_sheet("Zhang's funnel")
            sheet.heading("Funnel")
            table = sheet.table(
                [Column("Phase"), Column("Entered", "integer")],
                [("Contact", 40), ("Design", 25), ("Proof", 12), ("Tender", 6)],
            )
            sheet.bar_chart(table, 0, 1, title="Deals per phase", series_name="Entered")

        content = build(fill)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            chart = archive.read("xl/charts/chart1.xml").decode()
            drawing = archive.read("xl/drawings/drawing1.xml").decode()
        self.assertIn("<c:f>'Zhang''s funnel'!$A$4:$A$7</c:f>", chart)
        self.assertIn("<c:f>'Zhang''s funnel'!$B$4:$B$7</c:f>", chart)
        self.assertIn('<c:barDir val="bar"/>', chart)
        self.assertIn('<c:orientation val="maxMin"/>', chart, "first phase on top")
        self.assertIn("<xdr:col>3</xdr:col>", drawing, "right of the table, a column apart")
        self.assertEqual(load(content)["Zhang's funnel"]["A7"].value, "Tender")


class TestStreaming(unittest.TestCase):
    def test_rows_past_the_sheet_continue_on_new_sheets_in_order(self):
        def fill(book):
            sheet = book.add_sheet("Opportunities")
            sheet.heading("Every deal")
            tables = sheet.stream(
                [Column("Deal"), Column("Revenue", "money")],
                ((f"Deal {n}", n * 10.0) for n in range(1, 8)),
                rows_per_sheet=3,
            )
            self.assertEqual([table.row_count for table in tables], [3, 3, 1])

        book = load(build(fill, constant_memory=True))
        self.assertEqual(
            book.sheetnames, ["Opportunities", "Opportunities (2)", "Opportunities (3)"]
        )
        rows = [
            row
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            if row[0] and row[0].startswith("Deal ")
        ]
        self.assertEqual(rows, [(f"Deal {n}", n * 10.0) for n in range(1, 8)])
        for sheet, header in zip(book.worksheets, ("A3", "A1", "A1"), strict=True):
            self.assertEqual(sheet[header].value, "Deal")
        self.assertEqual(book.worksheets[1].freeze_panes, "A2")
        self.assertEqual(book.worksheets[1].auto_filter.ref, "A1:B4")

    def test_200000_rows_stream_in_bounded_memory(self):
        """A separate interpreter that imports the helper alone (no Odoo) streams 200,000 rows
        into a constant-memory workbook: its peak memory grows by less than 8 MB from the first
        5,000 rows to the closed file (an in-memory workbook grows by more than 100 MB), and every
        row is in the file, in order."""
        script = f"""
import importlib.util, json, resource, sys
from datetime import date
spec = importlib.util.spec_from_file_location("suite_xlsx", {str(XLSX_PY)!r})
xlsx = importlib.util.module_from_spec(spec)
spec.loader.exec_module(xlsx)
assert "odoo" not in sys.modules
peaks = []

def rows():
    for n in range(200_000):
        if n == 5_000:
            peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        yield (f"Opportunity {{n}}", f"Customer {{n % 977}}", date(2026, 1 + n % 12, 1),
               n * 1.5, n % 101)

with xlsx.Workbook(sys.argv[1], constant_memory=sys.argv[2] == "1") as book:
    sheet = book.add_sheet("Opportunities")
    sheet.stream(
        [xlsx.Column("Opportunity"), xlsx.Column("Customer"), xlsx.Column("Closing", "date"),
         xlsx.Column("Revenue", "money"), xlsx.Column("Probability", "percent",
         convert=xlsx.from_percent)],
        rows(),
    )
peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
print(json.dumps(peaks))
"""
        with tempfile.TemporaryDirectory() as tmpdir:
            path = os.path.join(tmpdir, "long.xlsx")
            result = subprocess.run(
                [sys.executable, "-c", script, path, "1"],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            self.assertEqual(result.returncode, 0, result.stderr[-2000:])
            early, late = json.loads(result.stdout)
            self.assertLess(late - early, 8 * 1024, "peak memory grew with the rows (KB)")
            book = openpyxl.load_workbook(path, read_only=True)
            sheet = book["Opportunities"]
            count, last = 0, None
            for count, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=1):
                if row[0] != f"Opportunity {count - 1}" or row[3] != (count - 1) * 1.5:
                    self.fail(f"row {count + 1} holds {row!r}")
                last = row
            self.assertEqual(count, 200_000)
            self.assertEqual(
                last, ("Opportunity 199999", "Customer 691", datetime(2026, 8, 1), 299998.5, 0.19)
            )
            book.close()


class TestCurrency(unittest.TestCase):
    def test_money_formats_show_the_currency_as_odoo_places_it(self):
        self.assertEqual(Currency("€", "after", 2).num_format(), '#,##0.00 "€"')
        self.assertEqual(Currency("¥", "before", 0).num_format(), '"¥"#,##0')
        self.assertEqual(Currency('Fr"', "before", 3).num_format(), '"Fr"#,##0.000')
        self.assertEqual(Currency().num_format(), "#,##0.00")
