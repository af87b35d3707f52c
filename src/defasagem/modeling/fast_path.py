"""The fitted Pipeline, re-expressed as plain NumPy over one feature row: no DataFrame.

scikit-learn's ColumnTransformer selects columns by name, so it needs a DataFrame even for one
student, and building one costs far more than the model itself. This module reads the fitted
parameters once (imputer statistics, scaler, encoders, coefficients or the LightGBM booster) and
applies the same arithmetic to a vector. A test checks it gives the Pipeline's numbers.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from defasagem.modeling.model import CalibratedModel, source_feature
from defasagem.modeling.promotion import DISTANCE, MAX_GAIN
from defasagem.modeling.shap_tables import ShapTables, compile_tables
from defasagem.modeling.structural import USUAL_STEP, StructuralModel

Array = npt.NDArray[np.float64]
Value = float | str | None
# Feature name → its values for every row (an array of numbers, or a list of any values).
Columns = Mapping[str, Sequence[Any] | Array]


@dataclass(frozen=True)
class _Numeric:
    """The numeric block: passthrough, or median imputation + missing flags, then scaling of
    both (the scaler comes after the imputer, so it scales the flags too)."""

    names: tuple[str, ...]
    medians: Array | None = None
    flagged: tuple[int, ...] = ()
    mean: Array | None = None
    scale: Array | None = None

    def encode(self, values: Array) -> Array:
        """The block's columns for many rows (``values``: rows × :attr:`names`)."""
        if self.medians is None:
            return values
        missing = np.isnan(values)
        filled = np.hstack(
            [np.where(missing, self.medians, values), missing[:, list(self.flagged)]]
        )
        assert self.mean is not None
        assert self.scale is not None
        return np.asarray((filled - self.mean) / self.scale, dtype=np.float64)


@dataclass(frozen=True)
class _Categorical:
    """The category block: ordinal codes (trees) or one-hot columns (linear)."""

    names: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    one_hot: bool
    fill: str = "ausente"

    @functools.cached_property
    def _codes(self) -> tuple[dict[str, int], ...]:
        # Built once per model, not per request.
        return tuple({c: i for i, c in enumerate(known)} for known in self.categories)

    @functools.cached_property
    def _one_hot_rows(self) -> tuple[Array, ...]:
        # An unseen category (or a missing one, when "ausente" was never seen) is the extra
        # all-zero row: OneHotEncoder's handle_unknown="ignore".
        return tuple(
            np.vstack([np.eye(len(known)), np.zeros((1, len(known)))]) for known in self.categories
        )

    def encode(self, columns: Columns, n: int) -> Array:
        """The block's columns for ``n`` rows: one dict lookup per value."""
        blocks = [np.zeros((n, 0))]
        for i, (name, known) in enumerate(zip(self.names, self.categories, strict=True)):
            texts = [_text(value) for value in columns.get(name, [None] * n)]
            codes = self._codes[i]
            if self.one_hot:
                picks = [codes.get(self.fill if t is None else t, len(known)) for t in texts]
                blocks.append(self._one_hot_rows[i][picks].reshape(len(texts), len(known)))
            else:
                picks_f = [float(codes[t]) if t in codes else math.nan for t in texts]
                blocks.append(np.array(picks_f, dtype=np.float64).reshape(len(texts), 1))
        return np.hstack(blocks)


class _Scorer:
    """What both fast scorers share: one student's score from the batch arithmetic."""

    sources: tuple[str, ...]

    def rows_matrix(self, rows: Sequence[Mapping[str, Value]]) -> Array:
        raise NotImplementedError

    def score_matrix(self, matrix: Array) -> tuple[Array, Array]:
        raise NotImplementedError

    def score(self, row: Mapping[str, Value]) -> tuple[float, dict[str, float]]:
        """Calibrated probability and each feature's share of the calibrated log-odds."""
        probabilities, parts = self.score_matrix(self.rows_matrix([row]))
        return float(probabilities[0]), dict(zip(self.sources, parts[0].tolist(), strict=True))


@dataclass(frozen=True)
class FastModel(_Scorer):
    """One-row scoring with the exact arithmetic of a fitted :class:`CalibratedModel`."""

    numeric: _Numeric
    categorical: _Categorical
    estimator: Any
    slope: float
    intercept: float
    columns: tuple[str, ...]
    # The features contributions are reported for, and the 0/1 matrix that adds encoded
    # columns (one-hot, missing flags) into them: fixed at compile time, not per request.
    sources: tuple[str, ...]
    fold: Array
    # LightGBM's TreeSHAP as lookup tables, when the trees are small enough (see shap_tables).
    tables: ShapTables | None = None

    @classmethod
    def compile(cls, model: CalibratedModel) -> FastModel:
        """Read the fitted parameters out of the pipeline."""
        pipeline: Pipeline = model.pipeline
        transformer = pipeline[0]
        numeric = _compile_numeric(transformer.named_transformers_["num"], model.numeric)
        categorical = _compile_categorical(
            transformer.named_transformers_["cat"], model.categorical
        )
        columns = tuple(source_feature(n) for n in transformer.get_feature_names_out())
        sources = tuple(dict.fromkeys(columns))
        fold = _fold(columns, sources)
        estimator = pipeline[-1]
        tables = (
            None
            if isinstance(estimator, LogisticRegression)
            else compile_tables(estimator.booster_, len(columns))
        )
        return cls(
            numeric,
            categorical,
            estimator,
            model.slope,
            model.intercept,
            columns,
            sources,
            fold,
            tables,
        )

    def rows_matrix(self, rows: Sequence[Mapping[str, Value]]) -> Array:
        """The transformed rows (n × :attr:`columns`) of feature rows (few rows: one student)."""
        names = self.numeric.names
        numbers = np.array(
            [[_number(row.get(name)) for name in names] for row in rows], dtype=np.float64
        ).reshape(len(rows), len(names))
        categories = {name: [row.get(name) for row in rows] for name in self.categorical.names}
        return self._matrix(numbers, categories)

    def columns_matrix(self, columns: Columns) -> Array:
        """The transformed rows (n × :attr:`columns`) of feature columns (a batch)."""
        n = len(next(iter(columns.values()))) if columns else 0
        numbers = np.column_stack(
            [
                np.zeros((n, 0)),
                *(np.asarray(columns[name], np.float64) for name in self.numeric.names),
            ]
        )
        return self._matrix(numbers, columns)

    def _matrix(self, numbers: Array, categories: Columns) -> Array:
        n = len(numbers)
        return np.hstack([self.numeric.encode(numbers), self.categorical.encode(categories, n)])

    def score_matrix(self, matrix: Array) -> tuple[Array, Array]:
        """Probabilities (n) and contributions (n × :attr:`sources`) of transformed rows, with
        one pass through the model."""
        parts, base = self.raw_contributions(matrix)
        probabilities = expit(self.slope * (base + parts.sum(axis=1)) + self.intercept)
        return np.asarray(probabilities, dtype=np.float64), (parts @ self.fold) * self.slope

    def raw_contributions(self, matrix: Array) -> tuple[Array, Array]:
        """The uncalibrated contributions of every encoded column (n × :attr:`columns`) and
        the base value (n): they add up to the pipeline's log-odds."""
        if isinstance(self.estimator, LogisticRegression):
            parts = matrix * self.estimator.coef_[0]
            base = np.full(len(matrix), float(self.estimator.intercept_[0]))
        elif self.tables is not None:
            parts, base = self.tables.contributions(matrix)
        else:
            # The booster itself: the scikit-learn wrapper re-reads its parameters on every
            # call, which costs more than the trees for one student.
            shap = np.asarray(
                self.estimator.booster_.predict(matrix, pred_contrib=True), dtype=np.float64
            )
            parts, base = shap[:, :-1], shap[:, -1]
        return parts, base


@dataclass(frozen=True)
class FastStructural(_Scorer):
    """One-row scoring with the exact arithmetic of a fitted :class:`StructuralModel`.

    Its matrix holds the direct model's encoded columns, the promotion model's when they are
    encoded differently, and last the raw distance to next year's Fase Ideal.
    """

    direct: FastModel
    promotion: FastModel
    # Both sub-models read the same columns encoded the same way: one encoded block.
    shared: bool
    weight: float
    slope: float
    intercept: float
    thresholds: Array
    sources: tuple[str, ...]
    # 0/1 matrices from each sub-model's encoded columns to :attr:`sources` (composed once here,
    # not per request).
    direct_fold: Array
    promotion_fold: Array
    distance_source: int

    @classmethod
    def compile(cls, model: StructuralModel) -> FastStructural:
        """Read the fitted parameters out of both pipelines."""
        direct = FastModel.compile(model.direct)
        promotion_model = model.promotion
        promotion = FastModel.compile(
            CalibratedModel(
                promotion_model.pipeline,
                1.0,
                0.0,
                promotion_model.numeric,
                promotion_model.categorical,
            )
        )
        # Passthrough numbers (trees) and the same category codes: the same encoded matrix.
        shared = (
            direct.numeric.medians is None
            and promotion.numeric.medians is None
            and direct.numeric.names == promotion.numeric.names
            and direct.categorical == promotion.categorical
        )
        sources = tuple(dict.fromkeys([*direct.sources, *promotion.sources, DISTANCE]))
        return cls(
            direct,
            promotion,
            shared,
            model.weight,
            model.slope,
            model.intercept,
            np.asarray(promotion_model.thresholds, dtype=np.float64),
            sources,
            direct.fold @ _fold(direct.sources, sources),
            promotion.fold @ _fold(promotion.sources, sources),
            sources.index(DISTANCE),
        )

    def rows_matrix(self, rows: Sequence[Mapping[str, Value]]) -> Array:
        """The encoded rows of feature rows (few rows: one student)."""
        distance = np.array([_number(row.get(DISTANCE)) for row in rows], dtype=np.float64)
        blocks = [self.direct.rows_matrix(rows)]
        if not self.shared:
            blocks.append(self.promotion.rows_matrix(rows))
        return np.hstack([*blocks, distance.reshape(-1, 1)])

    def columns_matrix(self, columns: Columns) -> Array:
        """The encoded rows of feature columns (a batch)."""
        blocks = [self.direct.columns_matrix(columns)]
        if not self.shared:
            blocks.append(self.promotion.columns_matrix(columns))
        distance = np.asarray(columns[DISTANCE], dtype=np.float64)
        return np.hstack([*blocks, distance.reshape(-1, 1)])

    def score_matrix(self, matrix: Array) -> tuple[Array, Array]:
        """Probabilities (n) and contributions (n × :attr:`sources`), as
        :meth:`StructuralModel.predict_proba` and :meth:`StructuralModel.contributions`."""
        width = len(self.direct.columns)
        direct_rows = matrix[:, :width]
        promotion_rows = (
            direct_rows if self.shared else matrix[:, width : width + len(self.promotion.columns)]
        )
        distance = matrix[:, -1]
        direct_parts, direct_base = self.direct.raw_contributions(direct_rows)
        promotion_parts, promotion_base = self.promotion.raw_contributions(promotion_rows)
        direct_sources = direct_parts @ self.direct_fold
        promotion_sources = promotion_parts @ self.promotion_fold
        known = ~np.isnan(distance)
        steps = np.clip(np.where(known, distance, USUAL_STEP), 0, MAX_GAIN).astype(np.int64)
        usual = self.thresholds[USUAL_STEP]
        w = self.weight
        blended = (1 - w) * direct_sources - w * promotion_sources
        blended[:, self.distance_source] += w * (self.thresholds[steps] - usual)
        blended_base = (1 - w) * direct_base - w * promotion_base + w * usual
        structural = self.slope * (blended_base + blended.sum(axis=1)) + self.intercept
        fallback = self.direct.slope * (direct_base + direct_parts.sum(axis=1))
        fallback += self.direct.intercept
        probabilities = expit(np.where(known, structural, fallback))
        parts = np.where(known[:, None], blended * self.slope, direct_sources * self.direct.slope)
        return np.asarray(probabilities, dtype=np.float64), parts


FastScorer = FastModel | FastStructural


def compile_scorer(model: CalibratedModel | StructuralModel) -> FastScorer:
    """The fast scorer of a shipped model."""
    if isinstance(model, StructuralModel):
        return FastStructural.compile(model)
    return FastModel.compile(model)


def _fold(names: Sequence[str], into: Sequence[str]) -> Array:
    """The 0/1 matrix adding columns ``names`` into the columns ``into``."""
    fold = np.zeros((len(names), len(into)))
    for row, name in enumerate(names):
        fold[row, list(into).index(name)] = 1.0
    return fold


def _number(value: Value) -> float:
    return math.nan if value is None or isinstance(value, str) else float(value)


def _text(value: Any) -> str | None:
    absent = value is None or (isinstance(value, float) and math.isnan(value))
    return None if absent else str(value)


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
