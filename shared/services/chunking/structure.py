"""Grouping a document's lines into blocks: the unit that chunks never cross.

Legal text: one block per article (Điều), carrying its heading path (Phần › Chương › Mục › Điều),
plus a preamble block for what comes before the first heading. Other text: one block per section
under a simple heading line, or one block for everything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.services.chunking.lines import (
    HEADING_KINDS,
    TERMINAL,
    Kind,
    Line,
    classify,
    continues_previous,
    heading_match,
    is_title_like,
)

_MAX_NAME_LINES = 3


@dataclass(slots=True)
class Block:
    """Body lines (contiguous in the text) under a heading path; `article` when inside a Điều."""

    lines: list[Line]
    headings: tuple[str, ...] = ()
    article: str | None = None
    prose: bool = False


@dataclass(slots=True)
class _Heading:
    kind: Kind
    label: str
    lines: list[Line]
    parents: tuple[str, ...]
    used: bool = False


@dataclass(slots=True)
class _Walk:
    """State of the walk over the lines of a legal text."""

    path: dict[Kind, _Heading] = field(default_factory=dict)
    article: str | None = None
    body: list[Line] = field(default_factory=list)
    events: list[Block | _Heading] = field(default_factory=list)

    def flush(self) -> None:
        if any(line.text for line in self.body):
            for heading in self.path.values():
                heading.used = True
            labels = tuple(self.path[kind].label for kind in HEADING_KINDS if kind in self.path)
            self.events.append(Block(self.body, labels, self.article))
        self.body = []


def legal_blocks(lines: Sequence[Line], title_article: str | None) -> list[Block] | None:
    """Blocks of a legal text, or None when it shows no legal structure at all.

    `title_article` is the article number named by the document title ("…, Điều 118"): text before
    any heading then belongs to that article.
    """
    walk = _Walk(article=title_article)
    i = 0
    after_heading = False  # the line above ends a heading, e.g. a chapter name "Những quy định chung"
    while i < len(lines):
        line = lines[i]
        heading = None
        if line.text and (after_heading or not continues_previous(lines[i - 1] if i else None)):
            heading = heading_match(line.text)
        after_heading = False
        if heading is None:
            if line.text or walk.body:
                walk.body.append(line)
            i += 1
            continue
        walk.flush()
        kind, number, name = heading
        last, label = _read_heading(lines, i, kind, name)
        for level in HEADING_KINDS:
            if level >= kind:
                walk.path.pop(level, None)
        parents = tuple(walk.path[level].label for level in HEADING_KINDS if level in walk.path)
        record = _Heading(kind, label, list(lines[i : last + 1]), parents)
        walk.path[kind] = record
        walk.events.append(record)
        walk.article = number if kind is Kind.ARTICLE else None
        i = last + 1
        after_heading = True
    walk.flush()
    has_headings = any(isinstance(event, _Heading) for event in walk.events)
    if not has_headings and title_article is None:
        return None
    blocks = _place_orphans(walk.events)
    if title_article is not None and blocks and not blocks[0].headings:
        _name_from_first_line(blocks[0])
    return blocks


def _read_heading(lines: Sequence[Line], i: int, kind: Kind, name: str) -> tuple[int, str]:
    """The index of the heading's last line and its label, the name joined in when it runs on."""
    label = " ".join(lines[i].text.split())
    last = i
    if not name:
        # "Chương II" / "QUY ĐỊNH CHUNG": the name on the next line (a blank line may sit between).
        j = i + 1 if i + 1 < len(lines) and lines[i + 1].text else i + 2
        if j < len(lines) and _names_heading(lines, j, kind):
            label = f"{label} {lines[j].text}" if label[-1] in ".:-–—" else f"{label}. {lines[j].text}"
            name, last = lines[j].text, j
    if not name:
        return last, label
    # A name wrapped onto following lines: upper-case names continue in upper case, others in
    # lower case ("Điều 5. Quyền của người lao động trong" / "việc thực hiện hợp đồng").
    for _ in range(_MAX_NAME_LINES):
        following = lines[last + 1].text if last + 1 < len(lines) else ""
        if not following or name[-1] in TERMINAL or following[-1] in TERMINAL:
            break  # a line ending in punctuation is a sentence, not part of a name
        if classify(following) is not Kind.BODY:
            break
        if not (name.isupper() and following.isupper()) and not following[0].islower():
            break
        label, name, last = f"{label} {following}", following, last + 1
    return last, label


def _names_heading(lines: Sequence[Line], j: int, kind: Kind) -> bool:
    line = lines[j]
    if kind is Kind.ARTICLE:
        following, blank = _next_text(lines, j)
        return is_title_like(line, following, blank)
    text = line.text
    if not text or classify(text) is not Kind.BODY:
        return False
    # A name, not a sentence: no closing punctuation ("Mục 1" / "Quy trình này áp dụng …." is body).
    return text[0].isupper() and text[-1] not in TERMINAL and line.words <= 30


def _next_text(lines: Sequence[Line], j: int) -> tuple[Line | None, bool]:
    blank = False
    for line in lines[j + 1 :]:
        if line.text:
            return line, blank
        blank = True
    return None, blank


def _place_orphans(events: list[Block | _Heading]) -> list[Block]:
    # A heading no body text falls under ("Phần thứ hai" / "QUYỀN SỞ HỮU …" at the very end of an
    # extract, a repealed chapter) would lose its words: after the last block it joins that block's
    # text; elsewhere it becomes a block of its own under its parents.
    blocks: list[Block] = []
    orphans: list[_Heading] = []
    for event in events:
        if isinstance(event, _Heading) and not event.used:
            orphans.append(event)
            continue
        # Anything else ends a run of orphans: a block's lines must be contiguous in the text.
        if orphans:
            blocks.append(_orphan_block(orphans))
            orphans = []
        if isinstance(event, Block):
            blocks.append(event)
    if orphans:
        if blocks:
            last = blocks[-1].lines
            # A blank line in between keeps the paragraph break the splitter may cut at.
            last.append(Line(last[-1].end, last[-1].end, ""))
            last.extend(line for orphan in orphans for line in orphan.lines)
        else:
            blocks.append(_orphan_block(orphans))
    return blocks


def _orphan_block(orphans: list[_Heading]) -> Block:
    lines = [line for orphan in orphans for line in orphan.lines]
    return Block(lines, orphans[0].parents)


def _name_from_first_line(block: Block) -> None:
    # The title names the article ("Bộ luật dân sự, Điều 118") and the text opens with the article's
    # name on a line of its own ("Phạm vi điều chỉnh"): the name goes to the heading path, as
    # "Điều 118. Phạm vi điều chỉnh" would. Only a line that cannot be body text qualifies (see
    # is_title_like): moving a real sentence out of the text would hide it from the citation.
    first = next((k for k, line in enumerate(block.lines) if line.text), None)
    if first is None:
        return
    following, blank = _next_text(block.lines, first)
    if is_title_like(block.lines[first], following, blank):
        block.headings = (block.lines[first].text,)
        block.lines = block.lines[first + 1 :]


def prose_blocks(lines: Sequence[Line]) -> list[Block]:
    """Sections of text without legal structure, split at simple heading lines.

    A heading is a one-line paragraph of at most 12 words, starting upper-case or with a digit,
    ending without punctuation, followed by a paragraph that is not itself such a line. Markdown
    and HTML headings come out of the parsers exactly like that.
    """
    paragraphs = _paragraphs(lines)
    blocks: list[Block] = []
    current = Block([], (), None, prose=True)
    for index, (begin, end) in enumerate(paragraphs):
        following = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
        if _is_prose_heading(lines, begin, end) and following and not _is_prose_heading(lines, *following):
            if any(line.text for line in current.lines):
                blocks.append(current)
            current = Block([], (lines[begin].text,), None, prose=True)
            continue
        # Keep the blank lines after the paragraph: they mark paragraph breaks for the splitter.
        current.lines.extend(lines[begin : following[0] if following else end])
    if any(line.text for line in current.lines):
        blocks.append(current)
    return blocks


def _paragraphs(lines: Sequence[Line]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    begin = None
    for k, line in enumerate(lines):
        if line.text and begin is None:
            begin = k
        elif not line.text and begin is not None:
            runs.append((begin, k))
            begin = None
    if begin is not None:
        runs.append((begin, len(lines)))
    return runs


def _is_prose_heading(lines: Sequence[Line], begin: int, end: int) -> bool:
    if end - begin != 1:
        return False
    text = lines[begin].text
    return (text[0].isupper() or text[0].isdigit()) and text[-1] not in TERMINAL and lines[begin].words <= 12
