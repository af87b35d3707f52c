"""The shipped model: one scikit-learn Pipeline plus a Platt calibration fit on training years.

Calibration is fit on *out-of-fold* scores of the training pairs (folds grouped by student), so
the probabilities shown to coordinators are not the over-confident in-sample ones. The same
out-of-fold probabilities fix the capacity threshold and the risk bands, and form the drift
reference. Contributions are exact: the linear terms of a logistic regression, or LightGBM's
own TreeSHAP values, both in the log-odds the calibration is applied to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from defasagem.errors import DefasagemError
from defasagem.features import CATEGORICAL, FEATURES, LABEL, NUMERIC

Array = npt.NDArray[np.float64]
Rows = npt.NDArray[np.intp]
PipelineFactory = Callable[[list[str], list[str]], Pipeline]

FOLDS = 5


def usable_columns(pairs: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Numeric and categorical features observed at least once in the training pairs (a
    column never measured, like the birth dates and gender of 2021, has nothing to teach)."""
    numeric = [c for c in NUMERIC if pairs[c].notna().any()]
    categorical = [c for c in CATEGORICAL if pairs[c].notna().any()]
    return numeric, categorical


def feature_frame(pairs: pd.DataFrame) -> pd.DataFrame:
    """Exactly the model's input columns, in order (what the pipeline is fit and applied on).

    Category columns become object columns with NaN for missing, whatever they arrived as
    (all-null floats, ``pd.NA`` strings): the encoders see one kind of "missing".
    """
    frame = pairs.loc[:, list(FEATURES)].copy()
    for name in CATEGORICAL:
        values = frame[name].astype("object")
        frame[name] = values.where(frame[name].notna(), np.nan)
    return frame


def margin(pipeline: Pipeline, features: pd.DataFrame) -> Array:
    """The model's log-odds, unclipped: the logistic regression's decision function, the
    trees' raw score (the quantity their contributions add up to)."""
    frame = feature_frame(features)
    if isinstance(pipeline[-1], LogisticRegression):
        return np.asarray(pipeline.decision_function(frame), dtype=np.float64)
    matrix = pipeline[:-1].transform(frame)
    return np.asarray(pipeline[-1].predict(matrix, raw_score=True), dtype=np.float64)


def grouped_folds(groups: pd.Series, seed: int) -> list[tuple[Rows, Rows]]:
    """Folds that keep every row of a student on the same side."""
    n_splits = min(FOLDS, int(groups.nunique()))
    if n_splits < 2:
        raise DefasagemError("são necessários ao menos dois alunos para validar o modelo.")
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(groups)), groups=groups))


def out_of_fold_margins(
    make: PipelineFactory,
    pairs: pd.DataFrame,
    seed: int,
    target: npt.NDArray[np.int64] | None = None,
) -> Array:
    """Log-odds of every training pair from a model that did not see that student.

    ``target`` replaces the lag label (the promotion sub-model learns the phases gained).
    """
    labels = pairs[LABEL].to_numpy() if target is None else target
    out = np.zeros(len(pairs), dtype=np.float64)
    for fit_rows, held_rows in grouped_folds(pairs["ra"], seed):
        train = pairs.iloc[fit_rows]
        pipeline = make(*usable_columns(train))
        pipeline.fit(feature_frame(train), labels[fit_rows])
        out[held_rows] = margin(pipeline, pairs.iloc[held_rows])
    return out


@dataclass
class CalibratedModel:
    """A fitted pipeline and the Platt map from its log-odds to a calibrated probability."""

    pipeline: Pipeline
    slope: float
    intercept: float
    numeric: list[str]
    categorical: list[str]

    def log_odds(self, features: pd.DataFrame) -> Array:
        """Calibrated log-odds."""
        return self.slope * margin(self.pipeline, features) + self.intercept

    def predict_proba(self, features: pd.DataFrame) -> Array:
        """Calibrated probability of lagging next year, in [0, 1]."""
        return np.asarray(expit(self.log_odds(features)), dtype=np.float64)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Each feature's exact share of the calibrated log-odds (rows × source features).

        The shares plus the ``base`` column add up to the calibrated log-odds, so a reason
        "IEG baixo aumenta o risco" is the model's own arithmetic, not a global ranking.
        """
        frame = pipeline_contributions(self.pipeline, features) * self.slope
        frame["base"] += self.intercept
        return frame


def pipeline_contributions(pipeline: Pipeline, features: pd.DataFrame) -> pd.DataFrame:
    """Each source feature's exact share of a pipeline's uncalibrated log-odds, plus ``base``
    (the linear terms of a logistic regression, or LightGBM's TreeSHAP values)."""
    transform = pipeline[:-1]
    estimator = pipeline[-1]
    matrix = np.asarray(transform.transform(feature_frame(features)), dtype=np.float64)
    if isinstance(estimator, LogisticRegression):
        parts = matrix * estimator.coef_[0]
        base = np.full(len(matrix), float(estimator.intercept_[0]))
    else:
        shap = np.asarray(estimator.predict(matrix, pred_contrib=True), dtype=np.float64)
        parts, base = shap[:, :-1], shap[:, -1]
    sources = [source_feature(n) for n in transform.get_feature_names_out()]
    frame = pd.DataFrame(parts, columns=sources, index=features.index)
    grouped = frame.T.groupby(level=0, sort=False).sum().T
    grouped["base"] = base
    return grouped


def source_feature(transformed: str) -> str:
    """The feature a transformed column comes from (``num__missingindicator_ida`` → ``ida``,
    ``cat__genero_Menina`` → ``genero``)."""
    block, _, name = transformed.partition("__")
    if block == "cat":
        # One-hot columns are "genero_Feminino"; an ordinal-encoded column keeps the name.
        for column in CATEGORICAL:
            if name == column or name.startswith(f"{column}_"):
                return column
        raise ValueError(f"coluna transformada desconhecida: {transformed}")
    return name.removeprefix("missingindicator_")


def platt(margins: Array, labels: npt.ArrayLike) -> tuple[float, float]:
    """Slope and intercept of the logistic map from ``margins`` to the labels (Platt)."""
    fit = LogisticRegression(C=1e6).fit(margins.reshape(-1, 1), np.asarray(labels))
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def fit_calibrated(
    make: PipelineFactory, pairs: pd.DataFrame, seed: int
) -> tuple[CalibratedModel, Array]:
    """Fit on all ``pairs`` and calibrate on their out-of-fold scores.

    Returns the model and the *uncalibrated* out-of-fold log-odds of the training pairs (the
    calibrated probabilities are ``expit(slope · oof + intercept)``).
    """
    oof = out_of_fold_margins(make, pairs, seed)
    slope, intercept = platt(oof, pairs[LABEL])
    numeric, categorical = usable_columns(pairs)
    pipeline = make(numeric, categorical).fit(feature_frame(pairs), pairs[LABEL])
    return CalibratedModel(pipeline, slope, intercept, numeric, categorical), oof
