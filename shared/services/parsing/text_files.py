"""Plain text and Markdown."""

from __future__ import annotations

import re

from shared.domain.models import ParsedDocument
from shared.services.parsing._text import clean_title, decode_text, finish_text


def parse_txt(data: bytes) -> ParsedDocument:
    """Plain text as written; no title (the caller's metadata supplies one)."""
    return ParsedDocument(title=None, text=finish_text(decode_text(data)))


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.M)
_ATX_HEADING = re.compile(r"^[ ]{0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$|^[ ]{0,3}(#{1,6})[ \t]*$")
_SETEXT_RULE = re.compile(r"^[ ]{0,3}(=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^[ ]{0,3}(`{3,}|~{3,})")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_CODE = re.compile(r"`([^`\n]+)`")
_QUOTE = re.compile(r"^[ ]{0,3}>[ ]?")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def parse_md(data: bytes) -> ParsedDocument:
    """Markdown reduced to its text.

    Only the syntax that would get in the way of search and of structure detection goes: heading
    marks (the heading text stays on its own line), emphasis markers (`**Điều 5.**` must still
    read as an article heading), link targets, code fences, blockquote marks, table rules and
    front matter. Bullets and table pipes are harmless and stay. Title: front matter `title:`,
    else the first level-1 heading, else the first heading.
    """
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    title: str | None = None
    front = _FRONT_MATTER.match(text)
    if front:
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("'\"") if found else None
        text = text[front.end() :]
    text = _COMMENT.sub("", text)
    lines: list[str] = []
    headings: list[tuple[int, str]] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            lines.append(line)
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            level = len(heading.group(1) or heading.group(3))
            body = _inline(heading.group(2) or "")
            if body:
                headings.append((level, body))
                lines.extend(["", body, ""])
            continue
        if _SETEXT_RULE.match(line) and lines and lines[-1].strip():
            # "Title\n=====": the line above was the heading; drop the rule under it.
            headings.append((1 if "=" in line else 2, lines[-1].strip()))
            lines.append("")
            continue
        if _THEMATIC_BREAK.match(line) or (_TABLE_RULE.match(line) and "|" in line):
            continue
        lines.append(_inline(_QUOTE.sub("", line)))
    if title is None and headings:
        title = next((body for level, body in headings if level == 1), headings[0][1])
    return ParsedDocument(title=clean_title(title), text=finish_text("\n".join(lines)))


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    return _STRONG.sub(r"\2", line)
