"""HTML, through BeautifulSoup with the standard-library parser (no lxml/html5lib at run time)."""

from __future__ import annotations

import codecs
import re

from bs4 import BeautifulSoup, NavigableString

from shared.domain.models import ParsedDocument
from shared.services.parsing._text import clean_title, decode_text, finish_text

_DROP = ("script", "style", "nav", "head", "noscript", "template", "svg", "canvas", "iframe", "object")
_BLOCKS = (
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "legend", "li", "main", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
)  # fmt: skip
_CELLS = ("td", "th")
# Private-use markers put into the tree, so that whitespace can be collapsed the HTML way first
# and the structural breaks restored afterwards.
_BREAK = "\ue000"
_CELL = "\ue001"
_MARKERS = re.compile(f"[{_BREAK}{_CELL}]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"\s+")


def parse_html(data: bytes) -> ParsedDocument:
    """Visible text of an HTML page, one line per block element; title from <title> or the first <h1>."""
    soup = BeautifulSoup(_decode(data), "html.parser")
    title = _title(soup)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for pre in soup.find_all("pre"):
        # <pre> keeps its line breaks; everything else has its whitespace collapsed below.
        for string in pre.find_all(string=True):
            string.replace_with(NavigableString(string.replace("\n", _BREAK)))
    for br in soup.find_all("br"):
        br.replace_with(NavigableString(_BREAK))
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before(NavigableString(_BREAK))
        tag.insert_after(NavigableString(_BREAK))
    for cell in soup.find_all(_CELLS):
        cell.insert_after(NavigableString(f" {_CELL} "))
    text = _SPACES.sub(" ", soup.get_text())
    lines = []
    for line in text.split(_BREAK):
        # A row's last cell leaves a trailing separator: drop it, then turn the others into pipes.
        line = line.strip().rstrip(_CELL).strip().replace(_CELL, "|")
        lines.append(line)
    return ParsedDocument(title=title, text=finish_text(_join_blocks(lines)))


def _decode(data: bytes) -> str:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            codec = None
        # A page declaring one encoding but stored in another (often UTF-8) is common: trust the
        # declaration only when the bytes decode cleanly with it.
        if codec is not None and codec.name not in ("utf-16", "utf-32"):
            try:
                return _MARKERS.sub("", data.decode(codec.name))
            except UnicodeDecodeError:
                pass
    return _MARKERS.sub("", decode_text(data))


def _title(soup: BeautifulSoup) -> str | None:
    for name in ("title", "h1"):
        tag = soup.find(name)
        if tag is not None:
            title = clean_title(tag.get_text(" "))
            if title:
                return title
    return None


def _join_blocks(lines: list[str]) -> str:
    # Consecutive breaks (nested blocks) collapse to one line break; finish_text handles the rest.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
