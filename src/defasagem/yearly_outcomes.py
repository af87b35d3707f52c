"""The outcome of last year's list, measured when an export with the next year arrives.

Joins what the store kept (the year's list, its estimate, the follow-ups) with the new export's
outcomes and :func:`defasagem.monitoring.outcomes.outcome_report`; used by the pages (after an
upload), by ``defasagem outcomes`` and by ``defasagem train --logs``. When no list of the year
was stored, the prediction log's students of that year (sent with RA and ano) stand in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from defasagem.features import next_year_outcomes
from defasagem.followup_export import inert, workbook_bytes
from defasagem.modeling.metrics import METRIC_TITLES
from defasagem.modeling.selection import transition_name
from defasagem.monitoring.outcomes import outcome_report
from defasagem.monitoring.performance_estimate import ESTIMATED, estimate_performance
from defasagem.monitoring.prediction_log import pseudonym
from defasagem.predict import ScoredYear
from defasagem.store.followups import FollowupStore, local_time
from defasagem.store.year_lists import YearListStore


@dataclass(frozen=True)
class Sources:
    """Where a year's predictions may be found."""

    year_lists: YearListStore
    followups: FollowupStore
    log: pd.DataFrame | None = None
    log_key: bytes | None = None


def in_sample(trained_on: list[str], year: int) -> bool:
    """Whether a model trained on ``trained_on`` already saw the outcome of a list of ``year``
    (its transition ``year->year+1``): such a list says nothing about how the model does."""
    return transition_name(year) in trained_on


def years_to_measure(table: pd.DataFrame) -> list[int]:
    """The years t whose outcome the table holds (it has t+1), newest first."""
    years = {int(y) for y in table["ano"].unique()}
    return sorted((year for year in years if year + 1 in years), reverse=True)


def measure(
    table: pd.DataFrame,
    year: int,
    sources: Sources,
    *,
    share: float,
    who: str,
    filename: str,
    seed: int = 0,
) -> dict[str, Any] | None:
    """Measure and keep the outcome of the list of ``year``; None when the table has no outcome
    for that year or nothing was predicted for it."""
    outcomes = next_year_outcomes(table, year)
    if outcomes.empty:
        return None
    stored = sources.year_lists.latest(year)
    if stored is not None:
        listed = sources.year_lists.students(stored.id)
        estimate, version = stored.estimate, stored.model_version
        source = (
            f"lista de {year} guardada em {local_time(stored.created_at)} ({stored.filename}, "
            f"por {stored.created_by})"
        )
    else:
        from_log = listed_from_log(sources.log, year, share)
        if from_log is None:
            return None
        listed = from_log
        estimate = estimate_performance(listed["probability"], share=share, seed=seed)
        version = str(listed.attrs.get("model_version", ""))
        source = f"log de previsões da API ({len(listed)} alunos de {year} enviados com RA)"
        if sources.log_key is not None:
            outcomes = _pseudonymized(outcomes, sources.log_key)
    matched = listed["ra"].astype(str).isin(outcomes.index.astype(str))
    if not matched.any():
        return None  # nobody of the list is in the next year (another RA format, a wrong key)
    followups = _followup_rows(sources.followups, year)
    report = outcome_report(
        listed, outcomes, followups, year=year, model_version=version, estimate=estimate, seed=seed
    )
    # The same estimate over the students who have an outcome: the list's estimate covers also
    # those who left, so this one is the like-for-like figure beside the realized one.
    kept = listed[matched]
    report["estimate_measured"] = estimate_performance(
        kept["probability"], share=share, capacity=int(kept["priority"].sum()), seed=seed
    )
    report["estimate_check"] = estimate_check(report)
    report["source"] = source
    report["lists_stored"] = sources.year_lists.count(year)
    sources.year_lists.save_report(year, report, who=who, filename=filename)
    return report


def estimate_check(report: dict[str, Any]) -> dict[str, Any]:
    """Which realized figures fell outside the interval estimated over the same students: a miss
    means an assumption failed (calibration, or the outcome itself changed, e.g. a new rule)."""
    estimate = report.get("estimate_measured") or {}
    outside = []
    for key in ESTIMATED:
        value = report["realized"][key]["value"]
        guess = estimate.get(key)
        if value is None or not isinstance(guess, dict):
            continue
        low, high = guess["ci"]
        if not low <= value <= high:
            outside.append(key)
    return {"outside": outside, "titles": [METRIC_TITLES[key] for key in outside]}


def listed_from_log(log: pd.DataFrame | None, year: int, share: float) -> pd.DataFrame | None:
    """The students of ``year`` the API scored with an RA (the latest answer per RA), ranked,
    the ``share`` with the highest risk marked as within capacity."""
    needed = {"entrada_ra", "entrada_ano", "probabilidade", "faixa"}
    if log is None or log.empty or not needed <= set(log.columns):
        return None
    rows = log[
        (pd.to_numeric(log["entrada_ano"], errors="coerce") == year) & log["entrada_ra"].notna()
    ]
    if rows.empty:
        return None
    rows = rows.drop_duplicates("entrada_ra", keep="last")
    rows = rows.sort_values("probabilidade", ascending=False, kind="stable")
    capacity = math.ceil(share * len(rows))
    listed = pd.DataFrame(
        {
            "ra": rows["entrada_ra"].astype(str).to_numpy(),
            "probability": rows["probabilidade"].to_numpy(dtype=np.float64),
            "band": rows["faixa"].astype(str).to_numpy(),
            "position": np.arange(1, len(rows) + 1),
            "priority": np.arange(len(rows)) < capacity,
        }
    )
    if "versao_modelo" in rows.columns:
        listed.attrs["model_version"] = str(rows["versao_modelo"].mode().iloc[0])
    return listed


def _pseudonymized(outcomes: pd.Series, key: bytes) -> pd.Series:
    """Outcomes indexed by the pseudonyms the log holds (the log never has the raw RA)."""
    renamed = outcomes.copy()
    renamed.index = [pseudonym(key, str(ra)) for ra in outcomes.index]
    return renamed


def _followup_rows(store: FollowupStore, year: int) -> pd.DataFrame:
    rows = [
        {"ra": ra, "intervention": record.intervention, "status": record.status}
        for ra, records in store.of_year(year).items()
        for record in records
    ]
    return pd.DataFrame(rows, columns=["ra", "intervention", "status"])


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Realized beside estimated, one row per metric, each with its count and interval."""
    realized, estimate = report["realized"], report.get("estimate") or {}
    like_for_like = report.get("estimate_measured") or {}
    rows = []
    for key, label in METRIC_TITLES.items():
        value = realized[key]
        guess = estimate.get(key) if isinstance(estimate.get(key), dict) else None
        same = like_for_like.get(key) if isinstance(like_for_like.get(key), dict) else None
        count = (
            f"{value['hits']} de {value['n']}"
            if "hits" in value
            else f"{realized['n']} alunos, {realized['positives']} defasados"
        )
        rows.append(
            {
                "key": key,
                "metric": label,
                "realized": value["value"],
                "realized_ci": value["ci"],
                "count": count,
                "estimated": None if guess is None else guess["estimate"],
                "estimated_ci": None if guess is None else guess["ci"],
                "estimated_same": None if same is None else same["estimate"],
                "estimated_same_ci": None if same is None else same["ci"],
            }
        )
    return rows


def report_workbook(report: dict[str, Any]) -> bytes:
    """The report as Excel: summary (realized beside estimated), calibration, groups."""

    def interval(ci: list[float] | None) -> str:
        return "" if ci is None else f"{ci[0]:.3f} a {ci[1]:.3f}"

    summary = pd.DataFrame(
        [
            {
                "Métrica": row["metric"],
                "Realizado": row["realized"],
                "IC 95 % (realizado)": interval(row["realized_ci"]),
                "Contagem": row["count"],
                "Estimado antes (CBPE)": row["estimated"],
                "IC 95 % (estimado)": interval(row["estimated_ci"]),
                "Estimado nos alunos com desfecho": row["estimated_same"],
                "IC 95 % (mesmos alunos)": interval(row["estimated_same_ci"]),
            }
            for row in summary_rows(report)
        ]
    )

    def calibration(rows: list[dict[str, Any]], name: str) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    name: inert(str(row["group"])),
                    "Alunos": row["n"],
                    "Risco previsto (média)": row.get("predicted"),
                    "Defasados observados": row["observed"]["hits"] if "observed" in row else 0,
                    "Taxa observada": row["observed"]["value"] if "observed" in row else None,
                    "IC 95 % (observada)": interval(row["observed"]["ci"])
                    if "observed" in row
                    else "",
                }
                for row in rows
            ]
        )

    about = pd.DataFrame(
        {
            "Item": ["Lista", "Desfecho", "Modelo", "Fonte", "Alunos na lista", "Com desfecho",
                     "Sem desfecho (saíram ou sem Defasagem)", "Aviso"],
            "Valor": [report["year"], report["outcome_year"], report["model_version"],
                      report.get("source", ""), report["listed"], report["measured"],
                      report["not_found"], report["caveat"]],
        }
    )  # fmt: skip
    return workbook_bytes(
        {
            "Resumo": about,
            "Métricas": summary,
            "Calibração por faixa": calibration(report["calibration_by_band"], "Faixa"),
            "Curva de calibração": calibration(report["calibration_curve"], "Grupo (decil)"),
            "Grupos": calibration(report["groups"], "Grupo"),
        }
    )


def keep_year_list(
    year_lists: YearListStore,
    scored: ScoredYear,
    *,
    model_version: str,
    filename: str,
    who: str,
    seed: int = 0,
) -> int:
    """Keep what the outcome of a scored year will need, with the performance estimated now,
    before any label exists."""
    table = scored.table
    students = pd.DataFrame(
        {
            "ra": table["ra"].astype(str),
            "probability": table["probabilidade"].astype(float),
            "band": table["faixa"].astype(str),
            "position": table["posicao"].astype(int),
            "priority": table["acompanhar"].astype(bool),
        }
    )
    estimate = estimate_performance(students["probability"], share=scored.share, seed=seed)
    return year_lists.save(
        students,
        year=scored.year,
        model_version=model_version,
        filename=filename,
        who=who,
        estimate=estimate,
    )
