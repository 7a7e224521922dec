"""Fusing rankings from several signals into one. One place, used by every index adapter."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Weights:
    """The weight of each signal in the fused score (of min-max normalised scores)."""

    lexical: float
    folded: float
    dense: float


def top_candidates(scores: np.ndarray, allowed: np.ndarray, n: int) -> np.ndarray:
    """Indices of the `n` best allowed rows, best first. Rows not allowed are never returned."""
    candidates = np.flatnonzero(allowed)
    if candidates.size == 0:
        return candidates
    if candidates.size > n:
        part = np.argpartition(-scores[candidates], n - 1)[:n]
        candidates = candidates[part]
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def min_max_fusion(
    signals: Mapping[str, np.ndarray],
    weights: Mapping[str, float],
    allowed: np.ndarray,
    *,
    candidates: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Weighted sum of min-max normalised scores over the union of each signal's top candidates.

    This is what OpenSearch's normalization-processor (min_max, arithmetic_mean) does, so the local
    and the OpenSearch index rank alike. A row missing from a signal's candidates scores 0 there.
    Returns (rows best first, fused scores, normalised score per signal for those rows).
    """
    active = {name: s for name, s in signals.items() if weights.get(name, 0) > 0}
    pools = [top_candidates(s, allowed, candidates) for s in active.values()]
    rows = np.unique(np.concatenate(pools)) if pools else np.zeros(0, dtype=np.int64)
    if rows.size == 0:
        return rows, np.zeros(0, dtype=np.float32), {}

    fused = np.zeros(rows.size, dtype=np.float32)
    per_signal: dict[str, np.ndarray] = {}
    total_weight = sum(weights[name] for name in active)
    for (name, scores), pool in zip(active.items(), pools, strict=True):
        in_pool = np.isin(rows, pool)
        values = scores[rows]
        pool_values = scores[pool]
        low, high = float(pool_values.min()), float(pool_values.max())
        norm = (values - low) / (high - low) if high > low else np.ones_like(values)
        norm = np.where(in_pool, np.clip(norm, 0, 1), 0).astype(np.float32)
        per_signal[name] = norm
        fused += weights[name] / total_weight * norm
    order = np.argsort(-fused, kind="stable")
    return rows[order], fused[order], {name: v[order] for name, v in per_signal.items()}


def fuse_candidates(
    pools: Mapping[str, tuple[Sequence[Hashable], Sequence[float]]],
    weights: Mapping[str, float],
) -> tuple[list[Hashable], np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """`min_max_fusion` of what search engines return: each signal's own candidates (keys, raw scores).

    A key a signal did not return gets that signal's lowest score, which min-max maps to 0: the same
    as min_max_fusion's "missing from a signal's candidates scores 0". A signal with no candidates
    adds nothing. Returns (keys in first-seen order, indices into them best first, fused scores, raw
    score per signal aligned with the keys).
    """
    position: dict[Hashable, int] = {}
    for keys, _ in pools.values():
        for k in keys:
            position.setdefault(k, len(position))
    ordered = list(position)
    raw: dict[str, np.ndarray] = {}
    for name, (keys, scores) in pools.items():
        if len(keys) == 0:
            continue
        values = np.asarray(scores, dtype=np.float32)
        column = np.full(len(ordered), values.min(), dtype=np.float32)
        column[[position[k] for k in keys]] = values
        raw[name] = column
    if not ordered:
        return [], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), raw
    # Every key is a candidate of the signals that returned it: the pools are the columns themselves.
    rows, fused, _ = min_max_fusion(raw, weights, np.ones(len(ordered), dtype=bool), candidates=len(ordered))
    return ordered, rows, fused, raw
