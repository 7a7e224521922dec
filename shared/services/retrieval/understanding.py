"""Query understanding: the canonical form of a question, its restored diacritics, its references.

The index learns what this needs from its own corpus (`QueryResources`): local mode builds it from
the index SQLite (`LocalSearchIndex.query_resources`); a deployment without that store loads the
syllable count snapshot (`SyllableCounts.load`) and a document catalogue once per process and
passes the same object to the `Retriever`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.services.retrieval.references import DocumentCatalogue
from shared.services.retrieval.restore import DiacriticRestorer
from shared.services.text.normalize import normalize_text


@dataclass(frozen=True, slots=True)
class QueryResources:
    restorer: DiacriticRestorer | None = None
    catalogue: DocumentCatalogue | None = None


# How a question's punctuation is spaced, as (pattern, replacement) rules applied in order.
_PUNCTUATION_SPACING: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\s+([,.;:!?…)\]}”’»])"), r"\1"),  # no space before a closing mark
    (re.compile(r"([(\[{“‘«])\s+"), r"\1"),  # nor after an opening one
    (re.compile(r"([,.;:!?])\1+"), r"\1"),  # a repeated mark once
    (re.compile(r"([,;:!?])(?=[^\W\d_])"), r"\1 "),  # one space after a mark, before a word
)
_LEADING = re.compile(r"^[\s\-–—*•·.,;:!?/>]+")
_TRAILING = re.compile(r"[\s\-–—*•·,;:/]+$")


def canonical_question(question: str) -> str:
    """`normalize_text` (NFC, tone placement, full-width characters, spaces), then one line with the
    punctuation spaced the usual way: no space before `,.;:!?` or after an opening bracket, one after
    `,;:!?` before a word, repeated marks once (`??` -> `?`, `. .` stays), no stray marks at either
    end (a question of marks only keeps them). Questions differing only in these ways search
    identically."""
    text = normalize_text(question).replace("\n", " ")
    for pattern, replacement in _PUNCTUATION_SPACING:
        text = pattern.sub(replacement, text)
    return _TRAILING.sub("", _LEADING.sub("", text)) or text
