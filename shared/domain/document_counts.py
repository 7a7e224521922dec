"""How many documents there are of each kind (type, access level, status), kept at write time.

Every document store keeps one counter per kind and moves it in the same transaction as the document
write: a put adds 1 to the new document's kind and takes 1 from the kind of the record it replaces, a
delete takes 1 from the deleted record's kind. A re-put that changes none of the three moves nothing, so
the counters stay exact however often a document is re-ingested, and reading them is one read of a
handful of items (never a listing of the documents).

What a kind is and how it is written as a key is `shared.domain.models.DocumentKind`; this module is the
one place that knows which deltas a write implies; the adapters only store them (see `SqliteDocumentStore`,
`DynamoDBDocumentStore`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from shared.domain.models import DocumentKind


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
