"""Cutting one block of lines (an article, a preamble, a prose section) into spans under a word budget.

Cuts go at the coarsest boundary that works: khoản, then điểm, then paragraphs, then finished
lines; whole units are packed into as few spans as the budget allows, evenly, and a unit too long
on its own is cut at the next level. Past the line levels come sentences, then clauses (; and :),
then bare words: these windows overlap, since a cut there falls inside running text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from shared.services.chunking.lines import Kind, Line, classify, continues_previous

Span = tuple[int, int]

_SENTENCE_END = re.compile(r"[.!?…]+[\"”’)\]]*(?=\s)")
_CLAUSE_END = re.compile(r"[;:]+[\"”’)\]]*(?=\s)")
_WORD = re.compile(r"\S+")


def _is_clause_start(lines: Sequence[Line], i: int) -> bool:
    return classify(lines[i].text) is Kind.CLAUSE and not continues_previous(lines[i - 1])


def _is_point_start(lines: Sequence[Line], i: int) -> bool:
    return classify(lines[i].text) is Kind.POINT and not continues_previous(lines[i - 1])


def _is_paragraph_start(lines: Sequence[Line], i: int) -> bool:
    return not lines[i - 1].text


def _is_finished_line_start(lines: Sequence[Line], i: int) -> bool:
    return not continues_previous(lines[i - 1])


_LINE_LEVELS: tuple[Callable[[Sequence[Line], int], bool], ...] = (
    _is_clause_start,
    _is_point_start,
    _is_paragraph_start,
    _is_finished_line_start,
)


class Splitter:
    """Splits blocks of one document's text; `text` is what the Line offsets point into."""

    def __init__(self, text: str, max_words: int, overlap_words: int) -> None:
        self.text = text
        self.max_words = max_words
        self.overlap_words = overlap_words

    def words(self, span: Span) -> int:
        return len(self.text[span[0] : span[1]].split())

    def split(self, lines: Sequence[Line], budget: int | None = None) -> list[Span]:
        """Spans covering every non-blank line of `lines`, each of at most `budget` words."""
        budget = self.max_words if budget is None else budget
        lines = _trim(lines)
        if not lines:
            return []
        return self._split_lines(lines, 0, budget)

    def _split_lines(self, lines: Sequence[Line], level: int, budget: int) -> list[Span]:
        span = (lines[0].start, lines[-1].end)
        if self.words(span) <= budget:
            return [span]
        if level == len(_LINE_LEVELS):
            return self._split_span(span, _SENTENCE_END, budget)
        starts = [0] + [i for i in range(1, len(lines)) if lines[i].text and _LINE_LEVELS[level](lines, i)]
        if len(starts) == 1:
            return self._split_lines(lines, level + 1, budget)
        spans: list[Span] = []
        run: list[list[Line]] = []  # consecutive units that fit the budget on their own
        for begin, end in zip(starts, [*starts[1:], len(lines)], strict=True):
            unit = _trim(lines[begin:end])
            if sum(line.words for line in unit) > budget:
                spans.extend(_pack(run, budget))
                run = []
                spans.extend(self._split_lines(unit, level + 1, budget))
            else:
                run.append(unit)
        spans.extend(_pack(run, budget))
        return spans

    def add_overlap(self, spans: list[Span]) -> list[Span]:
        """Start each span that follows its predecessor without overlap a few sentences earlier:
        as many of the predecessor's last sentences as fit in overlap_words, and in max_words
        together with the span itself."""
        out = list(spans)
        for k in range(1, len(spans)):
            (prev_start, prev_end), (start, end) = spans[k - 1], spans[k]
            if start < prev_end or self.overlap_words == 0:
                continue
            for piece_start, _ in self._pieces((prev_start, prev_end), _SENTENCE_END)[1:]:
                if (
                    self.words((piece_start, prev_end)) <= self.overlap_words
                    and self.words((piece_start, end)) <= self.max_words
                ):
                    out[k] = (piece_start, end)
                    break
        return out

    def _split_span(self, span: Span, boundary: re.Pattern[str] | None, budget: int) -> list[Span]:
        pieces = self._pieces(span, boundary)
        if boundary is not None and len(pieces) <= 1:
            return self._split_span(span, _next_boundary(boundary), budget)
        sizes = [self.words(piece) for piece in pieces]
        spans: list[Span] = []
        i = 0
        while i < len(pieces):
            j, total = i, 0
            while j < len(pieces) and total + sizes[j] <= budget:
                total += sizes[j]
                j += 1
            if j == i:
                # One sentence (or clause) alone is over budget: cut it finer, without overlap.
                spans.extend(self._split_span(pieces[i], _next_boundary(boundary), budget))
                i += 1
                continue
            spans.append((pieces[i][0], pieces[j - 1][1]))
            if j == len(pieces):
                break
            i = self._overlap_start(sizes, i, j, budget)
        return spans

    def _overlap_start(self, sizes: list[int], first: int, after: int, budget: int) -> int:
        # The next window repeats the last pieces of this one, up to overlap_words, when they leave
        # room for at least one new piece; never restart at `first` (no progress).
        k, carried = after, 0
        while k - 1 > first and carried + sizes[k - 1] <= self.overlap_words:
            k -= 1
            carried += sizes[k]
        return k if carried + sizes[after] <= budget else after

    def _after_number(self, position: int) -> bool:
        # "1." / "2a." / "a." opening a clause are enumerators, not the end of a sentence.
        begin = position
        while begin > 0 and not self.text[begin - 1].isspace():
            begin -= 1
        return _ENUMERATOR.fullmatch(self.text, begin, position) is not None

    def _pieces(self, span: Span, boundary: re.Pattern[str] | None) -> list[Span]:
        start, end = span
        if boundary is None:
            return [(m.start(), m.end()) for m in _WORD.finditer(self.text, start, end)]
        cuts = [
            m.end() for m in boundary.finditer(self.text, start, end) if not self._after_number(m.start())
        ]
        pieces = []
        for begin, stop in zip([start, *cuts], [*cuts, end], strict=True):
            piece = _strip(self.text, begin, stop)
            if piece is not None:
                pieces.append(piece)
        return pieces


_ENUMERATOR = re.compile(r"(?:\d{1,3}[a-zđ]?|[a-zđ])")


def _pack(units: list[list[Line]], budget: int) -> list[Span]:
    """Consecutive units grouped into as few spans as the budget allows, as evenly as possible.

    Greedy filling alone leaves a runt at the end ("7. Chính phủ quy định chi tiết Điều này.", 9
    words, after a 290-word chunk); the smallest cap that needs no more groups than greedy
    filling does spreads the units evenly instead.
    """
    if not units:
        return []
    sizes = [sum(line.words for line in unit) for unit in units]
    fewest = len(_greedy(sizes, budget))
    low, high = max(sizes), budget
    while low < high:
        middle = (low + high) // 2
        if len(_greedy(sizes, middle)) <= fewest:
            high = middle
        else:
            low = middle + 1
    return [(units[first][0].start, units[last][-1].end) for first, last in _greedy(sizes, low)]


def _greedy(sizes: list[int], cap: int) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    first, total = 0, 0
    for index, size in enumerate(sizes):
        if index > first and total + size > cap:
            groups.append((first, index - 1))
            first, total = index, 0
        total += size
    groups.append((first, len(sizes) - 1))
    return groups


def _next_boundary(boundary: re.Pattern[str] | None) -> re.Pattern[str] | None:
    return _CLAUSE_END if boundary is _SENTENCE_END else None


def _strip(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _trim(lines: Sequence[Line]) -> list[Line]:
    begin, end = 0, len(lines)
    while begin < end and not lines[begin].text:
        begin += 1
    while end > begin and not lines[end - 1].text:
        end -= 1
    return list(lines[begin:end])
