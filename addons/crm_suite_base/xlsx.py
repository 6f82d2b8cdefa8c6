"""Excel workbooks of the CRM suite, written with xlsxwriter's public API only (no Odoo here).

One way for every workbook of the suite: named formats, typed cells, tables with a frozen,
filtered header and sized columns, long tables streamed in constant memory, captions and
charts::

    from odoo.addons.crm_suite_base.xlsx import Column, Currency, Workbook

    with Workbook(output, currency=Currency("¥", "before", 2)) as book:
        sheet = book.add_sheet(_("Forecast"))
        sheet.heading(_("Sales forecast"), [(_("Period"), "2026 Q4")])
        sheet.table(
            [Column(_("Team")), Column(_("Won"), "money"), Column(_("Attainment"), "percent")],
            [("Europe", 120000.0, 0.8), ("Asia", 90000.0, 1.05)],
            total=[_("Total"), 210000.0, 0.92],
        )

Cells are typed by their column: text is ALWAYS written with ``write_string`` (a customer
named ``=HYPERLINK(...)`` stays a name, never becomes a formula; characters XML does not allow
are dropped), numbers with ``write_number`` (an infinite or NaN value leaves the cell empty),
dates with ``write_datetime``; None and False leave the cell empty.

Long sheets: open the workbook with ``constant_memory=True`` and write them with
``Sheet.stream()``: rows come from an iterator and go to xlsxwriter's temporary file one by
one, in order, so memory does not grow with the number of rows. In that mode every sheet is
written from top to bottom (a row once left is never written again)."""

import io
import math
import re
import unicodedata
from datetime import date, datetime
from itertools import chain, islice

import xlsxwriter

MAX_ROWS = 1_048_576  # rows of an Excel sheet
MAX_SHEET_NAME = 31
SAMPLE_ROWS = 100  # rows of a table read to size its columns
MIN_WIDTH, MAX_WIDTH, MAX_HEADER_WIDTH = 8, 60, 30

# Properties of the named formats (``Workbook.format(name, **extra)``); "money" takes the
# workbook's currency.
FORMATS = {
    "title": {"bold": True, "font_size": 14},
    "bold": {"bold": True},
    "header": {
        "bold": True,
        "bg_color": "#D9E1F2",
        "border": 1,
        "text_wrap": True,
        "valign": "top",
    },
    "text": {},
    "wrap": {"text_wrap": True, "valign": "top"},
    "number": {},
    "integer": {"num_format": "#,##0"},
    "decimal": {"num_format": "#,##0.0"},
    "money": {},
    "percent": {"num_format": "0.0%"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
}
# What a total row adds to the format of its cells.
TOTAL = {"bold": True, "top": 1}

# Kinds of columns: how their cells are written, and their format.
TEXT_KINDS = {"text", "wrap"}
NUMBER_KINDS = {"number", "integer", "decimal", "money", "percent"}
DATE_KINDS = {"date", "datetime"}
KINDS = TEXT_KINDS | NUMBER_KINDS | DATE_KINDS

# Characters XML 1.0 does not allow (and lone surrogates, which no file can hold).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SHEET_NAME_INVALID = re.compile(r"[\[\]:*?/\\]")


class Currency:
    """How money is shown: ``symbol`` ("€", "¥", "CHF") before or after the amount
    (``position``), with ``digits`` decimals (Odoo's ``res.currency`` gives the three)."""

    __slots__ = ("digits", "position", "symbol")

    def __init__(self, symbol="", position="before", digits=2):
        self.symbol = (symbol or "").replace('"', "")
        self.position = position
        self.digits = max(int(digits or 0), 0)

    def num_format(self):
        """The Excel number format of an amount: ``"¥"#,##0.00`` or ``#,##0.00 "€"``."""
        number = "#,##0" + ("." + "0" * self.digits if self.digits else "")
        if not self.symbol:
            return number
        if self.position == "after":
            return f'{number} "{self.symbol}"'
        return f'"{self.symbol}"{number}'


class Column:
    """One column of a table.

    :param label: the header (translated by the caller)
    :param kind: text, wrap (long text, wrapped), number, integer, decimal (one decimal),
        money, percent (a fraction: 0.25 shows 25.0 %), date or datetime
    :param width: the width in characters (default: from the header and the first rows)
    :param convert: a function applied to every value before it is written (e.g.
        ``from_percent`` for 0-100 values, a yes/no label for booleans)
    :param style: format properties added to the kind's format (``{"font_color": ...}``)
    """

    __slots__ = ("convert", "kind", "label", "style", "width")

    def __init__(self, label, kind="text", *, width=None, convert=None, style=None):
        if kind not in KINDS:
            raise ValueError(f"Unknown column kind {kind!r}: one of {sorted(KINDS)}")
        self.label = label
        self.kind = kind
        self.width = width
        self.convert = convert
        self.style = dict(style or {})


class Table:
    """Where a table landed: its sheet, header row, first and last data rows (0-based; the
    last is ``first_row - 1`` for a table without rows) and total row (or None)."""

    __slots__ = ("first_row", "header_row", "last_row", "sheet", "total_row")

    def __init__(self, sheet, header_row, first_row, last_row, total_row=None):
        self.sheet = sheet
        self.header_row = header_row
        self.first_row = first_row
        self.last_row = last_row
        self.total_row = total_row

    @property
    def row_count(self):
        return self.last_row - self.first_row + 1

    def column_range(self, col):
        """The data cells of column ``col``, as xlsxwriter's charts take them."""
        return [self.sheet.name, self.first_row, col, self.last_row, col]


def _finite(value):
    """``value`` as a float, or None when it is infinite or not a number (Excel has no such
    value). A value that is no number at all raises ``ValueError`` or ``TypeError``."""
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def from_percent(value):
    """A percentage given as 0-100 (as the screens show it) as the fraction Excel formats."""
    return None if value is None or value is False else value / 100.0


def clean_text(value):
    """``value`` as a text a sheet can hold: characters XML does not allow are dropped."""
    text = value if isinstance(value, str) else str(value)
    return _INVALID_XML.sub("", text) if _INVALID_XML.search(text) else text


def text_width(text):
    """Display width of a text's longest line, in characters (East Asian wide characters
    count twice)."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in str(text).splitlines()
        ),
        default=0,
    )


class Workbook:
    """An .xlsx workbook on a path or a binary file object (``io.BytesIO``).

    :param target: a file path or a writable binary file object
    :param constant_memory: write each row to a temporary file as soon as the next row starts
        (for long sheets; every sheet then goes from top to bottom)
    :param currency: the ``Currency`` of the "money" format (default: no symbol)
    :param tmpdir: where xlsxwriter keeps its temporary files (default: the system's)

    Use it as a context manager, or call ``close()``: the file is complete then, and
    xlsxwriter's temporary files are gone (after an error too).
    """

    def __init__(self, target, *, constant_memory=False, currency=None, tmpdir=None):
        options = {
            "constant_memory": constant_memory,
            # Where no temporary file is needed, none is made.
            "in_memory": not constant_memory,
            "remove_timezone": True,
            "default_date_format": FORMATS["date"]["num_format"],
            # xlsxwriter's write() never turns a text into a formula or a link either.
            "strings_to_formulas": False,
            "strings_to_urls": False,
        }
        if tmpdir:
            options["tmpdir"] = tmpdir
        self.book = xlsxwriter.Workbook(target, options)
        self.constant_memory = constant_memory
        self.currency = currency or Currency()
        self._formats = {}
        self._sheet_names = set()
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        if not self._closed:
            self._closed = True
            self.book.close()

    def format(self, name=None, **extra):
        """The xlsxwriter format ``name`` of ``FORMATS`` (None: no base) with the properties
        ``extra`` on top (e.g. ``format("money", **TOTAL)``), made once per workbook."""
        key = (name, tuple(sorted(extra.items())))
        found = self._formats.get(key)
        if found is None:
            properties = dict(FORMATS[name]) if name else {}
            if name == "money":
                properties["num_format"] = self.currency.num_format()
            properties.update(extra)
            found = self._formats[key] = self.book.add_format(properties)
        return found

    def add_sheet(self, name):
        """A new sheet named ``name`` as Excel allows it: without ``[]:*?/\\``, at most 31
        characters, unique (" (2)" added to a name already taken)."""
        base = " ".join(_SHEET_NAME_INVALID.sub(" ", clean_text(name)).split()).strip("'")
        base = base or "Sheet"
        candidate, number = base[:MAX_SHEET_NAME], 1
        while candidate.lower() in self._sheet_names:
            number += 1
            suffix = f" ({number})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        self._sheet_names.add(candidate.lower())
        return Sheet(self, self.book.add_worksheet(candidate), candidate)


class Sheet:
    """A worksheet with a row cursor (``row``: the next free row, 0-based) that captions,
    headings and tables move down."""

    def __init__(self, workbook, worksheet, name):
        self.workbook = workbook
        self.worksheet = worksheet
        self.name = name
        self.row = 0
        self._widths = {}
        self._frozen = False
        self._filtered = False

    # ------------------------------------------------------------------ cells

    def _format(self, fmt):
        return self.workbook.format(fmt) if isinstance(fmt, str) else fmt

    def cell(self, row, col, value, fmt=None):
        """One cell typed by its value: text (always as text), number (empty when not
        finite), date or datetime; None and False leave it empty. ``fmt``: a format or the
        name of one."""
        fmt = self._format(fmt)
        if value is None or value is False:
            if fmt is not None:
                self.worksheet.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            self.worksheet.write_string(row, col, clean_text(value), fmt)
        elif value is True:
            self.worksheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            number = _finite(value)
            if number is not None:
                self.worksheet.write_number(row, col, number, fmt)
            elif fmt is not None:
                self.worksheet.write_blank(row, col, None, fmt)
        elif isinstance(value, (date, datetime)):
            self.worksheet.write_datetime(row, col, value, fmt or self.workbook.format("date"))
        else:
            self.worksheet.write_string(row, col, clean_text(value), fmt)

    def width(self, col, width):
        """Column ``col`` at least ``width`` characters wide."""
        if width > self._widths.get(col, 0):
            self._widths[col] = width
            self.worksheet.set_column(col, col, width)

    def skip(self, rows=1):
        self.row += rows
        return self.row

    def caption(self, text, fmt="bold", col=0):
        """A line of text at the cursor (a table's title, a note); returns its row."""
        row = self.row
        self.cell(row, col, text, fmt)
        self.row += 1
        return row

    def heading(self, title, pairs=()):
        """The sheet's title, then one ``(label, value)`` line per pair (the period, the
        filters, the currency...), then an empty row."""
        self.caption(title, "title")
        for label, value in pairs:
            self.cell(self.row, 0, label, "bold")
            self.cell(self.row, 1, value)
            self.row += 1
        self.row += 1

    def header(self, labels, row=None, col=0, height=None):
        """A header row of ``labels`` (at the cursor by default); returns its row."""
        row = self.row if row is None else row
        fmt = self.workbook.format("header")
        for offset, label in enumerate(labels):
            self.worksheet.write_string(row, col + offset, clean_text(label), fmt)
        if height:
            self.worksheet.set_row(row, height)
        self.row = max(self.row, row + 1)
        return row

    def freeze(self, row, col=0):
        """Freeze the rows above ``row`` and the columns left of ``col`` (once per sheet)."""
        if not self._frozen:
            self._frozen = True
            self.worksheet.freeze_panes(row, col)

    # ------------------------------------------------------------------ tables

    def table(self, columns, rows, *, total=None, freeze=True, freeze_cols=0, autofilter=True):
        """A table at the cursor: a header row (frozen with the ``freeze_cols`` first columns,
        and with an autofilter, unless the sheet has them already or they are turned off), the
        rows (an iterable of sequences, one value per column), then ``total`` (one value per
        column, as the rows give them, in bold over a rule) when given. Columns are sized from
        the header and the first rows. Returns the ``Table``.

        :raise ValueError: a row has not one value per column, or the rows do not fit in
            the sheet (``stream()`` continues on new sheets)"""
        tables = self._write_table(columns, rows, total, (freeze, freeze_cols, autofilter), None)
        return tables[0]

    def stream(
        self, columns, rows, *, freeze=True, freeze_cols=0, autofilter=True, rows_per_sheet=None
    ):
        """A long table from an iterator, written row by row in order (in constant memory on
        a ``constant_memory`` workbook): like ``table()``, and when the sheet is full
        (``rows_per_sheet``, by default Excel's limit) the rows continue on a new sheet
        ("<name> (2)") under the same header. Returns the list of ``Table``s written."""
        return self._write_table(
            columns, rows, None, (freeze, freeze_cols, autofilter), rows_per_sheet or MAX_ROWS
        )

    def _write_table(self, columns, rows, total, options, rows_per_sheet):
        rows = iter(rows)
        sample = list(islice(rows, SAMPLE_ROWS))
        self._size_columns(columns, chain(sample, [total] if total else []))
        tables = []
        sheet, rows = self, chain(sample, rows)
        while True:
            table, more = sheet._write_rows(columns, rows, options, rows_per_sheet)
            tables.append(table)
            if more is None:
                break
            sheet = self.workbook.add_sheet(self.name)
            sheet._widths = dict(self._widths)
            for col, width in sheet._widths.items():
                sheet.worksheet.set_column(col, col, width)
            rows = chain([more], rows)
        if total is not None:
            table.total_row = sheet._write_total(columns, total)
        return tables

    def _write_rows(self, columns, rows, options, rows_per_sheet):
        """The header and as many rows as fit; returns (the Table, the first row that did not
        fit or None). ``options``: (freeze, freeze_cols, autofilter)."""
        freeze, freeze_cols, autofilter = options
        header_row = self.header([column.label for column in columns])
        first = header_row + 1
        limit = MAX_ROWS if rows_per_sheet is None else min(first + rows_per_sheet, MAX_ROWS)
        writers = [self._cell_writer(column) for column in columns]
        number = first
        more = None
        for values in rows:
            if number >= limit:
                if rows_per_sheet is None:
                    raise ValueError(f"The table does not fit in sheet {self.name!r}.")
                more = values
                break
            for col, (write, value) in enumerate(zip(writers, values, strict=True)):
                write(number, col, value)
            number += 1
        if freeze:
            self.freeze(first, freeze_cols)
        if autofilter and not self._filtered:
            self._filtered = True
            self.worksheet.autofilter(header_row, 0, max(number - 1, header_row), len(columns) - 1)
        self.row = number
        return Table(self, header_row, first, number - 1), more

    def _write_total(self, columns, total):
        row = self.row
        for col, (column, value) in enumerate(zip(columns, total, strict=True)):
            name = column.kind if column.kind in NUMBER_KINDS | DATE_KINDS else None
            fmt = self.workbook.format(name, **column.style, **TOTAL)
            if value is not None and column.convert and column.kind not in TEXT_KINDS:
                value = column.convert(value)
            self.cell(row, col, value, fmt)
        self.row = row + 1
        return row

    def _cell_writer(self, column):
        """A function (row, col, value) writing one cell of ``column``: its kind's
        xlsxwriter method and format bound once (the inner loop of long sheets)."""
        kind = column.kind
        name = None if kind == "text" and not column.style else kind
        fmt = self.workbook.format(name, **column.style) if name else None
        if kind in TEXT_KINDS:
            write_string = self.worksheet.write_string
            invalid, drop = _INVALID_XML.search, _INVALID_XML.sub

            def write(row, col, value):  # clean_text(), inlined: it runs for every text cell
                if value is not None and value is not False and value != "":
                    if value.__class__ is not str:
                        value = str(value)
                    if invalid(value):
                        value = drop("", value)
                    write_string(row, col, value, fmt)

        elif kind in NUMBER_KINDS:
            write_number = self.worksheet.write_number

            def write(row, col, value):
                if value is not None and value is not False:
                    value = _finite(value)
                    if value is not None:
                        write_number(row, col, value, fmt)

        else:
            write_datetime = self.worksheet.write_datetime
            parse = datetime.fromisoformat if kind == "datetime" else date.fromisoformat

            def write(row, col, value):
                if value:
                    if isinstance(value, str):
                        value = parse(value if kind == "datetime" else value[:10])
                    write_datetime(row, col, value, fmt)

        if column.convert is None:
            return write
        convert = column.convert
        return lambda row, col, value: write(row, col, convert(value))

    def _size_columns(self, columns, sample):
        """Widths from the header and the sampled rows, unless the column gives its own."""
        sample = list(sample)
        for col, column in enumerate(columns):
            if column.width:
                self.width(col, column.width)
                continue
            header = min(text_width(column.label), MAX_HEADER_WIDTH)
            values = (row[col] for row in sample if col < len(row))
            if column.convert is not None:
                values = (column.convert(value) for value in values)
            widest = max((self._display_width(column, value) for value in values), default=0)
            self.width(col, min(max(header, widest, MIN_WIDTH - 2) + 2, MAX_WIDTH))

    def _display_width(self, column, value):
        if value is None or value is False or value == "":
            return 0
        kind = column.kind
        if kind in TEXT_KINDS or isinstance(value, str):
            return text_width(value)
        if kind == "date":
            return 10
        if kind == "datetime":
            return 16
        number = _finite(value)
        if number is None:
            return 0
        if kind == "percent":
            return len(f"{number * 100:.1f} %")
        if kind == "money":
            currency = self.workbook.currency
            return len(f"{number:,.{currency.digits}f}") + len(currency.symbol) + 1
        if kind == "integer":
            return len(f"{number:,.0f}")
        return len(f"{number:,.1f}") if kind == "decimal" else len(f"{number:g}")

    # ------------------------------------------------------------------ charts

    def bar_chart(self, table, category_col, value_col, *, title, series_name, row=None, col=None):
        """A horizontal bar chart of ``table``'s column ``value_col`` by ``category_col``,
        first category on top (a funnel), values shown on the bars; placed at (``row``,
        ``col``), by default right of the table at its header."""
        chart = self.workbook.book.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": series_name,
                "categories": table.column_range(category_col),
                "values": table.column_range(value_col),
                "data_labels": {"value": True},
                "fill": {"color": "#4472C4"},
                "gap": 40,
            }
        )
        chart.set_title({"name": title})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        self.worksheet.insert_chart(
            table.header_row if row is None else row,
            (max(self._widths, default=0) + 2) if col is None else col,
            chart,
            {"x_scale": 1.3, "y_scale": 1.2},
        )
        return chart


def workbook_bytes(build, **options):
    """Build a small workbook in memory: ``build(book)`` fills it; returns the .xlsx bytes."""
    output = io.BytesIO()
    with Workbook(output, **options) as book:
        build(book)
    return output.getvalue()
