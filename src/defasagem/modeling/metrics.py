"""Evaluation metrics of a risk score (the metric block of metrics.json, DESIGN §4).

Pure functions over arrays: a label y (1 = behind the ideal phase next year), a score (higher =
more risk; a probability for the model, 0/1 for persistence) and, where needed, Defasagem(t).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from defasagem.ptbr import number, percent

Array = npt.NDArray[np.float64]

TOP_SHARE = 0.2
# How the pages, the reports and the command line name each metric (pt-BR).
METRIC_TITLES = {
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "precision_at_capacity": "Precisão na capacidade",
    "recall_at_capacity": "Recall na capacidade",
    "brier": "Brier (erro; menor é melhor)",
}
# The metrics that are shares of students, shown as percentages.
PERCENT_METRICS = frozenset({"precision_at_capacity", "recall_at_capacity"})


def metric_text(key: str, value: float | None) -> str:
    """A metric's value as people read it: shares as percentages, the rest with 3 decimals."""
    return percent(value) if key in PERCENT_METRICS else number(value)


def ci_text(ci: list[float] | None, shown: Callable[[float], str] = number) -> str:
    """``"0,812 a 0,874"`` (``"—"`` without an interval)."""
    return "—" if ci is None else f"{shown(ci[0])} a {shown(ci[1])}"


def metric_block(
    y: npt.ArrayLike,
    score: npt.ArrayLike,
    *,
    defasagem_t: npt.ArrayLike,
    threshold: float,
    seed: int,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """Every metric of DESIGN §4 for one score on one test set.

    Metrics that need both outcomes (ROC-AUC and its interval, PR-AUC) are None when the
    population holds one outcome only or nobody (e.g. no new student in a year).
    """
    labels = np.asarray(y, dtype=np.int64)
    scores = np.asarray(score, dtype=np.float64)
    current = np.asarray(defasagem_t, dtype=np.float64)
    both = len(np.unique(labels)) == 2
    flagged = scores >= threshold
    precision, recall, f1 = _precision_recall_f1(labels, flagged)
    top_precision, top_recall = top_share_precision_recall(labels, scores, TOP_SHARE)
    on_track = current >= 0
    return {
        "n": len(labels),
        "positives": int(labels.sum()),
        "roc_auc": _auc(labels, scores),
        "roc_auc_ci": bootstrap_auc_ci(labels, scores, seed=seed, n_boot=n_boot) if both else None,
        "pr_auc": float(average_precision_score(labels, scores)) if both else None,
        "brier": float(brier_score_loss(labels, np.clip(scores, 0, 1))) if len(labels) else None,
        "threshold": float(threshold),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "precision_top20": top_precision,
        "recall_top20": top_recall,
        "new_lag_roc_auc": _auc(labels[on_track], scores[on_track]),
        "new_lag_roc_auc_ci": bootstrap_auc_ci(
            labels[on_track], scores[on_track], seed=seed, n_boot=n_boot
        )
        if len(np.unique(labels[on_track])) == 2
        else None,
        "new_lag_n": int(on_track.sum()),
    }


def _auc(labels: npt.NDArray[np.int64], scores: Array) -> float | None:
    """ROC-AUC, or None when only one class is present (it is undefined then)."""
    if len(np.unique(labels)) < 2:
        return None
    return float(roc_auc_score(labels, scores))


def _precision_recall_f1(
    labels: npt.NDArray[np.int64], flagged: npt.NDArray[np.bool_]
) -> tuple[float, float, float]:
    hits = float((labels[flagged] == 1).sum())
    precision = hits / flagged.sum() if flagged.any() else 0.0
    recall = hits / labels.sum() if labels.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def top_share_precision_recall(
    y: npt.ArrayLike, score: npt.ArrayLike, share: float = TOP_SHARE
) -> tuple[float, float]:
    """Precision and recall among the ``share`` of students with the highest scores.

    A capacity of k = ceil(share · n) students rarely ends exactly at a change of score (a 0/1
    baseline ties half the class): the tied block at the cut is counted by its expected value
    under a random order, so the result is exact and needs no random tie-break.
    """
    labels = np.asarray(y, dtype=np.float64)
    scores = np.asarray(score, dtype=np.float64)
    k = math.ceil(share * len(labels))
    if k == 0 or not labels.any():  # nobody, or nobody to find
        return 0.0, 0.0
    cut = np.sort(scores)[::-1][k - 1]
    above = scores > cut
    tied = scores == cut
    remaining = k - int(above.sum())
    hits = labels[above].sum() + remaining * labels[tied].mean()
    return float(hits / k), float(hits / labels.sum())


def bootstrap_auc_ci(
    y: npt.ArrayLike, score: npt.ArrayLike, *, seed: int, n_boot: int = 1000
) -> list[float] | None:
    """Percentile 95 % interval of ROC-AUC over bootstrap resamples of the students."""
    labels = np.asarray(y, dtype=np.int64)
    scores = np.asarray(score, dtype=np.float64)
    return bootstrap_ci(labels, lambda i: fast_auc(labels[i], scores[i]), seed=seed, n_boot=n_boot)


def paired_auc_gain(
    y: npt.ArrayLike,
    score: npt.ArrayLike,
    baseline: npt.ArrayLike,
    *,
    seed: int,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """ROC-AUC of ``score`` minus that of ``baseline`` on the same resamples, with a 95 % CI."""
    labels = np.asarray(y, dtype=np.int64)
    first = np.asarray(score, dtype=np.float64)
    second = np.asarray(baseline, dtype=np.float64)
    gains = _over_resamples(
        labels,
        lambda i: fast_auc(labels[i], first[i]) - fast_auc(labels[i], second[i]),
        seed=seed,
        n_boot=n_boot,
    )
    gain = float(roc_auc_score(labels, first) - roc_auc_score(labels, second))
    low, high = np.percentile(gains, [2.5, 97.5])
    return {"gain": gain, "ci": [float(low), float(high)]}


def fast_auc(labels: npt.NDArray[np.int64], scores: Array) -> float:
    """ROC-AUC as the Mann–Whitney statistic over mid-ranks: the same value as scikit-learn's
    (ties count one half), about 20× faster, which matters for thousands of resamples."""
    ranks = rankdata(scores)
    positives = int(labels.sum())
    negatives = len(labels) - positives
    rank_sum = float(ranks[labels == 1].sum())
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def _over_resamples(
    labels: npt.NDArray[np.int64],
    statistic: Callable[[npt.NDArray[np.int64]], float],
    *,
    seed: int,
    n_boot: int,
) -> list[float]:
    """``statistic`` on each bootstrap resample of the students (row indices) that holds both
    classes; a resample with one class has no ROC-AUC."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_boot):
        index = rng.integers(0, len(labels), size=len(labels))
        if 0 < labels[index].sum() < len(index):
            values.append(statistic(index))
    return values


def fast_average_precision(labels: npt.NDArray[np.int64], scores: Array) -> float:
    """PR-AUC as scikit-learn's average precision (tied scores form one step), with numpy only:
    the bootstraps of a comparison call it thousands of times."""
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], labels[order]
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    true_positives = np.cumsum(hits)[last_of_tie]
    flagged = np.arange(1, len(hits) + 1)[last_of_tie]
    recall = true_positives / true_positives[-1]
    return float(np.sum(np.diff(recall, prepend=0.0) * (true_positives / flagged)))


def bootstrap_ci(
    y: npt.ArrayLike,
    statistic: Callable[[npt.NDArray[np.int64]], float],
    *,
    seed: int,
    n_boot: int = 1000,
) -> list[float] | None:
    """Percentile 95 % interval of ``statistic`` (a function of the resampled row indices)
    over bootstrap resamples of the students that hold both outcomes."""
    values = _over_resamples(np.asarray(y, dtype=np.int64), statistic, seed=seed, n_boot=n_boot)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [float(low), float(high)]


def wilson_interval(hits: int, n: int, z: float = 1.959964) -> list[float] | None:
    """95 % Wilson score interval of a proportion ``hits / n`` (None when n is 0): unlike the
    normal approximation it stays inside [0, 1] and behaves with few students."""
    if n <= 0:
        return None
    share = hits / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [max(0.0, centre - half), min(1.0, centre + half)]
