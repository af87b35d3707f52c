"""The structural lag model (issue 15): promotion, which the NGO's rule changes cannot confuse,
blended with the direct model of the label.

A student lags next year exactly when ``Fase(t) + gain < Fase Ideal(t+1)``. The promotion
sub-model (:mod:`defasagem.modeling.promotion`) gives the structural log-odds
``s(x) = θ_d − η(x)``, with d the distance to next year's Fase Ideal under the rule known at t.
The shipped score blends it with the direct model's log-odds ``m(x)`` and calibrates the blend:

    logit P(lag) = a · (w · s(x) + (1 − w) · m(x)) + b        where the distance is known
    logit P(lag) = the direct model's calibrated log-odds      where it is not (no birth date)

``w`` is chosen by temporal validation on training years; ``a``, ``b`` (Platt) are fit on the
*out-of-fold* blends of the training pairs, never on in-sample scores.

Reasons stay exact and speak in indicators: the blend is linear in η and m, so each feature's
share is ``a · (−w · φ_η + (1 − w) · φ_m)`` (both TreeSHAP or linear terms), and the distance
also takes ``a · w · (θ_d − θ_1)``: how far this student's step to next year's Fase Ideal is
from the usual single phase. Nothing is attributed to a derived column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from defasagem.errors import DefasagemError
from defasagem.features import FEATURES, LABEL
from defasagem.modeling.candidates import LEARNED
from defasagem.modeling.model import (
    CalibratedModel,
    PipelineFactory,
    fit_calibrated,
    margin,
    pipeline_contributions,
    platt,
)
from defasagem.modeling.promotion import (
    DISTANCE,
    GAIN,
    PromotionModel,
    fit_promotion,
)

Array = npt.NDArray[np.float64]

# The usual step: a student at the ideal phase today needs one phase to stay there next year.
USUAL_STEP = 1
# Fewer labelled pairs with a distance than this in either class: the blend is not calibrated.
MIN_CALIBRATION = 10


@dataclass
class StructuralModel:
    """The calibrated blend of the structural and the direct log-odds, with the direct model's
    own calibration where the distance to next year's Fase Ideal is unknown."""

    direct: CalibratedModel
    promotion: PromotionModel
    weight: float
    slope: float
    intercept: float

    @property
    def numeric(self) -> list[str]:
        """Numeric features either part reads, in the order of FEATURES."""
        used = {*self.direct.numeric, *self.promotion.numeric}
        return [name for name in FEATURES if name in used]

    @property
    def categorical(self) -> list[str]:
        """Category features either part reads, in the order of FEATURES."""
        used = {*self.direct.categorical, *self.promotion.categorical}
        return [name for name in FEATURES if name in used]

    def log_odds(self, features: pd.DataFrame) -> Array:
        """Calibrated log-odds of lagging next year (the direct model is run once, for the
        blend and for the fallback)."""
        direct = margin(self.direct.pipeline, features)
        blended = blend_margins(self.promotion.lag_log_odds(features), direct, self.weight)
        known = ~np.isnan(blended)
        out = self.direct.slope * direct + self.direct.intercept
        out[known] = self.slope * blended[known] + self.intercept
        return out

    def predict_proba(self, features: pd.DataFrame) -> Array:
        """Calibrated probability of lagging next year, in [0, 1]."""
        return np.asarray(expit(self.log_odds(features)), dtype=np.float64)

    def contributions(self, features: pd.DataFrame) -> pd.DataFrame:
        """Each indicator's exact share of the calibrated log-odds, plus ``base`` (see the
        module docstring); the shares add up to :meth:`log_odds`."""
        w, thresholds = self.weight, self.promotion.thresholds
        direct = pipeline_contributions(self.direct.pipeline, features)
        promotion = pipeline_contributions(self.promotion.pipeline, features)
        columns = list(dict.fromkeys([*direct.columns, *promotion.columns, DISTANCE]))
        columns.remove("base")
        columns.append("base")
        direct = direct.reindex(columns=columns, fill_value=0.0)
        promotion = promotion.reindex(columns=columns, fill_value=0.0)
        step = self.promotion.distance_term(features)
        known = ~np.isnan(step)
        blended = (1 - w) * direct - w * promotion
        blended[DISTANCE] += w * np.where(known, step - thresholds[USUAL_STEP], 0.0)
        blended["base"] += w * thresholds[USUAL_STEP]
        out = blended * self.slope
        out["base"] += self.intercept
        fallback = direct * self.direct.slope
        fallback["base"] += self.direct.intercept
        out[~known] = fallback[~known]
        return out


def blend_margins(structural: Array, direct: Array, weight: float) -> Array:
    """``w · s + (1 − w) · m`` (NaN where ``s`` is)."""
    return weight * structural + (1 - weight) * direct


class NotLearnableError(DefasagemError):
    """A learned weight without the labelled pairs to learn it from (never guessed)."""


@dataclass(frozen=True)
class StructuralParts:
    """What a structural fit needs, whatever the weight: both sub-models and their
    out-of-fold log-odds on the training pairs (NaN where a part has none)."""

    direct: CalibratedModel
    promotion: PromotionModel
    direct_oof: Array
    structural_oof: Array

    def with_weight(
        self, weight: float | str, labels: npt.ArrayLike
    ) -> tuple[StructuralModel, Array]:
        """The model of this weight, calibrated on the out-of-fold blends, and its calibrated
        out-of-fold probabilities.

        ``weight = "aprendido"`` stacks instead: a logistic regression of the label on the
        out-of-fold structural and direct log-odds (the promotion model's output as an input
        of the lag model, never in-sample) learns both coefficients and the intercept, which
        is the same arithmetic with ``w = a_s / (a_s + a_m)`` and slope ``a_s + a_m``.
        """
        y = np.asarray(labels)
        known = ~np.isnan(self.structural_oof)
        positives = int(y[known].sum())
        enough = min(positives, int(known.sum()) - positives) >= MIN_CALIBRATION
        if weight == LEARNED:
            if not enough:
                raise NotLearnableError(
                    "sem pares rotulados com data de nascimento suficientes para aprender o "
                    'peso do modelo estrutural (weight = "aprendido").'
                )
            weight, slope, intercept = self._stacked(y, known)
        elif enough:
            blended = blend_margins(self.structural_oof, self.direct_oof, float(weight))
            slope, intercept = platt(blended[known], y[known])
        else:
            # No labelled pair with a birth date (the 2020–2021 files): θ_d − η and the trees'
            # raw score are log-odds already; their blend is used as it is.
            slope, intercept = 1.0, 0.0
        weight = float(weight)
        blended = blend_margins(self.structural_oof, self.direct_oof, weight)
        model = StructuralModel(self.direct, self.promotion, weight, slope, intercept)
        z = self.direct.slope * self.direct_oof + self.direct.intercept
        z[known] = slope * blended[known] + intercept
        return model, np.asarray(expit(z), dtype=np.float64)

    def _stacked(
        self, y: npt.NDArray[Any], known: npt.NDArray[np.bool_]
    ) -> tuple[float, float, float]:
        inputs = np.column_stack([self.structural_oof[known], self.direct_oof[known]])
        fit = LogisticRegression(C=1e6).fit(inputs, y[known])
        structural, direct = (float(c) for c in fit.coef_[0])
        # A negative coefficient would flip the sign of a part's reasons (and of its monotone
        # directions): such a stack is refused, not shipped.
        if structural < 0 or direct < 0 or structural + direct <= 0:
            raise NotLearnableError(
                'o empilhamento (weight = "aprendido") deu peso negativo a uma das partes; '
                "use um peso fixo."
            )
        total = structural + direct
        return structural / total, total, float(fit.intercept_[0])


def fit_parts(
    make_direct: PipelineFactory,
    promotion_params: dict[str, Any],
    pairs: pd.DataFrame,
    seed: int,
) -> StructuralParts:
    """Fit the direct and the promotion sub-models on ``pairs`` (which must carry the gain
    column, :data:`defasagem.modeling.promotion.GAIN`)."""
    if GAIN not in pairs.columns:
        raise DefasagemError(
            f"os pares não trazem {GAIN} (Fase do ano seguinte − Fase): o modelo estrutural "
            "precisa dela."
        )
    direct, direct_oof = fit_calibrated(make_direct, pairs, seed)
    gain = pairs[GAIN]
    promotion, eta_oof = fit_promotion(promotion_params, pairs, gain, seed)
    structural_oof = np.full(len(pairs), np.nan)
    with_gain = gain.notna().to_numpy()
    structural_oof[with_gain] = promotion.distance_term(pairs[with_gain]) - eta_oof
    return StructuralParts(direct, promotion, direct_oof, structural_oof)


def fit_structural(
    make_direct: PipelineFactory,
    promotion_params: dict[str, Any],
    weight: float | str,
    pairs: pd.DataFrame,
    seed: int,
) -> tuple[StructuralModel, Array]:
    """Fit a structural model of one weight; returns it and the calibrated out-of-fold
    probabilities of the training pairs."""
    parts = fit_parts(make_direct, promotion_params, pairs, seed)
    return parts.with_weight(weight, pairs[LABEL])
