"""Tables as text that keeps each value with its column's label, so that a row reads, and is found, as
"Dịch vụ: Cấp giấy phép; Mức phí: 50.000 đồng" rather than a bare "Cấp giấy phép | 50.000 đồng"."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

_DIGIT = re.compile(r"\d")
_MAX_LABEL_CHARS = 80


def find_header(rows: Sequence[Sequence[str]]) -> int | None:
    """Index of the first row that reads as column labels: two or more non-empty cells, all distinct,
    short, and without a digit (a row of values, or a key-value row like "Lệ phí | 50.000 đồng", has
    one). Rows before it are titles ("PHỤ LỤC I. BIỂU PHÍ"). None when no row qualifies."""
    for index, row in enumerate(rows):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells:
            continue
        if (len(cells) >= 2 and len(set(cells)) == len(cells)
                and all(len(cell) <= _MAX_LABEL_CHARS and not _DIGIT.search(cell) for cell in cells)):
            return index
        if len(cells) >= 2:
            return None  # the first row with several cells holds values: no header
    return None


def table_lines(rows: Sequence[Sequence[str]], header: int | None) -> Iterator[str]:
    """One line per non-empty row. Rows after `header` pair each value with the label above it
    ("label: value", joined by "; "; an unlabelled column gives the value alone); the header row and
    the rows before it, or every row when `header` is None, join their cells with " | "."""
    labels = [cell.strip() for cell in rows[header]] if header is not None else []
    for index, row in enumerate(rows):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if header is None or index <= header:
            yield " | ".join(cell for cell in cells if cell)
            continue
        yield "; ".join(_labelled(labels, cells))


def _labelled(labels: list[str], cells: list[str]) -> Iterable[str]:
    for column, value in enumerate(cells):
        if not value:
            continue
        label = labels[column] if column < len(labels) else ""
        yield f"{label}: {value}" if label else value
