"""Metric block of metrics.json: known small cases, ties, bootstrap determinism."""

from __future__ import annotations

import numpy as np
import pytest

from defasagem.modeling.metrics import (
    bootstrap_auc_ci,
    metric_block,
    paired_auc_gain,
    top_share_precision_recall,
)

Y = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 0])
SCORE = np.array([0.9, 0.8, 0.4, 0.7, 0.2, 0.1, 0.3, 0.05, 0.6, 0.5])
DEFASAGEM_T = np.array([-1, -1, 0, -1, 0, 0, 0, 1, 0, 0])


def test_metric_block_on_a_small_known_case() -> None:
    block = metric_block(Y, SCORE, defasagem_t=DEFASAGEM_T, threshold=0.55, seed=0, n_boot=200)
    assert block["n"] == 10
    assert block["positives"] == 4
    # 4 positives × 6 negatives = 24 pairs; the positives outrank 21 of them.
    assert block["roc_auc"] == pytest.approx(21 / 24)
    assert (block["precision"], block["recall"]) == (pytest.approx(3 / 4), pytest.approx(3 / 4))
    assert block["f1"] == pytest.approx(0.75)
    assert (block["precision_top20"], block["recall_top20"]) == (1.0, 0.5)
    # Students on track at t: indices 2, 4, 5, 6, 7, 8, 9 (two positives: 2 and 8).
    assert block["new_lag_n"] == 7
    assert block["new_lag_roc_auc"] == pytest.approx(9 / 10)
    low, high = block["roc_auc_ci"]
    assert low <= block["roc_auc"] <= high
    assert 0 <= block["brier"] <= 1
    assert set(block) >= {"pr_auc", "threshold", "roc_auc_ci"}


def test_top_share_counts_ties_by_their_expected_value() -> None:
    # A 0/1 score: the top 20 % of 10 students (2) is drawn from the 5 flagged, 3 of them positive.
    flags = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    labels = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    precision, recall = top_share_precision_recall(labels, flags, 0.2)
    assert precision == pytest.approx(3 / 5)
    assert recall == pytest.approx(2 * 3 / 5 / 4)


def test_degenerate_inputs() -> None:
    assert top_share_precision_recall([0, 0], [0.1, 0.2]) == (0.0, 0.0)
    block = metric_block([1, 1], [0.2, 0.9], defasagem_t=[0, 0], threshold=0.5, seed=0, n_boot=10)
    assert block["roc_auc"] is None
    assert block["roc_auc_ci"] is None
    assert block["new_lag_roc_auc"] is None
    none_flagged = metric_block(Y, SCORE, defasagem_t=DEFASAGEM_T, threshold=2, seed=0, n_boot=10)
    assert (none_flagged["precision"], none_flagged["recall"], none_flagged["f1"]) == (0, 0, 0)


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    first = bootstrap_auc_ci(Y, SCORE, seed=3, n_boot=300)
    assert first == bootstrap_auc_ci(Y, SCORE, seed=3, n_boot=300)
    assert first != bootstrap_auc_ci(Y, SCORE, seed=4, n_boot=300)


def test_paired_gain_of_a_better_score_is_positive() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    good = labels + rng.normal(0, 0.5, 400)
    weak = labels + rng.normal(0, 2.0, 400)
    result = paired_auc_gain(labels, good, weak, seed=0, n_boot=300)
    assert result["gain"] > 0
    assert result["ci"][0] > 0


def test_a_block_of_nobody_or_of_one_outcome_has_no_auc_instead_of_failing() -> None:
    empty = metric_block([], [], defasagem_t=[], threshold=0.5, seed=0, n_boot=100)
    assert empty["n"] == 0
    assert empty["roc_auc"] is None
    assert empty["roc_auc_ci"] is None
    assert empty["pr_auc"] is None
    assert empty["brier"] is None
    single = metric_block(
        [1, 1, 1], [0.9, 0.2, 0.6], defasagem_t=[-1, 0, 0], threshold=0.5, seed=0, n_boot=100
    )
    assert single["roc_auc"] is None
    assert single["pr_auc"] is None
    assert single["recall"] == pytest.approx(2 / 3)
