"""Bootstrap confidence intervals for per-question figures (a mean over questions).

A figure measured on a few hundred questions moves by a few hundredths when the questions change,
so a figure is printed with its 95 % interval, and a change between two settings is judged by the
paired interval of the per-question differences (the same questions resampled for both): a change
whose interval holds zero is not shown to be a change.

Percentile bootstrap with a fixed seed, so the same scores always print the same interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

RESAMPLES = 2000
LEVEL = 0.95
_SEED = 13


def _resampled_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(values), size=(resamples, len(values)))
    return values[picks].mean(axis=1)


def bootstrap_interval(values: Sequence[float] | np.ndarray, *, resamples: int = RESAMPLES, level: float = LEVEL,
                       seed: int = _SEED) -> tuple[float, float]:
    """(low, high) of the `level` interval of the mean of `values`; (0, 0) when there are none."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return (0.0, 0.0)
    means = _resampled_means(array, resamples, seed)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return (round(float(low), 4), round(float(high), 4))


def paired_difference(a: Sequence[float], b: Sequence[float], *, resamples: int = RESAMPLES, level: float = LEVEL,
                      seed: int = _SEED) -> dict[str, float | bool]:
    """Mean of b - a over the same questions, its `level` interval (questions resampled together), and
    whether that interval excludes zero."""
    if len(a) != len(b):
        raise ValueError(f"paired scores need the same questions: {len(a)} against {len(b)}")
    differences = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    low, high = bootstrap_interval(differences, resamples=resamples, level=level, seed=seed)
    mean = round(float(differences.mean()), 4) if differences.size else 0.0
    return {"difference": mean, "low": low, "high": high, "excludes_zero": bool(low > 0 or high < 0)}
