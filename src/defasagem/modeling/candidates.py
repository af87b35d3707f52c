"""Candidate models: each a single scikit-learn Pipeline, preprocessing included, so the saved
artifact is the exact transform applied at scoring time (DESIGN §5)."""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from defasagem.errors import DefasagemError
from defasagem.features import RISK_DIRECTION

KINDS = ("logistic", "lightgbm")


@dataclass(frozen=True)
class Candidate:
    """One model family and its grid of hyperparameters."""

    name: str
    kind: str
    grid: dict[str, list[Any]] = field(default_factory=dict)

    def settings(self) -> Iterator[dict[str, Any]]:
        """Every combination of the grid."""
        keys = sorted(self.grid)
        for values in itertools.product(*(self.grid[k] for k in keys)):
            yield dict(zip(keys, values, strict=True))


@dataclass(frozen=True)
class TrainingConfig:
    """configs/training.toml, checked."""

    seed: int
    n_boot: int
    threshold_policy: str
    threshold_share: float
    medium_share: float
    candidates: tuple[Candidate, ...]


def load_config(path: Path) -> TrainingConfig:
    """Read and check the training configuration; errors name the file and the key (pt-BR)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DefasagemError(f"{path}: arquivo de configuração não encontrado.") from None
    except tomllib.TOMLDecodeError as exc:
        raise DefasagemError(f"{path}: TOML inválido ({exc}).") from None
    try:
        candidates = tuple(_candidate(c) for c in data["candidates"])
        config = TrainingConfig(
            seed=int(data["seed"]),
            n_boot=int(data["evaluation"]["n_boot"]),
            threshold_policy=str(data["threshold"]["policy"]),
            threshold_share=float(data["threshold"]["share"]),
            medium_share=float(data["threshold"]["medium_share"]),
            candidates=candidates,
        )
    except KeyError as exc:
        raise DefasagemError(f"{path}: falta a chave {exc}.") from None
    except (TypeError, ValueError) as exc:
        raise DefasagemError(f"{path}: valor inválido ({exc}).") from None
    if config.threshold_policy != "capacity" or not (
        0 < config.threshold_share < config.medium_share < 1
    ):
        raise DefasagemError(
            f'{path}: [threshold] deve ter policy = "capacity" e 0 < share < medium_share < 1.'
        )
    if not config.candidates or config.n_boot < 100:
        raise DefasagemError(f"{path}: é preciso ao menos um candidato e n_boot ≥ 100.")
    return config


def _candidate(data: dict[str, Any]) -> Candidate:
    kind = str(data["kind"])
    if kind not in KINDS:
        raise ValueError(f"tipo de modelo desconhecido: {kind!r} (use {', '.join(KINDS)})")
    grid = {
        key: value if isinstance(value, list) else [value]
        for key, value in data.items()
        if key not in ("name", "kind")
    }
    return Candidate(name=str(data["name"]), kind=kind, grid=grid)


def build_pipeline(
    kind: str,
    params: dict[str, Any],
    *,
    numeric: Sequence[str],
    categorical: Sequence[str],
    seed: int,
) -> Pipeline:
    """A fresh, unfitted pipeline: preprocessing and classifier."""
    if kind == "logistic":
        categories: Any = make_pipeline(
            SimpleImputer(strategy="constant", fill_value="ausente"),
            OneHotEncoder(handle_unknown="ignore"),
        )
        # Missing indicators keep "not measured" apart from "measured as the median".
        numbers: Any = make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True), StandardScaler()
        )
        model: Any = LogisticRegression(max_iter=5000, random_state=seed, **params)
    elif kind == "lightgbm":
        numbers = "passthrough"  # the trees route missing values themselves
        # One column per category variable (unknown or missing → NaN, routed by the trees), so
        # each input column has a known place for the monotone constraints.
        categories = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=np.nan, encoded_missing_value=np.nan
        )
        constraints = [RISK_DIRECTION.get(c, 0) for c in (*numeric, *categorical)]
        # One thread and deterministic mode: the same seed gives the same model (and 2 cores
        # are better spent elsewhere than on oversubscribed OpenMP threads).
        model = LGBMClassifier(
            random_state=seed, n_jobs=1, deterministic=True, force_row_wise=True, verbose=-1,
            monotone_constraints=constraints, monotone_constraints_method="advanced", **params,
        )  # fmt: skip
    else:
        raise DefasagemError(f"tipo de modelo desconhecido: {kind!r}")
    features = ColumnTransformer(
        [("num", numbers, list(numeric)), ("cat", categories, list(categorical))],
        sparse_threshold=0,
    )
    return Pipeline([("features", features), ("model", model)])
