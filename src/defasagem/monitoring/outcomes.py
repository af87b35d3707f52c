"""How a year's list turned out, once the next year's export brings the outcomes.

Pure functions over rows: the stored list of year t (RA, probability, band, rank, whether the
student was within capacity), the outcome of each RA in t+1 and the follow-up records of t.
Every figure comes with its count and a 95 % interval (bootstrap for the ranking metrics,
Wilson for proportions): a year holds a few hundred students.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

from defasagem.modeling.metrics import (
    bootstrap_ci,
    fast_auc,
    fast_average_precision,
    wilson_interval,
)

BANDS = ("alto", "médio", "baixo")
CALIBRATION_BINS = 10
CAVEAT = (
    "Acompanhados e não acompanhados não são comparáveis como num experimento: a equipe "
    "escolheu quem acompanhar (em geral os de maior risco). Uma diferença entre os grupos não "
    "mede o efeito da intervenção."
)


def outcome_report(
    listed: pd.DataFrame,
    outcomes: pd.Series,
    followups: pd.DataFrame | None = None,
    *,
    year: int,
    model_version: str,
    estimate: dict[str, Any] | None = None,
    seed: int = 0,
    n_boot: int = 1000,
) -> dict[str, Any]:
    """The outcome of the list of ``year`` (columns ``ra, probability, band, priority``)
    against ``outcomes`` (1 = behind in ``year + 1``, by RA), with the follow-ups of ``year``
    (columns ``ra, intervention, status``) split out, and the estimate made when it was scored."""
    frame = listed.assign(ra=listed["ra"].astype(str))
    by_ra = outcomes.copy()
    by_ra.index = by_ra.index.astype(str)
    measured = frame[frame["ra"].isin(by_ra.index)].copy()
    measured["y"] = by_ra.reindex(measured["ra"]).to_numpy(dtype=np.int64)
    followed = _followed(followups)
    measured["followed"] = measured["ra"].isin(followed)
    report: dict[str, Any] = {
        "year": year,
        "outcome_year": year + 1,
        "model_version": model_version,
        "listed": len(frame),
        "measured": len(measured),
        "not_found": len(frame) - len(measured),
        "estimate": estimate,
        "realized": realized(measured, seed=seed, n_boot=n_boot),
        "calibration_by_band": [
            _calibration_row(band, measured[measured["band"] == band])
            for band in BANDS
            if (measured["band"] == band).any()
        ],
        "calibration_curve": _curve(measured),
        "groups": _groups(measured, followups, seed=seed, n_boot=n_boot),
        "caveat": CAVEAT,
    }
    return report


def realized(measured: pd.DataFrame, *, seed: int, n_boot: int) -> dict[str, Any]:
    """ROC-AUC, PR-AUC, Brier, precision and recall at capacity of students with an outcome."""
    y = measured["y"].to_numpy(dtype=np.int64)
    p = measured["probability"].to_numpy(dtype=np.float64)
    priority = measured["priority"].to_numpy(dtype=bool)
    positives, n = int(y.sum()), len(y)
    hits = int(y[priority].sum())
    both = 0 < positives < n
    return {
        "n": n,
        "positives": positives,
        "prevalence": _proportion(positives, n),
        "roc_auc": _ranked(
            y, lambda i: fast_auc(y[i], p[i]), fast_auc(y, p) if both else None, seed, n_boot
        ),
        "pr_auc": _ranked(
            y,
            lambda i: fast_average_precision(y[i], p[i]),
            float(average_precision_score(y, p)) if both else None,
            seed,
            n_boot,
        ),
        "brier": {
            "value": float(np.mean((p - y) ** 2)) if n else None,
            "ci": bootstrap_ci(
                y, lambda i: float(np.mean((p[i] - y[i]) ** 2)), seed=seed, n_boot=n_boot
            )
            if both
            else None,
        },
        "capacity": int(priority.sum()),
        "precision_at_capacity": _proportion(hits, int(priority.sum())),
        "recall_at_capacity": _proportion(hits, positives),
    }


def _ranked(
    y: np.ndarray, statistic: Any, value: float | None, seed: int, n_boot: int
) -> dict[str, Any]:
    if value is None:
        return {"value": None, "ci": None}
    return {"value": value, "ci": bootstrap_ci(y, statistic, seed=seed, n_boot=n_boot)}


def _proportion(hits: int, n: int) -> dict[str, Any]:
    return {"value": hits / n if n else None, "hits": hits, "n": n, "ci": wilson_interval(hits, n)}


def _calibration_row(name: str, rows: pd.DataFrame) -> dict[str, Any]:
    positives = int(rows["y"].sum())
    return {
        "group": name,
        "n": len(rows),
        "predicted": float(rows["probability"].mean()),
        "observed": _proportion(positives, len(rows)),
    }


def _curve(measured: pd.DataFrame) -> list[dict[str, Any]]:
    """Predicted against observed in up to ten bins of equal size, by probability."""
    if measured.empty:
        return []
    ordered = measured.sort_values("probability", kind="stable")
    bins = np.array_split(np.arange(len(ordered)), min(CALIBRATION_BINS, len(ordered)))
    return [
        _calibration_row(f"{k + 1}", ordered.iloc[index])
        for k, index in enumerate(bins)
        if len(index)
    ]


def _followed(followups: pd.DataFrame | None) -> set[str]:
    if followups is None or followups.empty:
        return set()
    return set(followups["ra"].astype(str))


def _groups(
    measured: pd.DataFrame, followups: pd.DataFrame | None, *, seed: int, n_boot: int
) -> list[dict[str, Any]]:
    """Followed, not followed and each intervention: outcome rate against predicted risk."""
    groups = [
        ("acompanhados", measured[measured["followed"]]),
        ("não acompanhados", measured[~measured["followed"]]),
    ]
    if followups is not None and not followups.empty:
        records = followups.assign(ra=followups["ra"].astype(str))
        for intervention in sorted(records["intervention"].unique()):
            who = set(records.loc[records["intervention"] == intervention, "ra"])
            groups.append((f"intervenção: {intervention}", measured[measured["ra"].isin(who)]))
    found = []
    for name, rows in groups:
        row = _calibration_row(name, rows) if len(rows) else {"group": name, "n": 0}
        if len(rows):
            y = rows["y"].to_numpy(dtype=np.int64)
            p = rows["probability"].to_numpy(dtype=np.float64)
            both = 0 < y.sum() < len(y)
            row["roc_auc"] = _ranked(
                y,
                lambda i, y=y, p=p: fast_auc(y[i], p[i]),
                fast_auc(y, p) if both else None,
                seed,
                n_boot,
            )
        found.append(row)
    return found
