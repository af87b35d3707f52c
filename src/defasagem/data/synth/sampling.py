"""Array aliases and the random helpers of the synthetic workbook that keep real shares exact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def _largest_remainder(weights: Sequence[float], total: int) -> IntArray:
    """Split ``total`` into integer counts proportional to ``weights`` (exact sum)."""
    w = np.asarray(weights, dtype=np.float64)
    raw = w / w.sum() * total
    counts: IntArray = np.floor(raw).astype(np.int64)
    short = total - int(counts.sum())
    if short:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def rank_assign(score: FloatArray, weights: Sequence[float]) -> IntArray:
    """Category index per element: the lowest scores get category 0, with exact shares.

    Ranking instead of sampling keeps the real shares exact at any size and lets a latent
    score (e.g. ability) decide who falls in which category.
    """
    counts = _largest_remainder(weights, len(score))
    out = np.empty(len(score), dtype=np.int64)
    out[np.argsort(score, kind="stable")] = np.repeat(np.arange(len(counts)), counts)
    return out


def uniform_ranks(x: FloatArray) -> FloatArray:
    order = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return (order.astype(np.float64) + 0.5) / len(x)


def top_k(rng: np.random.Generator, weights: FloatArray, k: int) -> BoolArray:
    """Weighted sample of exactly k elements without replacement (Efraimidis–Spirakis)."""
    keys = np.log(rng.random(len(weights))) / weights
    mask = np.zeros(len(weights), dtype=bool)
    mask[np.argsort(-keys, kind="stable")[:k]] = True
    return mask


def sample(rng: np.random.Generator, table: Mapping[int, float], size: int) -> IntArray:
    keys = np.array(list(table), dtype=np.int64)
    p = np.array(list(table.values()), dtype=np.float64)
    return np.asarray(rng.choice(keys, size=size, p=p / p.sum()), dtype=np.int64)
