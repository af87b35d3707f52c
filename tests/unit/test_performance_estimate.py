"""Performance estimated before the labels (CBPE): right when calibration holds."""

from __future__ import annotations

import numpy as np
import pytest

from defasagem.modeling.metrics import (
    fast_auc,
    fast_average_precision,
    top_share_precision_recall,
)
from defasagem.monitoring.performance_estimate import ESTIMATED, estimate_performance


def test_the_realized_auc_lies_in_the_95_interval_in_at_least_90_of_100_seeded_draws() -> None:
    """Labels drawn from the model's own probabilities: the situation CBPE assumes."""
    inside = dict.fromkeys(ESTIMATED, 0)
    for seed in range(100):
        rng = np.random.default_rng(seed)
        p = rng.beta(1.5, 3.0, 700)
        estimate = estimate_performance(p, share=0.2, seed=1000 + seed, simulations=400)
        y = (rng.random(700) < p).astype(np.int64)
        precision, recall = top_share_precision_recall(y, p, 0.2)
        realized = {
            "roc_auc": fast_auc(y, p),
            "pr_auc": fast_average_precision(y, p),
            "precision_at_capacity": precision,
            "recall_at_capacity": recall,
            "brier": float(np.mean((p - y) ** 2)),
        }
        for key in ESTIMATED:
            low, high = estimate[key]["ci"]
            inside[key] += low <= realized[key] <= high
    assert inside["roc_auc"] >= 90
    assert all(count >= 88 for count in inside.values()), inside


def test_the_estimate_follows_the_probabilities() -> None:
    rng = np.random.default_rng(4)
    sharp = np.r_[rng.uniform(0.0, 0.1, 300), rng.uniform(0.9, 1.0, 300)]
    vague = rng.uniform(0.4, 0.6, 600)
    assert estimate_performance(sharp, share=0.2)["roc_auc"]["estimate"] > 0.95
    assert estimate_performance(vague, share=0.2)["roc_auc"]["estimate"] < 0.6
    report = estimate_performance(sharp, share=0.2)
    assert report["n"] == 600
    assert report["capacity"] == 120
    assert report["expected_positives"] == pytest.approx(sharp.sum())
    assert report["precision_at_capacity"]["estimate"] > 0.9


def test_nothing_to_estimate_gives_none_not_an_error() -> None:
    assert estimate_performance([0.3], share=0.2)["roc_auc"] is None
    none_at_risk = estimate_performance(np.zeros(50), share=0.2)
    assert none_at_risk["roc_auc"] is None
    assert none_at_risk["simulations"] == 0
    assert estimate_performance([], share=0.2)["capacity"] == 0


def test_ties_at_the_capacity_cut_count_by_their_expected_share() -> None:
    p = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    report = estimate_performance(p, share=0.4, seed=0, simulations=4000)
    # Top 2: the 0.9 and, on average, a 0.5: expected hits 1.4 of 2.
    assert report["precision_at_capacity"]["estimate"] == pytest.approx(0.7, abs=0.03)
