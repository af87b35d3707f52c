"""Fairness audit of the capacity list (issue 15): where the list misses more often, and how
much of that is the groups' different base rates.

For each grouping (gender, institution type, Fase band, new vs continuing students) and each
group: miss rate (FNR), false-alarm rate (FPR), selection rate and precision of the list the
team follows (the top share of the cohort), with counts and bootstrap 95 % CIs, and the ratio
to the reference group (the largest) with whether it lies within 0.8–1.25 (the "four-fifths"
band, both ways). Point estimates come from fairlearn's ``MetricFrame``; the intervals from a
vectorized bootstrap within each group (fairlearn's own bootstrap re-runs the whole frame per
resample, minutes for a thousand).

A higher miss rate is not by itself a worse model: with a fixed capacity, a group where more
students lag fills fewer of its lagging students into the list. The base rate and the ROC-AUC
inside each group tell the two apart: a similar within-group AUC means the ranking is as good
there, and the gap comes from the base rates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
)
from sklearn.metrics import precision_score

from defasagem.modeling.metrics import bootstrap_auc_ci, fast_auc

Array = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

ACCEPTABLE = (0.8, 1.25)
MISSING = "não informado"
RATES = ("miss_rate", "false_alarm_rate", "selection_rate", "precision")


def _precision(y_true: Any, y_pred: Any) -> float:
    return float(precision_score(y_true, y_pred, zero_division=np.nan))


METRICS: dict[str, Callable[..., Any]] = {
    "miss_rate": false_negative_rate,
    "false_alarm_rate": false_positive_rate,
    "selection_rate": selection_rate,
    "precision": _precision,
    "n": count,
}


def fase_band(fase: pd.Series) -> pd.Series:
    """Fase 0–2, 3–5, 6–7 (the programme's stages)."""
    bands = pd.cut(fase.astype("float64"), bins=[-0.5, 2.5, 5.5, 7.5], labels=["0–2", "3–5", "6–7"])
    return bands.astype("object").where(bands.notna(), MISSING)


def groupings(pairs: pd.DataFrame) -> dict[str, pd.Series]:
    """The audited groupings of the test pairs (missing values are a group of their own)."""
    history = pairs["tem_historico"].to_numpy(dtype=np.float64, na_value=np.nan)
    return {
        "genero": pairs["genero"].astype("object").fillna(MISSING),
        "tipo_instituicao": pairs["tipo_instituicao"].astype("object").fillna(MISSING),
        "faixa_fase": fase_band(pairs["fase"]),
        "historico": pd.Series(
            np.where(history == 1, "continuando", "novo"), index=pairs.index, dtype="object"
        ),
    }


def fairness_audit(
    y: npt.ArrayLike,
    flagged: npt.ArrayLike,
    score: npt.ArrayLike,
    pairs: pd.DataFrame,
    *,
    seed: int,
    n_boot: int,
) -> dict[str, Any]:
    """The ``fairness`` block of metrics.json for the list ``flagged`` (the capacity policy)."""
    labels = np.asarray(y, dtype=np.int64)
    flags = np.asarray(flagged, dtype=bool)
    scores = np.asarray(score, dtype=np.float64)
    return {
        "list": "os alunos sinalizados pela política de capacidade na transição de teste",
        "reference": "o maior grupo de cada variável",
        "acceptable_ratio": list(ACCEPTABLE),
        "groupings": {
            name: audit_grouping(labels, flags, scores, groups.to_numpy(), seed=seed, n_boot=n_boot)
            for name, groups in groupings(pairs).items()
        },
    }


def audit_grouping(
    labels: npt.NDArray[np.int64],
    flags: Flags,
    scores: Array,
    groups: npt.NDArray[Any],
    *,
    seed: int,
    n_boot: int,
) -> dict[str, Any]:
    """Every group's rates, CIs and ratios to the reference group."""
    names = np.asarray([str(g) for g in groups], dtype=object)
    frame = MetricFrame(
        metrics=METRICS, y_true=labels, y_pred=flags.astype(np.int64), sensitive_features=names
    ).by_group
    rng = np.random.default_rng(seed)
    values = sorted(frame.index, key=lambda g: (-int(frame.loc[g, "n"]), str(g)))
    reference = values[0]
    resampled = {
        g: _bootstrap_rates(labels[names == g], flags[names == g], rng, n_boot) for g in values
    }
    points = {g: _points(frame.loc[g], labels[names == g]) for g in values}
    out: dict[str, Any] = {}
    for g in values:
        member = names == g
        rates: dict[str, Any] = {}
        for rate in RATES:
            point, reference_point = points[g][rate], points[reference][rate]
            draws, reference_draws = resampled[g][rate], resampled[reference][rate]
            ratio = (
                point / reference_point
                if point is not None and reference_point not in (None, 0.0)
                else None
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio_draws = draws / reference_draws
            rates[rate] = {
                "value": point,
                "ci": _interval(draws),
                "ratio_to_reference": ratio,
                "ratio_ci": None if g == reference else _interval(ratio_draws),
                "within_acceptable": None
                if ratio is None
                else bool(ACCEPTABLE[0] <= ratio <= ACCEPTABLE[1]),
            }
        positives = int(labels[member].sum())
        both = 0 < positives < int(member.sum())
        out[str(g)] = {
            "n": int(member.sum()),
            "positives": positives,
            "base_rate": float(labels[member].mean()),
            "roc_auc": float(fast_auc(labels[member], scores[member])) if both else None,
            "roc_auc_ci": bootstrap_auc_ci(labels[member], scores[member], seed=seed, n_boot=n_boot)
            if both
            else None,
            **rates,
        }
    return {"reference": str(reference), "groups": out}


def _points(row: pd.Series, labels: npt.NDArray[np.int64]) -> dict[str, float | None]:
    """fairlearn's rates of one group, None where a rate is undefined (its FNR is 0, not
    undefined, for a group where nobody lagged)."""
    points = {rate: _finite(row[rate]) for rate in RATES}
    if not labels.any():
        points["miss_rate"] = None
    if labels.all():
        points["false_alarm_rate"] = None
    return points


def _bootstrap_rates(
    labels: npt.NDArray[np.int64], flags: Flags, rng: np.random.Generator, n_boot: int
) -> dict[str, Array]:
    """The four rates on ``n_boot`` resamples of one group's students (NaN where undefined)."""
    draws = rng.integers(0, len(labels), size=(n_boot, len(labels)))
    y, f = labels[draws] == 1, flags[draws]
    tp = (y & f).sum(axis=1)
    fn = (y & ~f).sum(axis=1)
    fp = (~y & f).sum(axis=1)
    tn = (~y & ~f).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "miss_rate": fn / (tp + fn),
            "false_alarm_rate": fp / (fp + tn),
            "selection_rate": f.mean(axis=1),
            "precision": tp / (tp + fp),
        }


def _interval(draws: Array) -> list[float] | None:
    finite = draws[np.isfinite(draws)]
    if len(finite) < 0.9 * len(draws) or not len(finite):
        return None  # undefined in too many resamples (a tiny group) to say anything
    low, high = np.percentile(finite, [2.5, 97.5])
    return [float(low), float(high)]


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None
