"""The promotion sub-model: its target, ordinal thresholds and the lag risk it implies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from defasagem.data.ingest import IngestResult
from defasagem.errors import DefasagemError
from defasagem.features import LABEL, build_pairs
from defasagem.modeling.candidates import load_config
from defasagem.modeling.promotion import (
    DISTANCE,
    THRESHOLD_BOUND,
    fit_promotion,
    fit_threshold,
    fit_thresholds,
    phases_gained,
)
from defasagem.modeling.training import learn_rules

CONFIG = Path(__file__).parents[2] / "configs" / "training.toml"
PARAMS = {"n_estimators": 40, "num_leaves": 4, "min_child_samples": 10}


@pytest.fixture(scope="module")
def pairs_and_gain(synthetic_result: IngestResult) -> tuple[pd.DataFrame, pd.Series]:
    table = synthetic_result.table
    pairs = build_pairs(table, learn_rules(table))
    return pairs, phases_gained(table, pairs)


def test_the_gain_is_next_years_fase_minus_this_years(
    synthetic_result: IngestResult, pairs_and_gain: tuple[pd.DataFrame, pd.Series]
) -> None:
    pairs, gain = pairs_and_gain
    fase = synthetic_result.table.set_index(["ra", "ano"])["fase"]
    sample = pairs.sample(25, random_state=0)
    for (_, row), value in zip(sample.iterrows(), gain[sample.index], strict=True):
        expected = fase[(row["ra"], int(row["ano"]) + 1)] - fase[(row["ra"], int(row["ano"]))]
        assert value == expected


def test_the_gain_is_missing_when_next_year_has_no_fase() -> None:
    table = pd.DataFrame({"ra": ["a", "a", "b"], "ano": [2022, 2023, 2022], "fase": [2, 3, 4]})
    pairs = pd.DataFrame({"ra": ["a", "b"], "ano": [2022, 2022], "fase": [2.0, 4.0]})
    gain = phases_gained(table, pairs)
    assert gain.iloc[0] == 1
    assert np.isnan(gain.iloc[1])


def test_a_threshold_recovers_a_known_offset() -> None:
    rng = np.random.default_rng(3)
    eta = rng.normal(size=20_000)
    reached = rng.random(20_000) < 1 / (1 + np.exp(-(eta - 1.5)))
    assert fit_threshold(eta, reached) == pytest.approx(1.5, abs=0.06)


def test_thresholds_never_let_a_larger_gain_be_likelier() -> None:
    eta = np.zeros(8)
    # Nobody demoted, nobody gained 3: both thresholds sit at the bound, in order.
    gain = np.array([0, 1, 1, 2, 1, 0, 2, 1], dtype=np.float64)
    thresholds = fit_thresholds(eta, gain)
    assert list(thresholds) == sorted(thresholds)
    assert thresholds[0] == pytest.approx(-THRESHOLD_BOUND, abs=1e-3)
    assert thresholds[3] == pytest.approx(THRESHOLD_BOUND, abs=1e-3)


def test_the_lag_risk_rises_with_the_distance_and_falls_with_engagement(
    pairs_and_gain: tuple[pd.DataFrame, pd.Series],
) -> None:
    pairs, gain = pairs_and_gain
    model, oof = fit_promotion(PARAMS, pairs, gain, seed=1)
    assert len(oof) == int(gain.notna().sum())
    student = pairs.iloc[[0]].copy()
    risks = []
    for distance in (-1, 0, 1, 2, 3, 5):
        student[DISTANCE] = float(distance)
        risks.append(float(model.lag_log_odds(student)[0]))
    assert risks == sorted(risks)
    assert risks[0] == risks[1]  # below 0 the distance is clipped
    assert risks[-2] == risks[-1]  # and above MAX_GAIN
    low, high = student.copy(), student.copy()
    low["ieg"], high["ieg"] = 1.0, 9.5
    assert model.lag_log_odds(low)[0] >= model.lag_log_odds(high)[0]


def test_without_a_distance_the_lag_risk_is_unknown_not_guessed(
    pairs_and_gain: tuple[pd.DataFrame, pd.Series],
) -> None:
    pairs, gain = pairs_and_gain
    model, _ = fit_promotion(PARAMS, pairs, gain, seed=1)
    rows = pairs.iloc[:3].copy()
    rows.loc[rows.index[1], DISTANCE] = np.nan
    risk = model.lag_log_odds(rows)
    assert np.isnan(risk[1])
    assert np.isfinite(risk[[0, 2]]).all()


def test_the_promotion_model_ranks_the_lag_label(
    pairs_and_gain: tuple[pd.DataFrame, pd.Series],
) -> None:
    """Minimum functionality: trained on the first transitions, the structural risk ranks the
    last transition's labels far better than chance."""
    pairs, gain = pairs_and_gain
    last = int(pairs["ano"].max())
    earlier = pairs["ano"] < last
    model, _ = fit_promotion(PARAMS, pairs[earlier], gain[earlier], seed=1)
    test = pairs[~earlier]
    known = test[DISTANCE].notna()
    auc = roc_auc_score(test.loc[known, LABEL], model.lag_log_odds(test[known]))
    assert auc > 0.7


def test_too_few_recorded_gains_are_refused(pairs_and_gain: tuple[pd.DataFrame, pd.Series]) -> None:
    pairs, gain = pairs_and_gain
    with pytest.raises(DefasagemError, match="modelo de promoção"):
        fit_promotion(PARAMS, pairs, gain.where(gain.index < 1), seed=1)


def test_the_shipped_config_has_a_promotion_setting() -> None:
    promotion = load_config(CONFIG).promotion
    assert promotion is not None
    assert promotion["num_leaves"] >= 2


BASE = (
    'seed = 1\n[evaluation]\nn_boot = 500\n[threshold]\npolicy = "capacity"\nshare = 0.2\n'
    'medium_share = 0.5\n[[candidates]]\nname = "a"\nkind = "logistic"\nC = [1.0]\n'
)


@pytest.mark.parametrize(
    ("promotion", "message"),
    [
        ("num_leaves = [4, 8]\n", "num_leaves deve ser um valor"),
        ("folhas = 4\n", "parâmetro desconhecido"),
        ("monotone_constraints = 1\n", "fixado pelo programa"),
        ("learning_rate = -1.0\n", "recusa um destes"),
    ],
)
def test_a_bad_promotion_setting_is_named(tmp_path: Path, promotion: str, message: str) -> None:
    path = tmp_path / "training.toml"
    path.write_text(BASE + "[promotion]\n" + promotion, encoding="utf-8")
    with pytest.raises(DefasagemError, match=message):
        load_config(path)


def test_a_config_without_promotion_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "training.toml"
    path.write_text(BASE, encoding="utf-8")
    assert load_config(path).promotion is None
