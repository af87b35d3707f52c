"""Challenger against champion on the same students: paired bootstrap of the differences.

Both models score the newest labelled transition. The challenger's scores are its out-of-time
evaluation (the same configuration fit without that transition, as metrics.json reports); the
champion's are those of the model being served. Resampling the students once for both keeps the
comparison paired: the interval is of the difference, not of two separate estimates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from defasagem.modeling.metrics import (
    METRIC_TITLES,
    fast_auc,
    fast_average_precision,
    top_share_precision_recall,
)

Array = npt.NDArray[np.float64]
# (key, higher is better): the Brier score is an error.
METRICS = (
    ("roc_auc", True),
    ("pr_auc", True),
    ("precision_at_capacity", True),
    ("brier", False),
)

METRIC_NAMES = {key: METRIC_TITLES[key] for key, _ in METRICS}


def _values(labels: npt.NDArray[np.int64], score: Array, share: float) -> dict[str, float]:
    return {
        "roc_auc": fast_auc(labels, score),
        "pr_auc": fast_average_precision(labels, score),
        "precision_at_capacity": top_share_precision_recall(labels, score, share)[0],
        "brier": float(np.mean((np.clip(score, 0, 1) - labels) ** 2)),
    }


def paired_comparison(
    y: npt.ArrayLike,
    champion: npt.ArrayLike,
    challenger: npt.ArrayLike,
    *,
    share: float,
    seed: int,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """Each metric for both models, the difference (challenger − champion) and its 95 % paired
    bootstrap interval, and whether the interval leaves no doubt about the direction."""
    labels = np.asarray(y, dtype=np.int64)
    first = np.asarray(champion, dtype=np.float64)
    second = np.asarray(challenger, dtype=np.float64)
    if len(labels) == 0 or len(np.unique(labels)) < 2:
        raise ValueError("a comparação precisa de alunos com os dois desfechos")
    # The fast twins equal scikit-learn's values (tests/unit/test_comparison.py checks it).
    whole = {
        "champion": _values(labels, first, share),
        "challenger": _values(labels, second, share),
    }
    rng = np.random.default_rng(seed)
    differences: dict[str, list[float]] = {key: [] for key, _ in METRICS}
    for _ in range(n_boot):
        index = rng.integers(0, len(labels), size=len(labels))
        sample = labels[index]
        if not 0 < sample.sum() < len(sample):
            continue
        a = _values(sample, first[index], share)
        b = _values(sample, second[index], share)
        for key, _ in METRICS:
            differences[key].append(b[key] - a[key])
    report: dict[str, Any] = {"n": len(labels), "positives": int(labels.sum()), "metrics": {}}
    for key, higher_is_better in METRICS:
        low, high = (float(v) for v in np.percentile(differences[key], [2.5, 97.5]))
        difference = whole["challenger"][key] - whole["champion"][key]
        better = low > 0 if higher_is_better else high < 0
        worse = high < 0 if higher_is_better else low > 0
        report["metrics"][key] = {
            "champion": whole["champion"][key],
            "challenger": whole["challenger"][key],
            "difference": difference,
            "difference_ci": [low, high],
            "verdict": "melhor" if better else "pior" if worse else "sem diferença clara",
        }
    return report
