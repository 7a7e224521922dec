"""The dense half of the local index: an exact inner-product scan over int8 copies of the vectors.

Each unit vector is kept in memory as int8 codes with one float scale per row (384 bytes + 4 for
e5-small, a quarter of float32), with the row's access level and document type beside it, in a few
immutable segments: one per batch of rows read from SQLite, merged two at a time when they grow
alike (so a row is copied O(log n) times in all), with deletions as a per-segment bitmap. A query
scores every row with SimSIMD's int8 dot product (VNNI/AVX-512 where the CPU has it), applies the
filter as a mask, and keeps the best candidates; the caller rescores them with the float32 vectors
from SQLite, so the scores it fuses are exact and only the choice of candidates is approximate.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import simsimd

from shared.adapters.local.lexical import Version
from shared.domain.models import AccessLevel, SearchFilter

_TOP_LEVEL = int(max(AccessLevel))  # a filter at this level lets every row through
_MERGE_RATIO = 4  # two neighbouring segments merge when the older is at most this many times larger


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and per-row scales (value = code * scale) of float32 rows."""
    vectors = np.asarray(vectors, dtype=np.float32)
    peak = np.abs(vectors).max(axis=1) if vectors.size else np.zeros(len(vectors), np.float32)
    scales = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    codes = np.rint(vectors / scales[:, None]).astype(np.int8)
    return codes, scales


@dataclass(frozen=True, slots=True)
class VectorRows:
    """A batch of chunk rows as read from SQLite, ascending by row."""

    rows: np.ndarray  # int64
    vectors: np.ndarray  # float32 [n, dimension]
    access: np.ndarray  # int8
    types: list[str]


@dataclass(frozen=True, slots=True)
class _Segment:
    rows: np.ndarray  # int64, ascending
    codes: np.ndarray  # int8 [n, dimension]
    scales: np.ndarray  # float32
    access: np.ndarray  # int8
    types: np.ndarray  # int32 codes of document types
    alive: np.ndarray  # bool

    @property
    def size(self) -> int:
        return len(self.rows)


def _merge(segments: Iterable[_Segment]) -> _Segment:
    """One segment of the live rows of `segments` (which follow each other by row)."""
    parts = list(segments)
    rows, codes, scales, access, types = (np.concatenate([getattr(s, f)[s.alive] for s in parts])
                                          for f in ("rows", "codes", "scales", "access", "types"))
    return _Segment(rows, codes, scales, access, types, alive=np.ones(len(rows), dtype=bool))


@dataclass(frozen=True, slots=True)
class VectorSnapshot:
    """The vectors of one version of the index; never changes (a write makes a new snapshot)."""

    version: Version
    dimension: int
    segments: tuple[_Segment, ...] = ()
    type_codes: Mapping[str, int] = None  # type: ignore[assignment]

    @property
    def live(self) -> int:
        return sum(int(s.alive.sum()) for s in self.segments)

    def top(self, query: np.ndarray, n: int, filter: SearchFilter,
            rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Rows and approximate inner products of the `n` best rows the filter allows (and, when
        given, that are in `rows`), best first."""
        codes, scale = quantize(np.asarray(query, dtype=np.float32).reshape(1, self.dimension))
        wanted_types = None
        if filter.document_types is not None:
            wanted_types = np.array([self.type_codes[t] for t in filter.document_types if t in self.type_codes],
                                    dtype=np.int32)
        every_level = int(filter.max_access_level) >= _TOP_LEVEL
        found_rows, found_scores = [], []
        for seg in self.segments:
            mask = None if every_level else seg.access <= int(filter.max_access_level)
            if wanted_types is not None:
                mask = _and(mask, np.isin(seg.types, wanted_types))
            if rows is not None:
                mask = _and(mask, np.isin(seg.rows, rows))
            if not seg.alive.all():
                mask = _and(mask, seg.alive)
            if mask is not None and np.count_nonzero(mask) < seg.size // 16:  # few allowed: score only those
                picked = np.flatnonzero(mask)
                scores = _dots(codes, seg.codes[picked]) * seg.scales[picked]
                best = _best(scores, n)
                found_rows.append(seg.rows[picked[best]])
            else:
                scores = _dots(codes, seg.codes)
                scores *= seg.scales
                if mask is not None:
                    scores[~mask] = -np.inf
                best = _best(scores, n)
                best = best[scores[best] > -np.inf]
                found_rows.append(seg.rows[best])
            found_scores.append(scores[best])
        if not found_rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        all_rows, all_scores = np.concatenate(found_rows), np.concatenate(found_scores) * scale[0]
        order = np.argsort(-all_scores, kind="stable")[:n]
        return all_rows[order], all_scores[order]

    def advanced(self, version: Version, added: Iterable[VectorRows], deleted: np.ndarray) -> VectorSnapshot:
        """This snapshot with `deleted` rows dropped and `added` rows appended, as of `version`."""
        segments = list(self.segments)
        if deleted.size:
            for i, seg in enumerate(segments):
                hit = np.isin(seg.rows, deleted)
                if hit.any():
                    seg = replace(seg, alive=seg.alive & ~hit)
                    # A segment mostly deleted is rewritten, so dead rows never cost more than a third.
                    segments[i] = _merge([seg]) if seg.alive.sum() < 0.75 * seg.size else seg
        type_codes = dict(self.type_codes or {})
        for batch in added:
            if not len(batch.rows):
                continue
            codes, scales = quantize(batch.vectors)
            types = np.array([type_codes.setdefault(t, len(type_codes)) for t in batch.types], dtype=np.int32)
            segments.append(_Segment(batch.rows.astype(np.int64), codes, scales, batch.access.astype(np.int8),
                                     types, np.ones(len(batch.rows), dtype=bool)))
            segments = _compacted(segments)
        return VectorSnapshot(version, self.dimension, tuple(s for s in segments if s.alive.any()), type_codes)


def _dots(query_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """int8 inner products of one query with every row, as float32."""
    if not len(codes):
        return np.zeros(0, dtype=np.float32)
    return np.asarray(simsimd.cdist(query_codes, codes, metric="dot", out_dtype="float32")).ravel()


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _best(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` largest scores, in no order. A threshold read from an evenly spaced sample
    first keeps about 4n of them, so the selection runs on thousands of values, not a million."""
    if scores.size <= n:
        return np.arange(scores.size)
    if scores.size > 64 * n:
        step = scores.size // (32 * n)
        sample = scores[::step]
        kept = max(1, (4 * n) // step)  # the sample rank whose value about 4n scores exceed
        threshold = np.partition(sample, sample.size - kept)[sample.size - kept]
        above = np.flatnonzero(scores >= threshold)
        if above.size >= n:
            return above[np.argpartition(-scores[above], n - 1)[:n]]
    return np.argpartition(-scores, n - 1)[:n]


def _compacted(segments: list[_Segment]) -> list[_Segment]:
    """Merge the newest segments while the older one is at most `_MERGE_RATIO` times larger (or mostly
    deleted), so there are O(log n) segments and each row is copied O(log n) times."""
    while len(segments) > 1:
        older, newer = segments[-2], segments[-1]
        if int(older.alive.sum()) > _MERGE_RATIO * int(newer.alive.sum()):
            break
        segments[-2:] = [_merge((older, newer))]
    return segments


class DenseIndex:
    """The current `VectorSnapshot` of one process, moved forward from SQLite as writes land."""

    def __init__(self, dimension: int) -> None:
        self._snapshot = VectorSnapshot((0, 0), dimension, (), {})
        self._lock = threading.Lock()

    def at(self, version: Version, read_changes) -> VectorSnapshot | None:
        """The snapshot of exactly `version`: advanced with `read_changes(from_version)` -> (added
        batches, deleted rows) when older, None when this process already moved past it."""
        with self._lock:
            current = self._snapshot
            if current.version == version:
                return current
            if current.version[0] > version[0] or current.version[1] > version[1]:
                return None
            added, deleted = read_changes(current.version)
            self._snapshot = current.advanced(version, added, deleted)
            return self._snapshot
