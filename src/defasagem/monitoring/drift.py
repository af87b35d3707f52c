"""Drift of the logged traffic against the training reference: ``drift.json`` and the HTML.

The logged traffic is the model's feature rows (``variaveis``) and probabilities of the
predictions served by the loaded model version; the reference is the bundle's
``reference.parquet`` (training rows with out-of-fold probabilities). Each feature gets an
explicit method (see :mod:`defasagem.monitoring.evidently_adapter`) plus a check of its share
of missing values, which a distribution test cannot see (it drops the missing values first).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from defasagem.errors import DefasagemError
from defasagem.features import CATEGORICAL, NUMERIC
from defasagem.files import describe_os_error, write_atomically
from defasagem.modeling.bundle import REFERENCE, Bundle
from defasagem.monitoring import evidently_adapter
from defasagem.monitoring.evidently_adapter import ColumnDrift, DriftMethods
from defasagem.monitoring.performance_estimate import estimate_performance
from defasagem.monitoring.prediction_log import read_log

REPORT_HTML = "drift_report.html"
REPORT_JSON = "drift.json"
LOCK = ".calculando.lock"
PREDICTION = "probabilidade"
# The performance estimate beside the drift uses at most this many logged predictions.
ESTIMATE_MAX_ROWS = 20_000
# Fewer predictions than this make a report whose "no drift" means nothing.
MIN_ROWS = 100
# A change of 10 percentage points in a column's share of missing values is drift.
MISSING_CHANGE = 0.10
# The dataset drifts when at least half of the features do (Evidently's convention).
DATASET_SHARE = 0.5


def reference_rows(bundle: Bundle, years: Sequence[int] | None = None) -> pd.DataFrame:
    """The bundle's reference rows of ``years``; by default of the latest year, the students
    the API serves first, with the features and probabilities it gives them. Training years
    (``years``) compare the traffic with what the model learned from; pooling them mixes in
    structural differences that are not drift (the first year of a file has no history, the
    CSV years have no birth dates)."""
    try:
        everything = pd.read_parquet(bundle.path / REFERENCE)
    except (OSError, ValueError) as exc:
        raise DefasagemError(f"{bundle.path / REFERENCE}: referência ilegível ({exc}).") from None
    chosen = [int(everything["ano"].max())] if not years else list(years)
    present = {int(y) for y in everything["ano"].unique()}
    missing = sorted(set(chosen) - present)
    if missing:
        raise DefasagemError(
            f"--reference-year {', '.join(map(str, missing))}: a referência do modelo só tem "
            f"os anos {', '.join(map(str, sorted(present)))}."
        )
    return everything[everything["ano"].isin(chosen)].reset_index(drop=True)


def logged_window(
    logs_dir: Path, version: str, since: dt.datetime | None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The feature rows and probabilities logged by model ``version`` since ``since``, and how
    many rows were left out: of other model versions, and without feature rows (lines logged
    before the log kept them, which would otherwise look like missing values)."""
    log = read_log(logs_dir)
    left_out = {"other_model_versions": 0, "without_features": 0}
    if log.empty:
        return pd.DataFrame(columns=[*NUMERIC, *CATEGORICAL, PREDICTION, "horario"]), left_out
    when = pd.to_datetime(log["horario"], utc=True, format="ISO8601")
    in_window = pd.Series(True, index=log.index) if since is None else when >= since
    this_version = log["versao_modelo"].astype(str) == version
    logged = [c for c in log.columns if c.startswith("variaveis_")]
    has_features = log[logged].notna().any(axis=1) if logged else pd.Series(False, log.index)
    left_out["other_model_versions"] = int((in_window & ~this_version).sum())
    left_out["without_features"] = int((in_window & this_version & ~has_features).sum())
    rows = log[in_window & this_version & has_features]
    out = pd.DataFrame(index=rows.index)
    for name in (*NUMERIC, *CATEGORICAL):
        column = f"variaveis_{name}"
        values = rows[column] if column in rows.columns else pd.Series(None, index=rows.index)
        if name in CATEGORICAL:
            out[name] = [None if pd.isna(v) else str(v) for v in values]
        else:
            out[name] = pd.to_numeric(values, errors="coerce").astype("float64")
    out[PREDICTION] = pd.to_numeric(rows[PREDICTION], errors="coerce").astype("float64")
    out["horario"] = when[rows.index]
    return out.reset_index(drop=True), left_out


def compute_drift(
    bundle: Bundle,
    logs_dir: Path,
    out_dir: Path,
    *,
    since: dt.datetime | None = None,
    reference_years: Sequence[int] | None = None,
    min_rows: int = MIN_ROWS,
    methods: DriftMethods | None = None,
) -> dict[str, Any]:
    """Compare the logged window with the reference; write the HTML and ``drift.json``.

    Files are replaced only when both are ready: a failed run keeps the previous report.
    """
    methods = methods or DriftMethods()
    reference = reference_rows(bundle, reference_years)
    current, left_out = logged_window(logs_dir, bundle.version, since)
    if len(current) < min_rows:
        scope = "" if since is None else f" desde {since.isoformat()}"
        wider = "" if since is None else " ou amplie a janela de tempo (--since em defasagem drift)"
        raise DefasagemError(
            f"só {len(current)} predição(ões) do modelo {bundle.version}{scope} no log; são "
            f"necessárias pelo menos {min_rows} para um relatório de drift confiável (com poucas "
            "linhas, qualquer diferença parece drift ou nenhuma aparece). Espere mais uso da "
            f"API{wider}."
        )
    snapshot, compared = evidently_adapter.compare(
        reference, current, [*NUMERIC, PREDICTION], list(CATEGORICAL), methods
    )
    features = {
        name: _feature_entry(name, reference, current, compared.get(name), methods)
        for name in (*NUMERIC, *CATEGORICAL)
    }
    drifted = sorted(name for name, entry in features.items() if entry["drifted"])
    share = len(drifted) / len(features)
    summary: dict[str, Any] = {
        "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model_version": bundle.version,
        "window": {
            "since": None if since is None else since.isoformat(),
            "first": current["horario"].min().isoformat(),
            "last": current["horario"].max().isoformat(),
            "n": len(current),
            "other_model_versions_left_out": left_out["other_model_versions"],
            "without_features_left_out": left_out["without_features"],
        },
        "reference": {
            "n": len(reference),
            "years": sorted(int(y) for y in reference["ano"].unique()),
        },
        "methods": {**asdict(methods), "missing_change": MISSING_CHANGE},
        "features": features,
        "prediction": _feature_entry(
            PREDICTION, reference, current, compared.get(PREDICTION), methods
        ),
        "n_features": len(features),
        "n_drifted": len(drifted),
        "drifted_features": drifted,
        "share_drifted": round(share, 4),
        "dataset_drift_share": DATASET_SHARE,
        "dataset_drift": share >= DATASET_SHARE,
        # Beside the drift: what the window's probabilities say the list's quality will be.
        "performance_estimate": estimate_performance(
            _at_most(current[PREDICTION].to_numpy(dtype=float), ESTIMATE_MAX_ROWS),
            share=bundle.policy.share,
        ),
    }
    write_atomically(out_dir / REPORT_HTML, lambda p: evidently_adapter.save_html(snapshot, p))
    write_atomically(
        out_dir / REPORT_JSON,
        lambda p: p.write_text(json.dumps(summary, ensure_ascii=False, indent=2), "utf-8"),
    )
    return summary


def _at_most(values: Any, limit: int) -> Any:
    """``limit`` of ``values`` drawn at random (seeded) when there are more: an estimate over a
    20,000-prediction sample is as precise as over all, at a fraction of the time."""
    if len(values) <= limit:
        return values
    return np.random.default_rng(0).choice(values, size=limit, replace=False)


def _feature_entry(
    name: str,
    reference: pd.DataFrame,
    current: pd.DataFrame,
    drift: ColumnDrift | None,
    methods: DriftMethods,
) -> dict[str, Any]:
    missing_reference = float(reference[name].isna().mean())
    missing_current = float(current[name].isna().mean())
    missing_drifted = abs(missing_current - missing_reference) >= MISSING_CHANGE
    entry: dict[str, Any] = {
        "method": None if drift is None else drift.method,
        "statistic": None if drift is None else round(drift.statistic, 6),
        "threshold": (methods.threshold(name in CATEGORICAL) if drift is None else drift.threshold),
        "value_drifted": bool(drift is not None and drift.drifted),
        "missing_reference": round(missing_reference, 4),
        "missing_current": round(missing_current, 4),
        "missing_drifted": missing_drifted,
        "drifted": bool(drift is not None and drift.drifted) or missing_drifted,
    }
    if drift is None:
        entry["note"] = (
            f"menos de {methods.min_values} valores preenchidos na referência ou na janela: "
            "distribuição não comparada"
        )
    elif drift.is_distance:
        entry["distance"] = entry["statistic"]
    else:
        entry["p_value"] = entry["statistic"]
    return entry


class RunInProgressError(DefasagemError):
    """Another drift run holds the reports folder's lock."""


@contextmanager
def exclusive_run(folder: Path) -> Iterator[None]:
    """Hold the reports folder's lock for a run (any process: gunicorn workers, a shell), or
    raise :class:`RunInProgressError`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_WRONLY | os.O_CREAT, 0o640)
    except OSError as exc:
        raise DefasagemError(
            f"{folder}: não foi possível usar a pasta de relatórios ({describe_os_error(exc)})."
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunInProgressError(
                "um relatório de drift já está sendo calculado; tente de novo em alguns segundos."
            ) from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_summary(out_dir: Path) -> dict[str, Any] | None:
    """The latest ``drift.json`` in ``out_dir``, or None when there is none (or it is
    unreadable: the page then offers to compute a new one)."""
    try:
        data = json.loads((out_dir / REPORT_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
