"""Word .docx, through python-docx, with a zip-bomb check before anything is inflated."""

from __future__ import annotations

import io
from collections.abc import Iterator

import docx
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.table import Table
from docx.text.paragraph import Paragraph

from shared.domain.errors import CorruptDocument
from shared.domain.models import ParsedDocument
from shared.services.parsing import legacy_vietnamese
from shared.services.parsing._archive import check_zip
from shared.services.parsing._tables import find_header, table_lines
from shared.services.parsing._text import clean_title, finish_text

_MAX_TABLE_DEPTH = 20


def parse_docx(data: bytes, max_bytes: int) -> ParsedDocument:
    """Body paragraphs (a blank line after each) and table rows (a line each) in document order;
    headers, footers and notes are left out. A data table's rows pair each value with its column's
    label ("Dịch vụ: Cấp giấy phép; Mức phí: 50.000 đồng"), other tables join cells with " | ".

    Runs set in a TCVN3 (`.VnTime`, `.VnTimeH`) or VNI (`VNI-Times`) font are converted to Unicode.
    Title: the core properties' title, else the first Title- or Heading-styled paragraph.
    Raises DocumentTooLarge for a zip that would inflate past min(20 × max_bytes, 200 MB).
    """
    check_zip(data, max_bytes, kind=".docx", any_of=("word/document.xml", "[Content_Types].xml"))
    try:
        document = docx.Document(io.BytesIO(data))
        title = clean_title(document.core_properties.title)
        fonts = _LegacyFonts(document)
        lines: list[str] = []
        styled_title: str | None = None
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                # A blank line after each paragraph: Word paragraphs are paragraphs, and chunking
                # groups prose by them.
                text = fonts.paragraph_text(block)
                lines.extend((text, ""))
                if title is None and styled_title is None and _is_heading(block):
                    styled_title = clean_title(text)
            else:
                lines.extend((*_table_lines(block, 0, fonts), ""))
    except Exception as exc:  # python-docx/lxml raise many types on a damaged package
        raise CorruptDocument(f"the .docx file cannot be read: {type(exc).__name__}") from exc
    return ParsedDocument(title=title or styled_title, text=finish_text("\n".join(lines)))


def _is_heading(paragraph: Paragraph) -> bool:
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    return name.startswith(("Title", "Heading")) and bool(paragraph.text.strip())


def _table_lines(table: Table, depth: int, fonts: _LegacyFonts) -> Iterator[str]:
    if depth > _MAX_TABLE_DEPTH:
        return
    rows: list[list[list[str]]] = []  # row → cell → the cell's non-empty lines
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
                    cell_lines.append(fonts.paragraph_text(block))
                else:
                    cell_lines.extend(_table_lines(block, depth + 1, fonts))
            cells.append([line for line in cell_lines if line.strip()])
        rows.append(cells)
    if _is_data_table(table, rows):
        # A header row over rows of values: each value keeps its column's label.
        yield from table_lines([[lines[0] if lines else "" for lines in cells] for cells in rows], header=0)
        return
    for cells in rows:
        if all(len(lines) <= 1 for lines in cells):
            # A row of short cells reads best on one line.
            yield " | ".join(lines[0].strip() for lines in cells if lines)
        else:
            # Cells holding paragraphs (layout tables) keep their lines, so structure survives.
            for lines in cells:
                yield from lines


def _is_data_table(table: Table, rows: list[list[list[str]]]) -> bool:
    """A header row of labels (see find_header) over two or more rows of the same width, all cells one
    line; the header marked as one (Word's "repeat as header row", or bold), or three columns or more.
    Two-column tables without a marked header are usually label | value lists, which read as they are."""
    width = len(rows[0]) if rows else 0
    if len(rows) < 3 or width < 2 or any(len(cells) != width for cells in rows):
        return False
    if any(len(lines) > 1 for cells in rows for lines in cells):
        return False
    if find_header([[lines[0] if lines else "" for lines in rows[0]]]) != 0:
        return False
    first = table.rows[0]
    marked = first._tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    runs = [run for cell in first.cells for paragraph in cell.paragraphs for run in paragraph.runs if run.text.strip()]
    bold = bool(runs) and all(run.bold for run in runs)
    return marked or bold or width >= 3


class _LegacyFonts:
    """The text of paragraphs with each run set in a TCVN3 or VNI font converted to Unicode.

    A run's font is its own, else its character style's, else its paragraph style's (each through
    its basedOn chain), else the document default. Word draws characters 0x80-0xFF in the
    `w:hAnsi` font, so that one counts, `w:ascii` otherwise. A legacy-named font that any run uses
    for Unicode Vietnamese (a document converted but never re-styled) is taken as Unicode throughout.
    """

    def __init__(self, document: docx.document.Document) -> None:
        styles = document.styles.element
        self._styles = {style.get(qn("w:styleId")): style for style in styles.iterfind(qn("w:style"))}
        self._default = _rfonts_name(styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}"))
        self._cache: dict[str | None, str | None] = {}
        self._unicode_fonts: set[str] = set()
        self._any_legacy = False
        for run in document.element.body.iter(qn("w:r")):
            font = self._font(run)
            if legacy_vietnamese.font_encoding(font)[0] is not None:
                self._any_legacy = True
                if legacy_vietnamese.is_unicode_vietnamese(run.text):
                    self._unicode_fonts.add(font or "")

    def paragraph_text(self, paragraph: Paragraph) -> str:
        if not self._any_legacy:
            return paragraph.text
        parts: list[str] = []
        for element in paragraph._p.inner_content_elements:
            runs = [element] if isinstance(element, CT_R) else element.r_lst
            parts.extend(self._run_text(run) for run in runs)
        return "".join(parts)

    def _run_text(self, run: CT_R) -> str:
        text = run.text
        font = self._font(run)
        encoding, capitals = legacy_vietnamese.font_encoding(font)
        if encoding is None or font in self._unicode_fonts or legacy_vietnamese.is_unicode_vietnamese(text):
            return text
        if encoding == "tcvn3":
            return legacy_vietnamese.tcvn3_to_unicode(text, capitals=capitals)
        return legacy_vietnamese.vni_to_unicode(text)

    def _font(self, run: CT_R) -> str | None:
        own = _rfonts_name(run)
        if own:
            return own
        r_style = run.find(f"{qn('w:rPr')}/{qn('w:rStyle')}")
        paragraph = run.getparent()
        while paragraph is not None and paragraph.tag != qn("w:p"):
            paragraph = paragraph.getparent()
        p_style = None if paragraph is None else paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        for style in (r_style, p_style):
            if style is not None:
                font = self._style_font(style.get(qn("w:val")))
                if font:
                    return font
        return self._style_font(None)

    def _style_font(self, style_id: str | None) -> str | None:
        if style_id not in self._cache:
            font, seen = None, set()
            current = self._styles.get(style_id) if style_id is not None else self._normal()
            while current is not None and font is None and id(current) not in seen:
                seen.add(id(current))
                font = _rfonts_name(current)
                based_on = current.find(qn("w:basedOn"))
                current = self._styles.get(based_on.get(qn("w:val"))) if based_on is not None else None
            self._cache[style_id] = font or self._default
        return self._cache[style_id]

    def _normal(self):  # the default paragraph style, which paragraphs without a style use
        return next((s for s in self._styles.values() if s.get(qn("w:default")) in ("1", "true")
                     and s.get(qn("w:type")) == "paragraph"), None)


def _rfonts_name(element) -> str | None:
    if element is None:
        return None
    fonts = element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is None:
        return None
    return fonts.get(qn("w:hAnsi")) or fonts.get(qn("w:ascii"))
