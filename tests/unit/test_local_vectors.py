"""The in-memory int8 vector scan: the best allowed rows, whatever the segments, deletions and filters."""

import numpy as np
import pytest

from shared.adapters.local.vectors import VectorRows, VectorSnapshot, quantize
from shared.domain.models import AccessLevel, SearchFilter

DIMENSION = 32
TYPES = ["law", "memo", "contract"]


def batch(rng: np.random.Generator, first_row: int, size: int) -> VectorRows:
    vectors = rng.standard_normal((size, DIMENSION)).astype(np.float32)
    return VectorRows(rows=np.arange(first_row, first_row + size, dtype=np.int64),
                      vectors=vectors / np.linalg.norm(vectors, axis=1, keepdims=True),
                      access=rng.integers(0, 4, size).astype(np.int8),
                      types=[TYPES[i] for i in rng.integers(0, 3, size)])


def brute_force(batches: list[VectorRows], deleted: set[int], query: np.ndarray, n: int, allows) -> list[int]:
    """The same int8 scores, computed plainly over every allowed row."""
    query_codes, query_scale = quantize(query.reshape(1, -1))
    scored = []
    for b in batches:
        codes, scales = quantize(b.vectors)
        dots = (codes.astype(np.int64) @ query_codes[0].astype(np.int64)) * scales * query_scale[0]
        scored += [(float(d), int(r)) for d, r, a, t in zip(dots, b.rows, b.access, b.types, strict=True)
                   if int(r) not in deleted and allows(int(r), int(a), t)]
    return [r for _, r in sorted(scored, reverse=True)[:n]]


@pytest.mark.parametrize("n", [5, 40])
def test_the_scan_returns_the_best_allowed_rows(n: int) -> None:
    rng = np.random.default_rng(3)
    batches = [batch(rng, 1, 6000), batch(rng, 6001, 2000), batch(rng, 8001, 30), batch(rng, 8031, 1)]
    snapshot = VectorSnapshot((0, 0), DIMENSION, (), {})
    deleted: set[int] = set()
    for i, b in enumerate(batches):  # one write after another: segments merge, rows get deleted
        gone = rng.choice(np.arange(1, int(b.rows[0])), size=min(200, int(b.rows[0]) - 1), replace=False) if i else []
        deleted |= {int(r) for r in gone}
        snapshot = snapshot.advanced((int(b.rows[-1]), i), [b], np.array(sorted(gone), dtype=np.int64))
    assert len(snapshot.segments) < len(batches) and snapshot.live == 8031 - len(deleted)
    only = np.array(rng.choice(np.arange(1, 8032), size=300, replace=False), dtype=np.int64)
    cases = [
        (SearchFilter(AccessLevel.RESTRICTED), None, lambda r, a, t: True),
        (SearchFilter(AccessLevel.PUBLIC), None, lambda r, a, t: a == 0),
        (SearchFilter(AccessLevel.INTERNAL, document_types=frozenset({"memo"})), None,
         lambda r, a, t: a <= 1 and t == "memo"),
        (SearchFilter(AccessLevel.RESTRICTED), only, lambda r, a, t: r in set(only.tolist())),
    ]
    for _ in range(5):
        query = rng.standard_normal(DIMENSION).astype(np.float32)
        for filter, rows, allows in cases:
            got, scores = snapshot.top(query, n, filter, rows)
            assert got.tolist() == brute_force(batches, deleted, query, n, allows)
            assert np.all(np.diff(scores) <= 0)


def test_int8_scores_are_close_to_the_float32_ones() -> None:
    rng = np.random.default_rng(5)
    b = batch(rng, 1, 2000)
    snapshot = VectorSnapshot((0, 0), DIMENSION, (), {}).advanced((2000, 0), [b], np.zeros(0, np.int64))
    query = b.vectors[7]
    rows, scores = snapshot.top(query, 50, SearchFilter(AccessLevel.RESTRICTED))
    exact = b.vectors[rows - 1] @ query
    assert rows[0] == 8 and np.max(np.abs(scores - exact)) < 0.02
