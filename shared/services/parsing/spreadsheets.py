"""Spreadsheets: .xlsx (openpyxl), .xls (xlrd) and .csv. Each sheet's rows become lines that keep every
value with its column's label ("Dịch vụ: Cấp giấy phép; Mức phí: 50.000 đồng"), so a fee in row 40 is
still found by the name of its column.

A sheet reads as: its name on a line, the rows before the header (titles) as they are, the header, then
one line per row. Sheets are separated by a blank line. Formulas give their last computed value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator

from shared.domain.errors import CorruptDocument, DocumentTooLarge
from shared.domain.models import ParsedDocument
from shared.services.parsing._archive import check_zip
from shared.services.parsing._tables import find_header, table_lines
from shared.services.parsing._text import clean_title, decode_text, finish_text

# More cells than this is a database export, not a document: refused rather than indexed as noise.
MAX_CELLS = 2_000_000
MAX_COLUMNS = 500


def parse_xlsx(data: bytes, max_bytes: int) -> ParsedDocument:
    """Every worksheet of an .xlsx workbook (chartsheets have no cells); title from the core properties."""
    import openpyxl  # ingest-only: loaded on first use

    check_zip(data, max_bytes, kind=".xlsx", any_of=("xl/workbook.xml",))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, ValueError, lxml errors … on a damaged package
        raise CorruptDocument(f"the .xlsx file cannot be read: {type(exc).__name__}") from exc
    try:
        sheets = [(sheet.title, _xlsx_rows(sheet)) for sheet in book.worksheets]
        text = _sheets_text(sheets)
        title = clean_title(book.properties.title) if book.properties is not None else None
    finally:
        book.close()
    return ParsedDocument(title=title, text=text)


def _xlsx_rows(sheet) -> Iterator[list[str]]:
    for row in sheet.iter_rows():
        yield [_cell_text(cell.value, getattr(cell, "number_format", "")) for cell in row[:MAX_COLUMNS]]


def parse_xls(data: bytes) -> ParsedDocument:
    """Every sheet of an Excel 97-2003 workbook."""
    import xlrd  # ingest-only

    try:
        # formatting_info: the number formats, so 50000 shown as "#,##0" reads 50.000 as in the .xlsx.
        book = xlrd.open_workbook(file_contents=data, on_demand=True, formatting_info=True)
    except Exception as exc:  # xlrd.XLRDError, CompDocError, struct.error, … on a damaged file
        raise CorruptDocument(f"the .xls file cannot be read: {type(exc).__name__}") from exc
    try:
        sheets = []
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            sheets.append((sheet.name, _xls_rows(book, sheet, xlrd)))
        text = _sheets_text(sheets)
    finally:
        book.release_resources()
    return ParsedDocument(title=None, text=text)


def _xls_rows(book, sheet, xlrd) -> Iterator[list[str]]:
    for row in range(sheet.nrows):
        cells = []
        for column in range(min(sheet.ncols, MAX_COLUMNS)):
            cell = sheet.cell(row, column)
            value = cell.value
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    pass
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                value = None
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(value)
            cells.append(_cell_text(value, _xls_format(book, cell)))
        yield cells


def _xls_format(book, cell) -> str:
    try:
        return book.format_map[book.xf_list[cell.xf_index].format_key].format_str
    except (AttributeError, IndexError, KeyError, TypeError):
        return ""


def parse_csv(data: bytes) -> ParsedDocument:
    """A comma-, semicolon- or tab-separated table in any text encoding."""
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row[:MAX_COLUMNS] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise CorruptDocument(f"the .csv file cannot be read: {exc}") from exc
    return ParsedDocument(title=None, text=_sheets_text([(None, rows)]))


def _sheets_text(sheets: Iterable[tuple[str | None, Iterable[list[str]]]]) -> str:
    blocks: list[str] = []
    cells = 0
    for name, rows in sheets:
        kept: list[list[str]] = []
        for row in rows:
            cells += len(row)
            if cells > MAX_CELLS:
                raise DocumentTooLarge(f"the spreadsheet has more than {MAX_CELLS} cells")
            if any(cell.strip() for cell in row):
                kept.append(row)
        if not kept:
            continue
        lines = list(table_lines(kept, find_header(kept)))
        blocks.append("\n".join([name, *lines] if name else lines))
    return finish_text("\n\n".join(blocks))


def _cell_text(value: object, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) and "#,##0" in (number_format or ""):
        # Shown with thousands grouped; Vietnamese groups with a dot (50.000 đồng).
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:.10g}"
    return " ".join(str(value).split())
