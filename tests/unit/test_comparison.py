"""Challenger against champion: paired bootstrap of the differences, and the fast metrics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logit
from sklearn.metrics import average_precision_score

from defasagem.modeling.comparison import paired_comparison
from defasagem.modeling.metrics import fast_average_precision, wilson_interval


def _students(n: int = 600, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    risk = rng.beta(2, 3, n)
    return (rng.random(n) < risk).astype(int), risk


def test_the_same_model_against_itself_shows_no_difference() -> None:
    y, p = _students()
    report = paired_comparison(y, p, p, share=0.2, seed=3, n_boot=200)
    assert report["n"] == 600
    assert report["positives"] == int(y.sum())
    for entry in report["metrics"].values():
        assert entry["difference"] == 0
        assert entry["difference_ci"] == [0, 0]
        assert entry["verdict"] == "sem diferença clara"


def test_a_clearly_better_challenger_wins_on_every_metric() -> None:
    y, p = _students(2000)
    # The champion sees the same risk through noise (in log-odds: no ties at 0 or 1).
    noisy = expit(logit(p) + np.random.default_rng(9).normal(0, 1.5, len(p)))
    report = paired_comparison(y, noisy, p, share=0.2, seed=3, n_boot=300)
    for key, entry in report["metrics"].items():
        assert entry["verdict"] == "melhor", key
        low, high = entry["difference_ci"]
        assert low <= entry["difference"] <= high
    # The Brier score is an error: better means a negative difference.
    assert report["metrics"]["brier"]["difference"] < 0
    swapped = paired_comparison(y, p, noisy, share=0.2, seed=3, n_boot=300)
    assert {e["verdict"] for e in swapped["metrics"].values()} == {"pior"}


def test_a_comparison_needs_both_outcomes() -> None:
    with pytest.raises(ValueError, match="dois desfechos"):
        paired_comparison([1, 1, 1], [0.2, 0.4, 0.5], [0.1, 0.2, 0.3], share=0.2, seed=0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.1, 0.2, 0.2, 0.5, 0.7, 0.9])),
        min_size=2,
        max_size=40,
    ).filter(lambda rows: 0 < sum(y for y, _ in rows) < len(rows))
)
def test_fast_average_precision_is_scikit_learns_even_with_ties(
    rows: list[tuple[bool, float]],
) -> None:
    y = np.array([int(a) for a, _ in rows])
    p = np.array([b for _, b in rows])
    assert fast_average_precision(y, p) == pytest.approx(average_precision_score(y, p))


def test_wilson_intervals_stay_inside_zero_and_one() -> None:
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10) or [0, 0]
    assert low == 0
    assert 0.2 < high < 0.35
    low, high = wilson_interval(10, 10) or [0, 0]
    assert 0.65 < low < 0.8
    assert high == pytest.approx(1)
    low, high = wilson_interval(50, 100) or [0, 0]
    assert low == pytest.approx(0.404, abs=1e-3)
    assert high == pytest.approx(0.596, abs=1e-3)
