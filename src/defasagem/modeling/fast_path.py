"""The fitted Pipeline, re-expressed as plain NumPy over one feature row: no DataFrame.

scikit-learn's ColumnTransformer selects columns by name, so it needs a DataFrame even for one
student, and building one costs far more than the model itself. This module reads the fitted
parameters once (imputer statistics, scaler, encoders, coefficients or the LightGBM booster) and
applies the same arithmetic to a vector. A test checks it gives the Pipeline's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from defasagem.modeling.model import CalibratedModel

Array = npt.NDArray[np.float64]
Value = float | str | None


@dataclass(frozen=True)
class _Numeric:
    """The numeric block: passthrough, or median imputation + missing flags, then scaling of
    both (the scaler comes after the imputer, so it scales the flags too)."""

    names: tuple[str, ...]
    medians: Array | None = None
    flagged: tuple[int, ...] = ()
    mean: Array | None = None
    scale: Array | None = None

    def encode(self, row: Mapping[str, Value]) -> list[float]:
        values = np.array([_number(row.get(n)) for n in self.names], dtype=np.float64)
        if self.medians is None:
            return [float(v) for v in values]
        missing = np.isnan(values)
        filled = np.concatenate(
            [np.where(missing, self.medians, values), missing[list(self.flagged)].astype(float)]
        )
        assert self.mean is not None
        assert self.scale is not None
        return [float(v) for v in (filled - self.mean) / self.scale]


@dataclass(frozen=True)
class _Categorical:
    """The category block: ordinal codes (trees) or one-hot columns (linear)."""

    names: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    one_hot: bool
    fill: str = "ausente"

    def encode(self, row: Mapping[str, Value]) -> list[float]:
        out: list[float] = []
        for name, known in zip(self.names, self.categories, strict=True):
            value = row.get(name)
            absent = value is None or (isinstance(value, float) and math.isnan(value))
            text = None if absent else str(value)
            if self.one_hot:
                seen = self.fill if text is None else text
                out.extend(1.0 if seen == c else 0.0 for c in known)
            else:
                out.append(float(known.index(text)) if text in known else math.nan)
        return out


@dataclass(frozen=True)
class FastModel:
    """One-row scoring with the exact arithmetic of a fitted :class:`CalibratedModel`."""

    numeric: _Numeric
    categorical: _Categorical
    estimator: Any
    slope: float
    intercept: float
    columns: tuple[str, ...]

    @classmethod
    def compile(cls, model: CalibratedModel) -> FastModel:
        """Read the fitted parameters out of the pipeline."""
        pipeline: Pipeline = model.pipeline
        transformer = pipeline[0]
        numeric = _compile_numeric(transformer.named_transformers_["num"], model.numeric)
        categorical = _compile_categorical(
            transformer.named_transformers_["cat"], model.categorical
        )
        sources = tuple(_source(n) for n in transformer.get_feature_names_out())
        return cls(numeric, categorical, pipeline[-1], model.slope, model.intercept, sources)

    def vector(self, row: Mapping[str, Value]) -> Array:
        """The transformed row, as the pipeline's transform would give it."""
        return np.array(
            [[*self.numeric.encode(row), *self.categorical.encode(row)]], dtype=np.float64
        )

    def score(self, row: Mapping[str, Value]) -> tuple[float, dict[str, float]]:
        """Calibrated probability and each feature's share of the calibrated log-odds."""
        x = self.vector(row)
        if isinstance(self.estimator, LogisticRegression):
            parts = x[0] * self.estimator.coef_[0]
            base = float(self.estimator.intercept_[0])
        else:
            shap = np.asarray(self.estimator.predict(x, pred_contrib=True), dtype=np.float64)[0]
            parts, base = shap[:-1], float(shap[-1])
        contributions: dict[str, float] = {}
        for source, part in zip(self.columns, parts, strict=True):
            contributions[source] = contributions.get(source, 0.0) + float(part) * self.slope
        log_odds = self.slope * (base + float(parts.sum())) + self.intercept
        return float(expit(log_odds)), contributions


def _number(value: Value) -> float:
    return math.nan if value is None or isinstance(value, str) else float(value)


def _source(transformed: str) -> str:
    from defasagem.modeling.model import source_feature  # noqa: PLC0415 - avoid a cycle

    return source_feature(transformed)


def _compile_numeric(step: Any, names: list[str]) -> _Numeric:
    if not isinstance(step, Pipeline):  # "passthrough" (fitted as an identity transformer)
        return _Numeric(tuple(names))
    imputer, scaler = step[0], step[1]
    indicator = imputer.indicator_
    flagged = tuple(int(i) for i in indicator.features_) if indicator is not None else ()
    return _Numeric(
        tuple(names),
        np.asarray(imputer.statistics_, dtype=np.float64),
        flagged,
        np.asarray(scaler.mean_, dtype=np.float64),
        np.asarray(scaler.scale_, dtype=np.float64),
    )


def _compile_categorical(step: Any, names: list[str]) -> _Categorical:
    if isinstance(step, OrdinalEncoder):
        return _Categorical(tuple(names), _categories(step), one_hot=False)
    encoder: OneHotEncoder = step[-1]
    return _Categorical(tuple(names), _categories(encoder), one_hot=True)


def _categories(encoder: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(c) for c in known) for known in encoder.categories_)
