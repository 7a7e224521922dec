"""Word .docx, through python-docx, with a zip-bomb check before anything is inflated."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from shared.domain.errors import CorruptDocument, DocumentTooLarge
from shared.domain.models import ParsedDocument
from shared.parsing._text import clean_title, finish_text

# Absolute ceiling on what a .docx may inflate to, whatever max_bytes is.
MAX_UNCOMPRESSED_BYTES = 200_000_000
UNCOMPRESSED_RATIO = 20
_MAX_ZIP_ENTRIES = 10_000
_MAX_TABLE_DEPTH = 20


def parse_docx(data: bytes, max_bytes: int) -> ParsedDocument:
    """Body paragraphs (a blank line after each) and table rows (a line each, cells joined by " | ")
    in document order; headers, footers and notes are left out.

    Title: the core properties' title, else the first Title- or Heading-styled paragraph.
    Raises DocumentTooLarge for a zip that would inflate past min(20 × max_bytes, 200 MB).
    """
    _check_zip(data, max_bytes)
    try:
        document = docx.Document(io.BytesIO(data))
        title = clean_title(document.core_properties.title)
        lines: list[str] = []
        styled_title: str | None = None
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                # A blank line after each paragraph: Word paragraphs are paragraphs, and chunking
                # groups prose by them.
                lines.extend((block.text, ""))
                if title is None and styled_title is None and _is_heading(block):
                    styled_title = clean_title(block.text)
            else:
                lines.extend((*_table_lines(block, 0), ""))
    except Exception as exc:  # python-docx/lxml raise many types on a damaged package
        raise CorruptDocument(f"the .docx file cannot be read: {type(exc).__name__}") from exc
    return ParsedDocument(title=title or styled_title, text=finish_text("\n".join(lines)))


def _check_zip(data: bytes, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise CorruptDocument("the .docx file is not a valid zip archive") from exc
    if len(entries) > _MAX_ZIP_ENTRIES:
        raise CorruptDocument(f"the .docx archive holds {len(entries)} entries")
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        raise CorruptDocument("the zip archive is not a Word document")
    inflated = sum(entry.file_size for entry in entries)
    limit = min(UNCOMPRESSED_RATIO * max_bytes, MAX_UNCOMPRESSED_BYTES)
    if inflated > limit:
        raise DocumentTooLarge(f"the .docx file inflates to {inflated} bytes (limit {limit})")


def _is_heading(paragraph: Paragraph) -> bool:
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    return name.startswith(("Title", "Heading")) and bool(paragraph.text.strip())


def _table_lines(table: Table, depth: int) -> Iterator[str]:
    if depth > _MAX_TABLE_DEPTH:
        return
    for row in table.rows:
        seen: set[int] = set()
        cells: list[list[str]] = []
        for cell in row.cells:
            # A merged cell is returned once per grid column it spans: keep it once.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cell_lines: list[str] = []
            for block in cell.iter_inner_content():
                if isinstance(block, Paragraph):
                    cell_lines.append(block.text)
                else:
                    cell_lines.extend(_table_lines(block, depth + 1))
            cells.append([line for line in cell_lines if line.strip()])
        if all(len(lines) <= 1 for lines in cells):
            # A row of short cells reads best on one line.
            yield " | ".join(lines[0].strip() for lines in cells if lines)
        else:
            # Cells holding paragraphs (layout tables) keep their lines, so structure survives.
            for lines in cells:
                yield from lines
