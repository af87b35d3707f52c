"""The calibrated model: exact contributions, grouped folds, columns it can learn from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from builders import random_pairs
from defasagem.features import LABEL
from defasagem.modeling.candidates import build_pipeline
from defasagem.modeling.model import (
    fit_calibrated,
    grouped_folds,
    source_feature,
    usable_columns,
)


def factory(kind: str, params: dict[str, float]):  # type: ignore[no-untyped-def]
    return lambda numeric, categorical: build_pipeline(
        kind, params, numeric=numeric, categorical=categorical, seed=0
    )


@pytest.mark.parametrize(
    ("kind", "params"),
    [("logistic", {"C": 1.0}), ("lightgbm", {"n_estimators": 40, "num_leaves": 4})],
)
def test_contributions_add_up_to_the_calibrated_log_odds(
    kind: str, params: dict[str, float]
) -> None:
    pairs = random_pairs()
    model, oof = fit_calibrated(factory(kind, params), pairs, seed=0)
    assert oof.shape == (len(pairs),)
    assert model.slope > 0
    # Out-of-fold log-odds, unbounded, that rank the training pairs better than chance.
    assert roc_auc_score(pairs[LABEL], oof) > 0.7
    test = random_pairs(n=40, seed=9)
    parts = model.contributions(test)
    assert "base" in parts.columns
    assert set(parts.columns) - {"base"} <= set(model.numeric) | set(model.categorical)
    np.testing.assert_allclose(parts.sum(axis=1), model.log_odds(test), atol=1e-3)
    probability = model.predict_proba(test)
    np.testing.assert_allclose(probability, 1 / (1 + np.exp(-model.log_odds(test))))
    # Defasagem drives the label: it carries weight in the contributions.
    assert parts["defasagem"].abs().mean() > parts["nota_ing"].abs().mean()


def test_source_feature_folds_encoded_columns_back() -> None:
    assert source_feature("num__ida") == "ida"
    assert source_feature("num__missingindicator_ida") == "ida"
    assert source_feature("cat__genero_Feminino") == "genero"
    assert source_feature("cat__tipo_instituicao") == "tipo_instituicao"


def test_columns_never_measured_in_training_are_left_out() -> None:
    pairs = random_pairs(years=(2021,))
    pairs["ida"] = np.nan
    pairs["genero"] = np.nan
    numeric, categorical = usable_columns(pairs)
    assert "ida" not in numeric
    assert "ieg" in numeric
    assert categorical == ["tipo_instituicao"]
    model, _ = fit_calibrated(factory("lightgbm", {"n_estimators": 20}), pairs, seed=0)
    # A column absent from training is ignored at scoring time, whatever its value.
    test = random_pairs(years=(2022,), n=20, seed=3)
    changed = test.assign(ida=0.0, genero="Feminino")
    np.testing.assert_allclose(model.predict_proba(changed), model.predict_proba(test))


def test_grouped_folds_never_split_a_student() -> None:
    groups = pd.Series([f"RA-{i % 30}" for i in range(90)])
    folds = grouped_folds(groups, seed=1)
    assert len(folds) == 5
    for fit_rows, held_rows in folds:
        assert not set(groups.iloc[fit_rows]) & set(groups.iloc[held_rows])
    assert sorted(np.concatenate([held for _, held in folds]).tolist()) == list(range(90))
    assert len(grouped_folds(pd.Series(["a", "b", "a"]), seed=1)) == 2


def test_labels_are_needed_in_training_pairs() -> None:
    pairs = random_pairs(years=(2021,))
    assert pairs[LABEL].nunique() == 2


def test_category_columns_arriving_as_floats_or_pd_na_score_like_missing() -> None:
    pairs = random_pairs()
    model, _ = fit_calibrated(factory("lightgbm", {"n_estimators": 30}), pairs, seed=0)
    test = random_pairs(years=(2024,), n=5, seed=4)
    as_nan = test.assign(genero=np.nan, tipo_instituicao=np.nan)
    as_float = test.assign(genero=np.nan, tipo_instituicao=np.nan).astype(
        {"genero": "float64", "tipo_instituicao": "float64"}
    )
    as_na = test.assign(
        genero=pd.array([pd.NA] * 5, dtype="string"),
        tipo_instituicao=pd.array([pd.NA] * 5, dtype="string"),
    )
    expected = model.predict_proba(as_nan)
    np.testing.assert_allclose(model.predict_proba(as_float), expected)
    np.testing.assert_allclose(model.predict_proba(as_na), expected)
