"""Lines of a document and what each one is: a legal heading, a numbered clause or point, or body text.

Only line starts count: "theo quy định tại Điều 5 của Luật này" is a reference, not an article.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the document: its offsets in the full text and its stripped content."""

    start: int
    end: int
    text: str

    @property
    def words(self) -> int:
        return len(self.text.split())


class Kind(enum.IntEnum):
    """Structural levels, outermost first. The order is the nesting order."""

    PART = 0  # Phần
    CHAPTER = 1  # Chương
    SECTION = 2  # Mục
    ARTICLE = 3  # Điều
    CLAUSE = 4  # khoản: "1.", "2a."
    POINT = 5  # điểm: "a)", "đ)"
    BODY = 6


HEADING_KINDS = (Kind.PART, Kind.CHAPTER, Kind.SECTION, Kind.ARTICLE)

_ORDINAL = r"(?i:nhất|một|hai|ba|tư|bốn|năm|lăm|sáu|bảy|bẩy|tám|chín|mười|mươi)"
_ROMAN = r"[IVXLCDM]+"
# Title-case or upper-case keywords only: a lower-case "điều 5" at a line start is a wrapped reference.
_HEADINGS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.PART, re.compile(rf"^(?:Phần|PHẦN)\s+((?i:thứ)(?:\s+{_ORDINAL})+|{_ROMAN}|\d+)(.*)$")),
    (Kind.CHAPTER, re.compile(rf"^(?:Chương|CHƯƠNG)\s+({_ROMAN}|\d+)(.*)$")),
    (Kind.SECTION, re.compile(rf"^(?:Mục|MỤC)\s+({_ROMAN}|\d+)(.*)$")),
    (Kind.ARTICLE, re.compile(r"^(?:Điều|ĐIỀU)\s+(\d+[a-zđ]?)(.*)$")),
)
_CLAUSE = re.compile(r"^(\d{1,3}[a-zđ]?)\.(?:\s|$)")
_POINT = re.compile(r"^([a-zđ]\d{0,2})\)(?:\s|$)")
# What may separate a heading's number from its title: "Điều 5. X", "Chương II: X", "CHƯƠNG II - X".
_SEPARATOR = re.compile(r"^\s*(?:[.:\-–—]\s*|\s+|$)")
TERMINAL = ".;:,!?…"
# A line ending like this stops mid-sentence, so the next line continues it (hard-wrapped text).
_OPEN_END = re.compile(r"[\w,(/&–-]$")


def split_lines(text: str) -> list[Line]:
    """Every line of `text` (which uses \\n only), blank ones included, with offsets."""
    lines = []
    start = 0
    for raw in text.split("\n"):
        end = start + len(raw)
        lines.append(Line(start, end, raw.strip()))
        start = end + 1
    return lines


def heading_match(text: str) -> tuple[Kind, str, str] | None:
    """(kind, number, title) when the line is a Phần/Chương/Mục/Điều heading, else None.

    The title may be empty ("Chương II" with its name on the next line). A heading whose "title"
    starts in lower case ("Điều 169 của Luật này.") is a wrapped reference and does not count.
    """
    for kind, pattern in _HEADINGS:
        found = pattern.match(text)
        if found is None:
            continue
        number, rest = found.group(1), found.group(2)
        separator = _SEPARATOR.match(rest)
        if separator is None:
            return None  # "Mục 3.1", "Chương IIa", "Điều 5, khoản 2": not a heading
        title = rest[separator.end() :].strip()
        if title and not _may_start_title(title):
            return None
        return kind, " ".join(number.split()), title
    return None


def _may_start_title(title: str) -> bool:
    # Not a digit: "Mục 3.1 và mục 3.2" is a reference to numbered items.
    first = title[0]
    return first.isupper() or first in "(“\"'[«"


def clause_number(text: str) -> str | None:
    found = _CLAUSE.match(text)
    return found.group(1) if found else None


def point_letter(text: str) -> str | None:
    found = _POINT.match(text)
    return found.group(1) if found else None


def classify(text: str) -> Kind:
    """The structural kind of a stripped, non-blank line, ignoring its context."""
    heading = heading_match(text)
    if heading is not None:
        return heading[0]
    if clause_number(text) is not None:
        return Kind.CLAUSE
    if point_letter(text) is not None:
        return Kind.POINT
    return Kind.BODY


def continues_previous(previous: Line | None) -> bool:
    """True when `previous` (the line just above, no blank between) stops mid-sentence.

    Hard-wrapped text (PDF extraction, some corpora) breaks lines anywhere, so a line can start with
    "Điều 28 của Luật này" or "2. " by accident; a real heading follows a finished line.
    Upper-case lines (chapter names, the national motto) do not end sentences but are never
    wrapped prose.
    """
    if previous is None or not previous.text:
        return False
    if previous.text.isupper() or classify(previous.text) in HEADING_KINDS:
        return False
    return _OPEN_END.search(previous.text) is not None


def is_title_like(line: Line, following: Line | None, blank_between: bool) -> bool:
    """Whether `line` reads as a heading's name ("Phạm vi điều chỉnh") rather than body text.

    It must start upper-case, end without punctuation (a sentence ends with one; a name does not),
    not be numbered, stay under 60 words (article names of 50+ words exist) and have body after it.
    When text follows directly, without a blank line, that text must start a new sentence, upper
    case or a number, and the name must be shorter than a wrapped line: hard-wrapped prose ("Luật
    này quy định nguyên tắc, điều" / "kiện nuôi con nuôi") looks like a name otherwise.
    """
    text = line.text
    if not text or following is None or not following.text or line.words > 60:
        return False
    if not text[0].isupper() or text[-1] in TERMINAL or classify(text) is not Kind.BODY:
        return False
    if blank_between:
        return True
    first = following.text[0]
    starts_sentence = first.isupper() or first.isdigit() or first in '“"('
    # A line that long is no wrapped line, while a short one followed by a capital can be a line
    # broken before a proper name.
    return starts_sentence and (line.words >= 20 or first.isdigit() or _reads_as_name(text))


def _reads_as_name(text: str) -> bool:
    # Article names are noun phrases; a wrapped sentence line usually stops after a function word.
    last = text.rsplit(maxsplit=1)[-1].lower()
    return last not in _DANGLING_WORDS


_DANGLING_WORDS = frozenset(
    "của và hoặc tại theo với cho các những là được bị do từ về đến trong trên dưới khi thì mà nếu "
    "để có này đó như sau gồm".split()
)
