"""The structural blend: exact contributions, the fast path's numbers, its fallback and the
selection that scores it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from builders import assert_fast_path_matches, training_config
from defasagem.data.ingest import IngestResult
from defasagem.errors import DefasagemError
from defasagem.features import FEATURES, LABEL, build_pairs
from defasagem.modeling.candidates import (
    LEARNED,
    Candidate,
    build_pipeline,
    load_config,
)
from defasagem.modeling.evaluation import fit_setting
from defasagem.modeling.fast_path import FastStructural, compile_scorer
from defasagem.modeling.model import CalibratedModel
from defasagem.modeling.promotion import DISTANCE, GAIN, phases_gained
from defasagem.modeling.selection import Setting, select
from defasagem.modeling.structural import NotLearnableError, fit_parts, fit_structural
from defasagem.modeling.training import learn_rules

PARAMS = {"n_estimators": 40, "num_leaves": 4, "min_child_samples": 10}


def factory(kind: str, params: Mapping[str, float]):  # type: ignore[no-untyped-def]
    return lambda numeric, categorical: build_pipeline(
        kind, dict(params), numeric=numeric, categorical=categorical, seed=0
    )


@pytest.fixture(scope="module")
def pairs(synthetic_result: IngestResult) -> pd.DataFrame:
    table = synthetic_result.table
    out = build_pairs(table, learn_rules(table))
    out[GAIN] = phases_gained(table, out)
    return out


def students(pairs: pd.DataFrame) -> pd.DataFrame:
    """Scoring rows: some without a distance (no birth date), unseen and missing categories."""
    test: pd.DataFrame = pairs[pairs["ano"] == pairs["ano"].max()].head(40).copy()
    test.loc[test.index[:5], DISTANCE] = np.nan
    test.loc[test.index[5], "genero"] = "nunca visto"
    test.loc[test.index[6], ["ida", "ieg"]] = np.nan
    return test


@pytest.mark.parametrize("kind", ["lightgbm", "logistic"])
def test_contributions_add_up_to_the_calibrated_log_odds(pairs: pd.DataFrame, kind: str) -> None:
    params = PARAMS if kind == "lightgbm" else {"C": 1.0}
    model, oof = fit_structural(factory(kind, params), PARAMS, 0.5, pairs, seed=0)
    assert oof.shape == (len(pairs),)
    assert ((oof > 0) & (oof < 1)).all()
    test = students(pairs)
    parts = model.contributions(test)
    # Reasons are named by indicators: never a derived column such as a promotion probability.
    assert set(parts.columns) - {"base"} <= set(FEATURES)
    np.testing.assert_allclose(parts.sum(axis=1), model.log_odds(test), atol=1e-9)
    np.testing.assert_allclose(model.predict_proba(test), expit(model.log_odds(test)))
    # Without a distance the student gets the direct model, its own calibration included.
    fallback = test[DISTANCE].isna().to_numpy()
    np.testing.assert_allclose(
        model.log_odds(test)[fallback], model.direct.log_odds(test)[fallback]
    )
    direct = model.direct.contributions(test)
    np.testing.assert_allclose(parts.loc[fallback, direct.columns], direct[fallback], atol=1e-12)


@pytest.mark.parametrize("kind", ["lightgbm", "logistic"])
def test_the_fast_path_gives_the_models_numbers(pairs: pd.DataFrame, kind: str) -> None:
    params = PARAMS if kind == "lightgbm" else {"C": 1.0}
    model, _ = fit_structural(factory(kind, params), PARAMS, 0.7, pairs, seed=0)
    fast = compile_scorer(model)
    assert isinstance(fast, FastStructural)
    # Both LightGBM pipelines read the same encoded columns; a logistic base needs its own.
    assert fast.shared == (kind == "lightgbm")
    test = students(pairs)
    assert_fast_path_matches(fast, model, test)
    expected = model.predict_proba(test)
    # A batch gives every student the same numbers as alone.
    columns = {name: test[name].to_numpy(dtype=object) for name in FEATURES}
    numeric = {n: np.asarray(pd.to_numeric(test[n]), np.float64) for n in model.numeric}
    batch, _ = fast.score_matrix(fast.columns_matrix({**columns, **numeric}))
    np.testing.assert_allclose(batch, expected, atol=1e-12)


def test_the_risk_rises_with_the_distance_to_next_years_ideal_phase(pairs: pd.DataFrame) -> None:
    model, _ = fit_structural(factory("lightgbm", PARAMS), PARAMS, 0.5, pairs, seed=0)
    student = pairs.iloc[[0]].copy()
    risks = []
    for distance in (0, 1, 2, 3):
        student[DISTANCE] = float(distance)
        risks.append(float(model.predict_proba(student)[0]))
    assert risks == sorted(risks)
    assert risks[0] < risks[-1]
    # The distance's reason is its step beyond the usual one: zero at one phase.
    student[DISTANCE] = 1.0
    usual = model.contributions(student)[DISTANCE].iloc[0]
    student[DISTANCE] = 3.0
    assert model.contributions(student)[DISTANCE].iloc[0] > usual


def test_weight_one_is_the_promotion_models_own_lag_risk(pairs: pd.DataFrame) -> None:
    model, _ = fit_structural(factory("lightgbm", PARAMS), PARAMS, 1.0, pairs, seed=0)
    test = students(pairs)
    known = test[DISTANCE].notna().to_numpy()
    expected = model.slope * model.promotion.lag_log_odds(test) + model.intercept
    np.testing.assert_allclose(model.log_odds(test)[known], expected[known])


def test_without_labelled_distances_the_blend_is_not_calibrated(pairs: pd.DataFrame) -> None:
    old = pairs.copy()
    old[DISTANCE] = np.nan  # like the 2020–2021 files: no birth dates
    parts = fit_parts(factory("lightgbm", PARAMS), PARAMS, old, seed=0)
    model, oof = parts.with_weight(0.5, old[LABEL])
    assert (model.slope, model.intercept) == (1.0, 0.0)
    # Every training pair fell back to the direct model: its calibrated probabilities.
    direct = expit(parts.direct.slope * parts.direct_oof + parts.direct.intercept)
    np.testing.assert_allclose(oof, direct)


def test_a_learned_weight_stacks_the_out_of_fold_log_odds(pairs: pd.DataFrame) -> None:
    parts = fit_parts(factory("lightgbm", PARAMS), PARAMS, pairs, seed=0)
    model, oof = parts.with_weight(LEARNED, pairs[LABEL])
    known = ~np.isnan(parts.structural_oof)
    inputs = np.column_stack([parts.structural_oof[known], parts.direct_oof[known]])
    stack = LogisticRegression(C=1e6).fit(inputs, pairs.loc[known, LABEL])
    # The same arithmetic as the stacked regression: w = a_s / (a_s + a_m), slope a_s + a_m.
    np.testing.assert_allclose(oof[known], stack.predict_proba(inputs)[:, 1], atol=1e-9)
    a_s, a_m = stack.coef_[0]
    assert model.weight == pytest.approx(a_s / (a_s + a_m))
    assert model.slope == pytest.approx(a_s + a_m)
    old = pairs.assign(**{DISTANCE: np.nan})
    without = fit_parts(factory("lightgbm", PARAMS), PARAMS, old, seed=0)
    with pytest.raises(NotLearnableError, match="aprendido"):
        without.with_weight(LEARNED, old[LABEL])


def test_a_stack_with_a_negative_weight_is_refused(pairs: pd.DataFrame) -> None:
    parts = fit_parts(factory("lightgbm", PARAMS), PARAMS, pairs, seed=0)
    # A direct part that ranks backwards: the stack would give it a negative coefficient.
    backwards = dataclasses.replace(parts, direct_oof=-parts.direct_oof * 5)
    with pytest.raises(NotLearnableError, match="peso negativo"):
        backwards.with_weight(LEARNED, pairs[LABEL])


def test_a_final_fit_without_birth_dates_falls_back_to_the_direct_base(
    pairs: pd.DataFrame,
) -> None:
    config = training_config(
        Candidate("gbm", "lightgbm", {"n_estimators": [20], "num_leaves": [4]}), promotion=PARAMS
    )
    base = {"candidate": "gbm", "kind": "lightgbm", "params": {"n_estimators": 20, "num_leaves": 4}}
    learned = Setting("estrutural", "structural", {"weight": LEARNED, "base": base})
    old = pairs.assign(**{DISTANCE: np.nan})
    model, oof = fit_setting(learned, old, config)
    assert isinstance(model, CalibratedModel)
    direct, _ = fit_setting(learned.base(), old, config)
    np.testing.assert_allclose(model.predict_proba(old), direct.predict_proba(old))
    assert oof.shape == (len(old),)


def test_pairs_without_the_gain_are_refused(pairs: pd.DataFrame) -> None:
    with pytest.raises(DefasagemError, match=GAIN):
        fit_parts(factory("lightgbm", PARAMS), PARAMS, pairs.drop(columns=GAIN), seed=0)


def test_selection_scores_each_weight_over_the_best_base_setting(pairs: pd.DataFrame) -> None:
    config = training_config(
        Candidate("gbm", "lightgbm", {"n_estimators": [20, 40], "num_leaves": [4]}),
        Candidate("estrutural", "structural", {"weight": [0.5, 1.0, LEARNED], "base": ["gbm"]}),
        promotion=PARAMS,
    )
    last = int(pairs["ano"].max())
    selection = select(pairs, last, config)
    structural = [t for t in selection.trials if t.setting.kind == "structural"]
    assert [t.setting.params["weight"] for t in structural] == [0.5, 1.0, LEARNED]
    direct = [t for t in selection.trials if t.setting.kind == "lightgbm"]
    best_direct = max(direct, key=lambda t: t.score or 0.0)
    for trial in structural:
        assert trial.setting.base() == best_direct.setting
        assert trial.grouped_cv_auc is not None
        assert 0.5 < trial.grouped_cv_auc <= 1
    assert "weight=0,5 com gbm" in structural[0].setting.label()


def test_structural_settings_have_no_earlier_score_without_birth_dates(
    pairs: pd.DataFrame,
) -> None:
    """An earlier validation transition without distances (the old CSV) cannot score a
    structural setting; the regret then compares the pick with what that transition could
    score."""
    config = training_config(
        Candidate("gbm", "lightgbm", {"n_estimators": [20], "num_leaves": [4]}),
        Candidate("estrutural", "structural", {"weight": [0.5], "base": ["gbm"]}),
        promotion=PARAMS,
    )
    first = int(pairs["ano"].min())
    older = []
    for back in (2, 1):  # two older transitions, as in the 2020–2022 CSV
        chunk = pairs[pairs["ano"] == first].copy()
        chunk["ano"] = first - back
        chunk["ra"] = chunk["ra"].astype(str) + f"-antigo{back}"
        chunk[DISTANCE] = np.nan
        older.append(chunk)
    extended = pd.concat([*older, pairs], ignore_index=True)
    selection = select(extended, int(extended["ano"].max()), config)
    ((year, trials),) = selection.earlier
    assert year == first - 1
    structural = [t for t in trials if t.setting.kind == "structural"]
    assert structural
    assert all(t.score is None for t in structural)
    regret = selection.describe()["regret"]
    assert {r["criterion"] for r in regret} == {"media", "fora_do_tempo", "validacao_cruzada"}
    for row in regret:
        assert row["picked"]["kind"] == "lightgbm"
        if row["regret"] is not None:
            assert row["regret"] >= 0
            assert row["regret_comparable"] <= row["regret"]


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ('weight = [0.5, 1.5]\nbase = "gbm"', "weight deve estar entre 0 e 1"),
        ('weight = ["talvez"]\nbase = "gbm"', r"ou 'aprendido' \(recebido 'talvez'\)"),
        ('weight = []\nbase = "gbm"', "lista de weight está vazia"),
        ('weight = 0.5\nbase = "outro"', "base 'outro' não é um candidato direto"),
        ("weight = 0.5\nbase = 3", "base deve ser o nome"),
        ('weight = 0.5\nbase = "gbm"\nC = 1.0', "chave desconhecida para structural: C"),
    ],
)
def test_a_bad_structural_candidate_is_named(tmp_path: Path, candidate: str, message: str) -> None:
    path = tmp_path / "training.toml"
    path.write_text(
        "seed = 1\n[evaluation]\nn_boot = 100\n"
        '[threshold]\npolicy = "capacity"\nshare = 0.2\nmedium_share = 0.5\n'
        '[[candidates]]\nname = "gbm"\nkind = "lightgbm"\nn_estimators = 10\n'
        f'[[candidates]]\nname = "estrutural"\nkind = "structural"\n{candidate}\n'
        "[promotion]\nn_estimators = 10\n",
        encoding="utf-8",
    )
    with pytest.raises(DefasagemError, match=message):
        load_config(path)


def test_a_structural_candidate_needs_the_promotion_table(tmp_path: Path) -> None:
    path = tmp_path / "training.toml"
    path.write_text(
        "seed = 1\n[evaluation]\nn_boot = 100\n"
        '[threshold]\npolicy = "capacity"\nshare = 0.2\nmedium_share = 0.5\n'
        '[[candidates]]\nname = "gbm"\nkind = "lightgbm"\nn_estimators = 10\n'
        '[[candidates]]\nname = "e"\nkind = "structural"\nweight = 0.5\nbase = "gbm"\n',
        encoding="utf-8",
    )
    with pytest.raises(DefasagemError, match=r"precisa da tabela \[promotion\]"):
        load_config(path)


def test_setting_keys_ignore_the_structural_base() -> None:
    base = {"candidate": "gbm", "kind": "lightgbm", "params": {"n_estimators": 20}}
    other = {"candidate": "gbm", "kind": "lightgbm", "params": {"n_estimators": 40}}
    a = Setting("e", "structural", {"weight": 0.5, "base": base})
    b = Setting("e", "structural", {"weight": 0.5, "base": other})
    assert a.key() == b.key()
    assert a.base().params == {"n_estimators": 20}
