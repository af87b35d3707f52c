"""Selection on training transitions only."""

from __future__ import annotations

import numpy as np
import pytest

from builders import random_pairs, training_config
from defasagem.errors import DefasagemError
from defasagem.features import LABEL, NUMERIC
from defasagem.modeling.candidates import Candidate
from defasagem.modeling.selection import (
    Setting,
    Trial,
    _wrong_direction,
    check_both_classes,
    select,
    transition_name,
    window_pairs,
)

CONFIG = training_config(
    Candidate("regressao_logistica", "logistic", {"C": [0.1, 1.0]}),
    Candidate("gradient_boosting", "lightgbm", {"n_estimators": [30], "num_leaves": [4]}),
)


def test_windows_take_the_latest_or_every_earlier_transition() -> None:
    pairs = random_pairs(years=(2020, 2021, 2022, 2023), n=20)
    assert set(window_pairs(pairs, 2023, "recente")["ano"]) == {2022}
    assert set(window_pairs(pairs, 2023, "todas")["ano"]) == {2020, 2021, 2022}
    assert window_pairs(pairs, 2020, "todas").empty
    assert transition_name(2023) == "2023->2024"


def test_selection_never_reads_the_test_transition() -> None:
    pairs = random_pairs(years=(2021, 2022, 2023))
    first = select(pairs, 2023, CONFIG)
    scrambled = pairs.copy()
    test = scrambled["ano"] == 2023
    rng = np.random.default_rng(5)
    scrambled.loc[test, LABEL] = rng.integers(0, 2, int(test.sum()))
    for column in NUMERIC:
        scrambled.loc[test, column] = rng.normal(size=int(test.sum()))
    second = select(scrambled, 2023, CONFIG)
    assert first == second
    assert first.validation_year == 2022
    # 2 + 1 settings of the grid, each with both windows.
    assert len(first.trials) == 6
    assert all(t.out_of_time_auc is not None for t in first.trials)
    assert first.best in [t.setting for t in first.trials]
    described = first.describe()
    assert described["validation_transition"] == "2022->2023"
    assert described["chosen"] == first.best.describe()


def test_without_an_earlier_transition_only_cross_validation_scores() -> None:
    selection = select(random_pairs(years=(2022, 2023)), 2023, CONFIG)
    assert all(t.out_of_time_auc is None for t in selection.trials)
    assert all(t.score is not None and 0.5 < t.score <= 1 for t in selection.trials)


def test_trial_score_is_the_mean_of_the_validation_aucs() -> None:
    setting = Setting("a", "logistic", {"C": 1.0}, "todas")
    assert Trial(setting, 0.8, 0.9).score == pytest.approx(0.85)
    assert Trial(setting, None, 0.9).score == pytest.approx(0.9)


def test_selection_needs_a_training_transition_before_the_test() -> None:
    with pytest.raises(DefasagemError, match="ao menos três anos"):
        select(random_pairs(years=(2023,)), 2023, CONFIG)


def test_a_validation_transition_with_one_outcome_is_refused() -> None:
    pairs = random_pairs(years=(2022,), n=40)
    pairs[LABEL] = 1
    with pytest.raises(DefasagemError, match=r"40 aluno\(s\) defasado\(s\) e 0 em dia"):
        check_both_classes(pairs, "transição de validação 2022->2023")


def test_a_linear_setting_that_contradicts_pedagogic_sense_is_not_chosen() -> None:
    pairs = random_pairs(years=(2021, 2022, 2023))
    # Make higher engagement look risky: the regression learns the wrong sign for IEG.
    pairs[LABEL] = (pairs["ieg"] + np.random.default_rng(1).normal(0, 1, len(pairs)) > 5).astype(
        "int64"
    )
    logistic = Setting("regressao_logistica", "logistic", {"C": 1.0}, "todas")
    assert "ieg" in _wrong_direction(pairs, logistic, seed=0)
    trees = Setting("gradient_boosting", "lightgbm", {"n_estimators": 30}, "todas")
    assert _wrong_direction(pairs, trees, seed=0) == ()
    selection = select(pairs, 2023, CONFIG)
    assert selection.best.kind == "lightgbm"
    flagged = [t for t in selection.trials if t.wrong_direction]
    assert flagged
    assert all(t.setting.kind == "logistic" for t in flagged)
    assert "ieg" in selection.describe()["trials"][0]["wrong_direction"]
