"""Training configuration and candidate pipelines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from defasagem.errors import DefasagemError
from defasagem.modeling.candidates import build_pipeline, load_config

CONFIG = Path(__file__).parents[2] / "configs" / "training.toml"


def test_the_shipped_config_loads() -> None:
    config = load_config(CONFIG)
    assert config.threshold_policy == "capacity"
    assert 0 < config.threshold_share < 1
    kinds = {c.kind for c in config.candidates}
    assert kinds == {"logistic", "lightgbm", "structural"}
    logistic = next(c for c in config.candidates if c.kind == "logistic")
    assert [s["C"] for s in logistic.settings()] == logistic.grid["C"]


BASE = (
    'seed = 1\n[evaluation]\nn_boot = 500\n[threshold]\npolicy = "capacity"\nshare = 0.2\n'
    "medium_share = 0.5\n"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + '[[candidates]]\nname = "a"\nkind = "logistic"\nC = ["a"]\n', "recusa um destes"),
        (BASE + '[[candidates]]\nname = "a"\nkind = "logistic"\nC = [-1]\n', "C=-1"),
        (
            BASE + '[[candidates]]\nname = "b"\nkind = "lightgbm"\nlearning_rate = -0.1\n',
            "o modelo lightgbm recusa",
        ),
        (BASE + '[[candidates]]\nname = "b"\nkind = "lightgbm"\nnum_leave = 4\n', "num_leave"),
        (BASE + '[[candidates]]\nname = "a"\nkind = "logistic"\nC = []\n', "está vazia"),
        (BASE + '[[candidates]]\nname = "a"\nkind = "logistic"\nrandom_state = 1\n', "fixado"),
        ("candidates = []\n" + BASE.replace("n_boot = 500", "n_bot = 5"), "n_bot"),
        ("candidates = []\n" + BASE.replace("seed = 1", 'seed = "abc"'), "seed deve ser"),
        ("candidates = []\n" + BASE.replace("share = 0.2", "share = true"), "share deve ser"),
        (
            BASE + '[[candidates]]\nname = "a"\nkind = "logistic"\n'
            '[[candidates]]\nname = "a"\nkind = "logistic"\n',
            "mesmo name",
        ),
    ],
)
def test_bad_hyperparameters_fail_before_any_data_is_read(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefasagemError, match=message) as error:
        load_config(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed = ", "TOML inválido"),
        ("seed = 1", "falta a chave"),
        (
            'seed = 1\n[evaluation]\nn_boot = 500\n[threshold]\npolicy = "capacity"\nshare = 2\n'
            'medium_share = 0.5\n[[candidates]]\nname = "a"\nkind = "logistic"\n',
            "0 < share < medium_share < 1",
        ),
        (
            'seed = 1\n[evaluation]\nn_boot = 500\n[threshold]\npolicy = "capacity"\nshare = 0.2\n'
            'medium_share = 0.5\n[[candidates]]\nname = "a"\nkind = "rede_neural"\n',
            "tipo de modelo desconhecido",
        ),
        (
            "seed = 1\ncandidates = []\n[evaluation]\nn_boot = 5\n"
            '[threshold]\npolicy = "capacity"\nshare = 0.2\nmedium_share = 0.5\n',
            "ao menos um candidato",
        ),
    ],
)
def test_bad_configs_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefasagemError, match=message):
        load_config(path)
    with pytest.raises(DefasagemError, match="não encontrado"):
        load_config(tmp_path / "nada.toml")


@pytest.mark.parametrize(
    ("kind", "params"),
    [("logistic", {"C": 1.0}), ("lightgbm", {"n_estimators": 30, "num_leaves": 4})],
)
def test_pipelines_handle_missing_values_and_unseen_categories(
    kind: str, params: dict[str, float]
) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=200),
            "z": np.where(rng.random(200) < 0.3, np.nan, rng.normal(size=200)),
            "g": rng.choice(np.array(["a", "b", None], dtype=object), size=200),
        }
    )
    y = (frame["x"] + rng.normal(0, 0.5, 200) > 0).astype(int)
    pipeline = build_pipeline(kind, params, numeric=["x", "z"], categorical=["g"], seed=0)
    pipeline.fit(frame, y)
    unseen = frame.head(3).assign(g="nunca visto", z=np.nan)
    probabilities = pipeline.predict_proba(unseen)[:, 1]
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    again = build_pipeline(kind, params, numeric=["x", "z"], categorical=["g"], seed=0)
    np.testing.assert_allclose(
        again.fit(frame, y).predict_proba(frame), pipeline.predict_proba(frame)
    )


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(DefasagemError, match="tipo de modelo desconhecido"):
        build_pipeline("svm", {}, numeric=["x"], categorical=[], seed=0)
