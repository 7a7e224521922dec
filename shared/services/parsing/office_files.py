"""Presentations and other office documents: .pptx (python-pptx), .odt (its content.xml, read with lxml)
and .rtf (striprtf). Text in reading order; tables as in spreadsheets (see _tables)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from shared.domain.errors import CorruptDocument
from shared.domain.models import ParsedDocument
from shared.services.parsing._archive import check_zip
from shared.services.parsing._tables import find_header, table_lines
from shared.services.parsing._text import clean_title, decode_text, finish_text

_MAX_DEPTH = 50  # nested groups, frames and tables past this are not followed


# --- .pptx ----------------------------------------------------------------------------------------


def parse_pptx(data: bytes, max_bytes: int) -> ParsedDocument:
    """Each slide's text (title first, then its shapes top to bottom, left to right), slides separated by
    a blank line; speaker notes after their slide. Title: core properties, else the first slide's title."""
    from pptx import Presentation  # ingest-only

    check_zip(data, max_bytes, kind=".pptx", any_of=("ppt/presentation.xml",))
    try:
        presentation = Presentation(io.BytesIO(data))
        slides: list[str] = []
        first_title: str | None = None
        for slide in presentation.slides:
            title_shape = slide.shapes.title
            if first_title is None and title_shape is not None and title_shape.has_text_frame:
                first_title = clean_title(title_shape.text_frame.text)
            lines = list(_shape_lines(slide.shapes, title_shape, 0))
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                lines.append(slide.notes_slide.notes_text_frame.text)
            slides.append("\n".join(lines))
        title = clean_title(presentation.core_properties.title) or first_title
    except Exception as exc:  # python-pptx/lxml raise many types on a damaged package
        raise CorruptDocument(f"the .pptx file cannot be read: {type(exc).__name__}") from exc
    return ParsedDocument(title=title, text=finish_text("\n\n".join(slides)))


def _shape_lines(shapes, title_shape, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    ordered = sorted(shapes, key=lambda s: (s is not title_shape, s.top or 0, s.left or 0))
    for shape in ordered:
        if shape.shape_type is not None and shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_lines(shape.shapes, None, depth + 1)
        elif getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            yield from table_lines(rows, find_header(rows))
        elif shape.has_text_frame:
            yield from (paragraph.text for paragraph in shape.text_frame.paragraphs)


# --- .odt -----------------------------------------------------------------------------------------

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DC = "http://purl.org/dc/elements/1.1/"
_BLOCKS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
# Inside a paragraph: notes, annotations and tracked deletions are not the document's text.
_SKIP = {f"{{{_TEXT}}}note", f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}tracked-changes"}


def parse_odt(data: bytes, max_bytes: int) -> ParsedDocument:
    """OpenDocument text: headings, paragraphs, lists and tables in order; title from meta.xml."""
    from lxml import etree  # python-docx's XML library

    check_zip(data, max_bytes, kind=".odt", any_of=("content.xml",))
    # No entities, no network, no DTDs: a document is data, never instructions to the parser.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = etree.fromstring(archive.read("content.xml"), parser)
            names = set(archive.namelist())
            meta = etree.fromstring(archive.read("meta.xml"), parser) if "meta.xml" in names else None
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, ValueError, OSError) as exc:
        raise CorruptDocument(f"the .odt file cannot be read: {type(exc).__name__}") from exc
    body = content.find(f"{{{_OFFICE}}}body")
    lines = list(_odt_blocks(body, 0)) if body is not None else []
    title = None
    if meta is not None:
        found = meta.find(f".//{{{_DC}}}title")
        title = clean_title(found.text if found is not None else None)
    return ParsedDocument(title=title, text=finish_text("\n".join(lines)))


def _odt_blocks(element, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    for child in element:
        if child.tag in _BLOCKS:
            yield _odt_inline(child)
            yield ""
        elif child.tag == f"{{{_TABLE}}}table":
            rows = [[" ".join(_odt_blocks_text(cell, depth + 1)) for cell in row.iter(f"{{{_TABLE}}}table-cell")]
                    for row in child.iter(f"{{{_TABLE}}}table-row")]
            yield from table_lines(rows, find_header(rows))
            yield ""
        elif isinstance(child.tag, str) and child.tag not in _SKIP:
            yield from _odt_blocks(child, depth + 1)


def _odt_blocks_text(cell, depth: int) -> Iterator[str]:
    return (line for line in _odt_blocks(cell, depth) if line.strip())


def _odt_inline(element) -> str:
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{{{_TEXT}}}s":
            parts.append(" " * min(int(child.get(f"{{{_TEXT}}}c", "1") or 1), 100))
        elif tag == f"{{{_TEXT}}}tab":
            parts.append("\t")
        elif tag == f"{{{_TEXT}}}line-break":
            parts.append("\n")
        elif isinstance(tag, str) and tag not in _SKIP:
            parts.append(_odt_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


# --- .rtf -----------------------------------------------------------------------------------------


def parse_rtf(data: bytes) -> ParsedDocument:
    """Rich Text Format, through striprtf: \\uN escapes and \\'xx bytes in the font's code page (\\fcharset163
    is Vietnamese cp1258; TCVN3 text in a .VnTime font is converted by finish_text)."""
    from striprtf.striprtf import rtf_to_text  # ingest-only

    if not data.lstrip().startswith(b"{\\rtf"):
        raise CorruptDocument("the .rtf file does not start with {\\rtf")
    try:
        text = rtf_to_text(decode_text(data), errors="replace")
    except (ValueError, LookupError, IndexError) as exc:
        raise CorruptDocument(f"the .rtf file cannot be read: {type(exc).__name__}") from exc
    return ParsedDocument(title=None, text=finish_text(text))
