"""Candidate models: each a single scikit-learn Pipeline, preprocessing included, so the saved
artifact is the exact transform applied at scoring time (DESIGN §5)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from defasagem.errors import DefasagemError
from defasagem.features import RISK_DIRECTION
from defasagem.toml_files import read_toml

KINDS = ("logistic", "lightgbm")
# The structural blend (issue 15): a weight grid over the best setting of a direct candidate.
STRUCTURAL = "structural"
# A structural weight learned by stacking the out-of-fold log-odds (see structural.py).
LEARNED = "aprendido"


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
    # The promotion sub-model's LightGBM parameters ([promotion]; issue 15), if configured.
    promotion: dict[str, Any] | None = None


# Keys a configuration may hold, per table; anything else is most likely a typo.
_KEYS = {
    "": {"seed", "evaluation", "threshold", "candidates", "promotion"},
    "evaluation": {"n_boot"},
    "threshold": {"policy", "share", "medium_share"},
}
# Parameters the code sets itself (seed, threads, determinism, constraints): not configurable.
_FIXED = {
    "logistic": {"max_iter", "random_state"},
    "lightgbm": {
        "random_state", "n_jobs", "deterministic", "force_row_wise", "verbose",
        "monotone_constraints", "monotone_constraints_method",
    },
}  # fmt: skip


def load_config(path: Path) -> TrainingConfig:
    """Read and check the training configuration; errors name the file and the key (pt-BR).

    Every hyperparameter setting is also tried on a few rows of dummy data, so a bad value
    fails here, in seconds, and not after the data has been read.
    """
    data = read_toml(path, "arquivo de configuração")
    try:
        for table, allowed in _KEYS.items():
            section = data if not table else data[table]
            unknown = sorted(set(section) - allowed)
            if unknown:
                where = f"[{table}]" if table else "o arquivo"
                raise DefasagemError(f"{path}: chave desconhecida em {where}: {unknown[0]}.")
        candidates = tuple(_candidate(c) for c in data["candidates"])
        promotion = _promotion(data["promotion"]) if "promotion" in data else None
        _check_structural(candidates, promotion)
        config = TrainingConfig(
            seed=_integer(data["seed"], "seed"),
            n_boot=_integer(data["evaluation"]["n_boot"], "n_boot"),
            threshold_policy=str(data["threshold"]["policy"]),
            threshold_share=_real(data["threshold"]["share"], "share"),
            medium_share=_real(data["threshold"]["medium_share"], "medium_share"),
            candidates=candidates,
            promotion=promotion,
        )
    except KeyError as exc:
        raise DefasagemError(f"{path}: falta a chave {exc}.") from None
    except (TypeError, ValueError) as exc:
        raise DefasagemError(f"{path}: {exc}.") from None
    if config.threshold_policy != "capacity" or not (
        0 < config.threshold_share < config.medium_share < 1
    ):
        raise DefasagemError(
            f'{path}: [threshold] deve ter policy = "capacity" e 0 < share < medium_share < 1.'
        )
    if not config.candidates or config.n_boot < 100:
        raise DefasagemError(f"{path}: é preciso ao menos um candidato e n_boot ≥ 100.")
    names = [c.name for c in config.candidates]
    if len(set(names)) < len(names):
        raise DefasagemError(f"{path}: dois candidatos com o mesmo name.")
    for candidate in config.candidates:
        if candidate.kind == STRUCTURAL:
            continue  # its weights are checked above; its base is one of these candidates
        for params in candidate.settings():
            _try_setting(path, candidate, params, config.seed)
    if config.promotion is not None:
        sub_model = Candidate("promotion", "lightgbm")
        _try_setting(path, sub_model, config.promotion, config.seed)
    return config


def _promotion(data: dict[str, Any]) -> dict[str, Any]:
    """[promotion]: one LightGBM setting (no grid: the sub-model is not searched)."""
    if not isinstance(data, dict):
        raise ValueError("[promotion] deve ser uma tabela de parâmetros do LightGBM")
    grids = sorted(k for k, v in data.items() if isinstance(v, list))
    if grids:
        raise ValueError(f"[promotion]: {grids[0]} deve ser um valor, não uma lista")
    _candidate({"name": "promotion", "kind": "lightgbm", **data})
    return dict(data)


def _integer(value: object, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} deve ser um número inteiro (recebido {value!r})")
    return value


def _real(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} deve ser um número (recebido {value!r})")
    return float(value)


def _candidate(data: dict[str, Any]) -> Candidate:
    kind = str(data["kind"])
    name = str(data["name"])
    if kind == STRUCTURAL:
        return _structural(name, data)
    if kind not in KINDS:
        shown = ", ".join((*KINDS, STRUCTURAL))
        raise ValueError(f"tipo de modelo desconhecido: {kind!r} (use {shown})")
    grid = {
        key: value if isinstance(value, list) else [value]
        for key, value in data.items()
        if key not in ("name", "kind")
    }
    empty = [key for key, values in grid.items() if not values]
    if empty:
        raise ValueError(f"candidato {name!r}: a lista de {empty[0]} está vazia")
    known = _estimator(kind).get_params()
    for key in grid:
        if key in _FIXED[kind]:
            raise ValueError(f"candidato {name!r}: {key} é fixado pelo programa, não configurável")
        if key not in known:
            raise ValueError(f"candidato {name!r}: parâmetro desconhecido para {kind}: {key}")
    return Candidate(name=name, kind=kind, grid=grid)


def _structural(name: str, data: dict[str, Any]) -> Candidate:
    """A structural candidate: ``weight`` (numbers in [0, 1] or "aprendido") and ``base``, the name
    of the direct candidate whose best setting it blends with."""
    unknown = sorted(set(data) - {"name", "kind", "weight", "base"})
    if unknown:
        raise ValueError(f"candidato {name!r}: chave desconhecida para structural: {unknown[0]}")
    weights = data["weight"] if isinstance(data["weight"], list) else [data["weight"]]
    if not weights:
        raise ValueError(f"candidato {name!r}: a lista de weight está vazia")
    for weight in weights:
        if weight == LEARNED:
            continue
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            raise ValueError(
                f"candidato {name!r}: weight deve estar entre 0 e 1, ou {LEARNED!r} "
                f"(recebido {weight!r})"
            )
    if not isinstance(data["base"], str):
        raise ValueError(f"candidato {name!r}: base deve ser o nome de um candidato")
    return Candidate(
        name=name,
        kind=STRUCTURAL,
        grid={
            "weight": [w if w == LEARNED else float(w) for w in weights],
            "base": [data["base"]],
        },
    )


def _check_structural(candidates: tuple[Candidate, ...], promotion: dict[str, Any] | None) -> None:
    """A structural candidate needs [promotion] and a direct candidate listed before it."""
    for index, candidate in enumerate(candidates):
        if candidate.kind != STRUCTURAL:
            continue
        if promotion is None:
            raise ValueError(
                f"candidato {candidate.name!r}: structural precisa da tabela [promotion]"
            )
        base = candidate.grid["base"][0]
        earlier = {c.name for c in candidates[:index] if c.kind in KINDS}
        if base not in earlier:
            raise ValueError(
                f"candidato {candidate.name!r}: base {base!r} não é um candidato direto "
                "(logistic ou lightgbm) listado antes dele"
            )


def _estimator(kind: str) -> Any:
    return LogisticRegression() if kind == "logistic" else LGBMClassifier()


def _try_setting(path: Path, candidate: Candidate, params: dict[str, Any], seed: int) -> None:
    """Fit the setting on 40 rows of noise: the estimators validate values only when fitting."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "b": rng.normal(size=40)})
    target = np.tile([0, 1], 20)
    try:
        pipeline = build_pipeline(
            candidate.kind, params, numeric=["a", "b"], categorical=[], seed=seed
        )
        pipeline.fit(frame, target)
    except Exception:  # any rejection by the estimator: name the setting, not its internals
        shown = ", ".join(f"{k}={v!r}" for k, v in sorted(params.items()))
        raise DefasagemError(
            f"{path}: candidato {candidate.name!r}: o modelo {candidate.kind} recusa um destes "
            f"valores: {shown}."
        ) from None


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
