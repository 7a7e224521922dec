"""How many documents there are of each kind (type, access level, status), kept at write time.

Every document store keeps one counter per kind and moves it in the same transaction as the document
write: a put adds 1 to the new document's kind and takes 1 from the kind of the record it replaces, a
delete takes 1 from the deleted record's kind. A re-put that changes none of the three moves nothing, so
the counters stay exact however often a document is re-ingested, and reading them is one read of a
handful of items (never a listing of the documents).

This module is the one place that knows what a kind is, how it is written as a key, and which deltas a
write implies; the adapters only store them (see `SqliteDocumentStore`, `DynamoDBDocumentStore`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from shared.domain.models import AccessLevel, Document, DocumentStatus


@dataclass(frozen=True, slots=True, order=True)
class DocumentKind:
    """What a document is counted under."""

    access_level: AccessLevel
    status: DocumentStatus
    document_type: str

    @classmethod
    def of(cls, document: Document) -> DocumentKind:
        return cls(AccessLevel(document.access_level), DocumentStatus(document.status), document.document_type)

    @property
    def key(self) -> str:
        """`L<level>#S<status>#T<type>`: the type comes last, so it may itself contain `#`."""
        return f"L{int(self.access_level)}#S{self.status.value}#T{self.document_type}"

    @classmethod
    def from_key(cls, key: str) -> DocumentKind:
        level, status, document_type = key.split("#", 2)
        if not (level.startswith("L") and status.startswith("S") and document_type.startswith("T")):
            raise ValueError(f"not a document kind key: {key!r}")
        return cls(AccessLevel(int(level[1:])), DocumentStatus(status[1:]), document_type[1:])


def count_changes(before: DocumentKind | None, after: DocumentKind | None) -> dict[DocumentKind, int]:
    """The counter deltas of replacing a record of kind `before` (None: there was none) by one of kind
    `after` (None: a delete). Only non-zero deltas: empty when the kind did not change."""
    deltas: Counter[DocumentKind] = Counter()
    if before is not None:
        deltas[before] -= 1
    if after is not None:
        deltas[after] += 1
    return {kind: n for kind, n in sorted(deltas.items()) if n}


def tally(kinds: Iterable[DocumentKind]) -> dict[DocumentKind, int]:
    """Counts recomputed from the documents themselves (the one-time backfill)."""
    return dict(sorted(Counter(kinds).items()))


def positive(counts: Mapping[DocumentKind, int]) -> dict[DocumentKind, int]:
    """The kinds that have documents: a counter at 0 (its last document gone) is left out, and one below 0
    could only come from a write the counters missed, so it is left out rather than shown."""
    return {kind: int(n) for kind, n in sorted(counts.items()) if n > 0}
