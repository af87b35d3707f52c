"""The precomputed TreeSHAP tables give LightGBM's own ``pred_contrib``, bit for bit or nearly."""

from __future__ import annotations

import ctypes.util
from typing import Any

import numpy as np
import pytest
from lightgbm import LGBMClassifier

from defasagem.modeling.shap_tables import MAX_SPLITS, compile_tables


def _fit(seed: int = 0, n: int = 600, **params: Any) -> tuple[LGBMClassifier, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[:, 3] = rng.integers(0, 3, n)  # a discrete column: many rows sit on the thresholds
    x[rng.random(x.shape) < 0.15] = np.nan
    logit = np.nan_to_num(x[:, 0]) - 0.8 * np.nan_to_num(x[:, 1]) + 0.5 * np.isnan(x[:, 2])
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    model = LGBMClassifier(
        n_estimators=60, num_leaves=params.pop("num_leaves", 8), verbose=-1, random_state=seed,
        **params,
    )  # fmt: skip
    return model.fit(x, y), x


def _probes(model: LGBMClassifier, x: np.ndarray) -> np.ndarray:
    """Training rows, rows sitting exactly on every split threshold, zeros, NaNs, extremes."""
    dump = model.booster_.dump_model()
    on_threshold = []

    def walk(node: dict[str, Any]) -> None:
        if "split_feature" in node:
            row = np.zeros(x.shape[1])
            row[node["split_feature"]] = node["threshold"]
            on_threshold.append(row)
            walk(node["left_child"])
            walk(node["right_child"])

    for tree in dump["tree_info"]:
        walk(tree["tree_structure"])
    odd = np.array([[np.nan] * 6, [0.0] * 6, [1e300] * 6, [-1e300] * 6, [-0.0] * 6])
    return np.vstack([x, np.array(on_threshold), odd])


@pytest.mark.parametrize(
    "params",
    [
        {"num_leaves": 4},
        {"num_leaves": 8},
        {"num_leaves": MAX_SPLITS + 1},
        {"num_leaves": 8, "zero_as_missing": True},
        {"num_leaves": 8, "use_missing": False},
        {"num_leaves": 4, "monotone_constraints": [1, -1, 0, 0, 0, 0]},
    ],
)
def test_the_tables_give_lightgbm_contributions(params: dict[str, Any]) -> None:
    model, x = _fit(**params)
    tables = compile_tables(model.booster_, x.shape[1])
    assert tables is not None
    probes = _probes(model, x)
    expected = np.asarray(model.booster_.predict(probes, pred_contrib=True))
    parts, base = tables.contributions(probes)
    np.testing.assert_allclose(parts, expected[:, :-1], rtol=0, atol=1e-12)
    np.testing.assert_allclose(base, expected[:, -1], rtol=0, atol=1e-12)
    raw = model.booster_.predict(probes, raw_score=True)
    np.testing.assert_allclose(base + parts.sum(axis=1), raw, rtol=0, atol=1e-12)


def test_one_student_alone_gets_the_same_bits_as_in_a_batch() -> None:
    model, x = _fit(seed=3)
    tables = compile_tables(model.booster_, x.shape[1])
    assert tables is not None
    batch, _ = tables.contributions(x)
    alone = np.vstack([tables.contributions(x[i : i + 1])[0] for i in range(50)])
    assert np.array_equal(alone, batch[:50])


def test_trees_beyond_the_tables_fall_back_to_lightgbm() -> None:
    big, x = _fit(num_leaves=2 * MAX_SPLITS)
    assert compile_tables(big.booster_, x.shape[1]) is None
    rng = np.random.default_rng(1)
    categories = rng.integers(0, 5, (400, 1)).astype(float)
    y = (categories[:, 0] % 2 == 0).astype(int)
    categorical = LGBMClassifier(n_estimators=5, num_leaves=4, verbose=-1, min_child_samples=5)
    categorical.fit(categories, y, categorical_feature=[0])
    assert compile_tables(categorical.booster_, 1) is None
    linear = LGBMClassifier(n_estimators=3, num_leaves=4, linear_tree=True, verbose=-1)
    linear.fit(x[:, :2], (x[:, 0] > 0).astype(int))
    assert compile_tables(linear.booster_, 2) is None
    three = LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1)
    three.fit(categories, categories[:, 0].astype(int) % 3)
    assert compile_tables(three.booster_, 1) is None


def test_a_model_of_single_leaves_is_its_expected_value() -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(50, 3))
    y = np.r_[np.zeros(25), np.ones(25)].astype(int)
    # Too few rows per leaf to split: every tree is one leaf (the prior log-odds).
    model = LGBMClassifier(n_estimators=3, min_child_samples=100, verbose=-1).fit(x, y)
    tables = compile_tables(model.booster_, 3)
    assert tables is not None
    parts, base = tables.contributions(x)
    assert not parts.any()
    np.testing.assert_allclose(base, model.booster_.predict(x, raw_score=True), atol=1e-12)


def test_freed_memory_is_kept_where_the_c_library_allows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from defasagem.api import server  # noqa: PLC0415

    assert server.keep_freed_memory() is True  # glibc: the machines we deploy on
    monkeypatch.setattr(ctypes.util, "find_library", lambda _name: "/nao/existe.so")
    assert server.keep_freed_memory() is False
