"""The promotion sub-model (issue 15): how many phases a student gains next year.

The label splits into two parts: y = 1 exactly when ``Fase(t) + gain < Fase Ideal(t+1)``.
Next year's Fase Ideal is arithmetic on the birth date and the NGO's rule (``ideal_phase.py``);
the gain, ``Fase(t+1) − Fase(t)``, is a fact about the student recorded in every year of every
file, 2020–2021 rows without birth dates included, and it does not depend on the rule. A model
of the gain therefore learns from a clean target on every transition, where a model of y
learns each change of the rule as noise.

The sub-model is ordinal (cumulative logit): one gradient-boosted score η(x) for
P(gain ≥ 1), and thresholds θ_k so that ``logit P(gain ≥ k) = η(x) − θ_k`` (θ_1 ≈ 0). The lag
risk of a student whose next-year Fase Ideal is d phases ahead of the current Fase is then

    logit P(lag) = logit P(gain < d) = θ_d − η(x)        (d clipped to 0…3)

which is linear in η: the exact contributions of η's features (LightGBM's TreeSHAP) negated,
plus θ_d for the distance. Reasons stay exact and speak in indicators.

The thresholds are fit on *out-of-fold* η of the training pairs (folds by student), so they
are not read off the over-confident in-sample scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import minimize_scalar
from sklearn.pipeline import Pipeline

from defasagem.errors import DefasagemError
from defasagem.features import RISK_DIRECTION
from defasagem.modeling.candidates import build_pipeline
from defasagem.modeling.model import feature_frame, margin, out_of_fold_margins, usable_columns

Array = npt.NDArray[np.float64]

GAIN = "fases_ganhas"
DISTANCE = "distancia_fase_ideal_proxima"
# Gains of 3 or more phases in one year are a handful in every file: one threshold holds them.
MAX_GAIN = 3
# A threshold beyond this many log-odds is "never" (e.g. no demotion in the training pairs).
THRESHOLD_BOUND = 12.0


def phases_gained(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """``Fase(t+1) − Fase(t)`` of every pair (NaN where t+1 records no Fase).

    Kept apart from :func:`defasagem.features.build_pairs`, whose only t+1 value is the label.
    """
    following = table.loc[:, ["ra", "ano", "fase"]].copy()
    following["ano"] = following["ano"].astype("int64") - 1
    merged = pairs.loc[:, ["ra", "ano"]].merge(
        following.rename(columns={"fase": "fase_seguinte"}), on=["ra", "ano"], how="left"
    )
    gain = merged["fase_seguinte"].astype("float64") - pairs["fase"].astype("float64").to_numpy()
    return pd.Series(gain.to_numpy(), index=pairs.index, name=GAIN)


def promotion_pipeline(
    params: dict[str, Any], numeric: list[str], categorical: list[str], seed: int
) -> Pipeline:
    """A LightGBM pipeline for P(gain ≥ 1), held to the pedagogic directions reversed: a
    higher indicator never lowers the chance of advancing."""
    pipeline = build_pipeline(
        "lightgbm", params, numeric=numeric, categorical=categorical, seed=seed
    )
    directions = [-RISK_DIRECTION.get(c, 0) for c in (*numeric, *categorical)]
    pipeline[-1].set_params(monotone_constraints=directions)
    return pipeline


def fit_threshold(eta: Array, reached: npt.NDArray[np.bool_]) -> float:
    """θ maximizing the likelihood of ``reached`` under ``P = σ(η − θ)`` (η held fixed)."""

    def loss(theta: float) -> float:
        z = eta - theta
        # −log σ(z) = log(1 + e^−z); −log(1 − σ(z)) = log(1 + e^z)
        return float(np.where(reached, np.logaddexp(0, -z), np.logaddexp(0, z)).sum())

    found = minimize_scalar(
        loss, bounds=(-THRESHOLD_BOUND, THRESHOLD_BOUND), method="bounded", options={"xatol": 1e-9}
    )
    return float(found.x)


def fit_thresholds(eta: Array, gain: Array) -> tuple[float, ...]:
    """θ_0…θ_MAX_GAIN, non-decreasing: P(gain ≥ k) never rises with k.

    θ_1 is fit too (near 0): out-of-fold η is a little off in the mean, and the fit corrects it.
    """
    values = [fit_threshold(eta, gain >= k) for k in range(MAX_GAIN + 1)]
    return tuple(float(v) for v in np.maximum.accumulate(values))


@dataclass
class PromotionModel:
    """A fitted promotion pipeline and its ordinal thresholds."""

    pipeline: Pipeline
    thresholds: tuple[float, ...]
    numeric: list[str]
    categorical: list[str]

    def promotion_log_odds(self, features: pd.DataFrame) -> Array:
        """η(x): the log-odds of advancing at least one phase next year."""
        return margin(self.pipeline, features)

    def lag_log_odds(self, features: pd.DataFrame) -> Array:
        """``θ_d − η(x)``: log-odds of lagging next year; NaN where the distance to next
        year's Fase Ideal is unknown (no birth date)."""
        return self.distance_term(features) - self.promotion_log_odds(features)

    def distance_term(self, features: pd.DataFrame) -> Array:
        """θ_d for each row (NaN without a distance)."""
        distance = features[DISTANCE].to_numpy(dtype=np.float64, na_value=np.nan)
        known = ~np.isnan(distance)
        out = np.full(len(distance), np.nan)
        steps = np.clip(distance[known], 0, MAX_GAIN).astype(np.int64)
        out[known] = np.asarray(self.thresholds)[steps]
        return out


def training_rows(pairs: pd.DataFrame, gain: pd.Series) -> tuple[pd.DataFrame, Array]:
    """The pairs whose gain is recorded, and the gains."""
    known = gain.notna().to_numpy()
    if known.sum() < 2:
        raise DefasagemError("poucos pares com a Fase do ano seguinte para o modelo de promoção.")
    return pairs[known], gain.to_numpy(dtype=np.float64)[known]


def fit_promotion(
    params: dict[str, Any], pairs: pd.DataFrame, gain: pd.Series, seed: int
) -> tuple[PromotionModel, Array]:
    """Fit the promotion model on every pair with a recorded gain.

    Returns the model and the out-of-fold η of those pairs (what the thresholds were fit on).
    """
    rows, gains = training_rows(pairs, gain)
    advanced = (gains >= 1).astype(np.int64)

    def make(numeric: list[str], categorical: list[str]) -> Pipeline:
        return promotion_pipeline(params, numeric, categorical, seed)

    oof = out_of_fold_margins(make, rows, seed, target=advanced)
    thresholds = fit_thresholds(oof, gains)
    numeric, categorical = usable_columns(rows)
    pipeline = make(numeric, categorical).fit(feature_frame(rows), advanced)
    return PromotionModel(pipeline, thresholds, numeric, categorical), oof
