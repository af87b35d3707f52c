"""Performance estimated before the labels arrive (confidence-based, as NannyML's CBPE).

If the probabilities are calibrated, each student's outcome is a coin with that probability.
Drawing every student's outcome many times gives the distribution of what the list's ROC-AUC,
PR-AUC and precision and recall at capacity will be: its mean is the estimate and its central
95 % the interval. It holds only while calibration holds and the relation between indicators
and outcome has not changed (a new ideal-phase rule, for one, breaks it); drift of the inputs
alone does not, since the estimate follows the probabilities of the students being scored.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

Array = npt.NDArray[np.float64]
SIMULATIONS = 1000
CELLS_PER_CHUNK = 2_000_000
ESTIMATED = ("roc_auc", "pr_auc", "precision_at_capacity", "recall_at_capacity", "brier")
ASSUMPTIONS = (
    "as probabilidades estão calibradas (entre alunos com 30 % de risco, cerca de 30 % ficam "
    "defasados), como no teste fora do tempo do modelo;",
    "a relação entre os indicadores e a defasagem do ano seguinte não mudou (uma nova regra de "
    "Fase Ideal, por exemplo, muda o desfecho e a estimativa erra);",
    "a estimativa não precisa dos rótulos: ela segue as probabilidades dos alunos pontuados, "
    "então capta a mudança da população, não a mudança da regra.",
)


def estimate_performance(
    probability: npt.ArrayLike,
    *,
    share: float,
    seed: int = 0,
    simulations: int = SIMULATIONS,
    capacity: int | None = None,
) -> dict[str, Any]:
    """Expected ROC-AUC, PR-AUC, precision and recall at capacity (the ``share`` of students
    with the highest risk) and Brier score, with 95 % intervals, from calibrated probabilities
    alone."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 0.0, 1.0)
    n = len(p)
    k = math.ceil(share * n) if capacity is None else min(capacity, n)
    report: dict[str, Any] = {
        "n": n,
        "capacity": k,
        "expected_positives": float(p.sum()),
        "simulations": 0,
    }
    if n < 2 or k == 0:
        return report | dict.fromkeys(ESTIMATED)
    rng = np.random.default_rng(seed)
    values: dict[str, list[Array]] = {key: [] for key in ESTIMATED}
    done = 0
    # A few million draws at a time: memory stays ~100 MB whatever the number of students.
    chunk = max(1, CELLS_PER_CHUNK // n)
    for start in range(0, simulations, chunk):
        labels = rng.random((min(chunk, simulations - start), n)) < p
        positives = labels.sum(axis=1)
        usable = (positives > 0) & (positives < n)
        labels, positives = labels[usable], positives[usable]
        if len(labels) == 0:
            continue
        done += len(labels)
        precision, recall = _at_capacity(labels, positives, p, k)
        values["roc_auc"].append(_auc(labels, positives, p))
        values["pr_auc"].append(_average_precision(labels, positives, p))
        values["precision_at_capacity"].append(precision)
        values["recall_at_capacity"].append(recall)
        values["brier"].append(((labels - p) ** 2).mean(axis=1))
    if done == 0:
        return report | dict.fromkeys(ESTIMATED)
    joined = {key: np.concatenate(parts) for key, parts in values.items()}
    return (
        report
        | {"simulations": done}
        | {
            key: {
                "estimate": float(v.mean()),
                "ci": [float(x) for x in np.percentile(v, [2.5, 97.5])],
            }
            for key, v in joined.items()
        }
    )


def _auc(labels: npt.NDArray[np.bool_], positives: npt.NDArray[np.int64], p: Array) -> Array:
    """Mann–Whitney over the fixed mid-ranks of the scores, one value per simulated draw."""
    ranks = rankdata(p)
    negatives = labels.shape[1] - positives
    rank_sums = labels.astype(np.float64) @ ranks
    return np.asarray((rank_sums - positives * (positives + 1) / 2) / (positives * negatives))


def _average_precision(
    labels: npt.NDArray[np.bool_], positives: npt.NDArray[np.int64], p: Array
) -> Array:
    """Average precision per draw; tied scores form one step, as in scikit-learn."""
    order = np.argsort(-p, kind="stable")
    ranked = p[order]
    last_of_tie = np.r_[ranked[1:] != ranked[:-1], True]
    hits = np.cumsum(labels[:, order], axis=1)[:, last_of_tie].astype(np.float64)
    flagged = np.arange(1, len(p) + 1)[last_of_tie]
    new_hits = np.diff(hits, axis=1, prepend=0.0)
    return np.asarray((new_hits * hits / flagged).sum(axis=1) / positives)


def _at_capacity(
    labels: npt.NDArray[np.bool_], positives: npt.NDArray[np.int64], p: Array, k: int
) -> tuple[Array, Array]:
    """Precision and recall among the ``k`` highest scores; a tie at the cut counts by its
    expected value under a random order (as the realized figure does)."""
    cut = np.sort(p)[::-1][k - 1]
    above, tied = p > cut, p == cut
    remaining = k - int(above.sum())
    hits = labels[:, above].sum(axis=1) + remaining * labels[:, tied].mean(axis=1)
    return hits / k, hits / positives
