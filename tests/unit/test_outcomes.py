"""How a year's list turned out: counts, intervals, calibration, followed and not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from defasagem.monitoring.outcomes import CAVEAT, outcome_report
from defasagem.yearly_outcomes import listed_from_log, summary_rows


def _listed(n: int = 400, seed: int = 2) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    p = np.sort(rng.beta(2, 3, n))[::-1]
    listed = pd.DataFrame(
        {
            "ra": [f"RA-{i}" for i in range(n)],
            "probability": p,
            "band": np.where(p > 0.6, "alto", np.where(p > 0.35, "médio", "baixo")),
            "position": np.arange(1, n + 1),
            "priority": np.arange(n) < n // 5,
        }
    )
    outcome = pd.Series((rng.random(n) < p).astype(int), index=listed["ra"])
    # A tenth left the program: no outcome for them.
    return listed, outcome.iloc[: int(n * 0.9)]


def test_the_report_counts_who_has_an_outcome_and_gives_every_figure_an_interval() -> None:
    listed, outcome = _listed()
    report = outcome_report(listed, outcome, year=2023, model_version="v1", n_boot=200)
    assert (report["listed"], report["measured"], report["not_found"]) == (400, 360, 40)
    realized = report["realized"]
    assert realized["n"] == 360
    assert realized["positives"] == int(outcome.sum())
    assert 0.6 < realized["roc_auc"]["value"] < 0.9
    capacity = int(listed["priority"].iloc[:360].sum())
    assert realized["capacity"] == capacity
    hits = int(outcome.iloc[:capacity].sum())
    assert realized["precision_at_capacity"]["hits"] == hits
    assert realized["precision_at_capacity"]["value"] == pytest.approx(hits / capacity)
    assert realized["recall_at_capacity"]["n"] == realized["positives"]
    for row in summary_rows(report):
        assert row["count"], row
        low, high = row["realized_ci"]
        assert low <= row["realized"] <= high, row
    for row in report["calibration_by_band"] + report["calibration_curve"]:
        assert row["n"] > 0
        assert row["observed"]["ci"] is not None
    assert [r["group"] for r in report["calibration_by_band"]] == ["alto", "médio", "baixo"]
    assert sum(r["n"] for r in report["calibration_curve"]) == 360
    curve = [r["predicted"] for r in report["calibration_curve"]]
    assert curve == sorted(curve)


def test_followed_and_not_followed_are_split_with_the_caveat() -> None:
    listed, outcome = _listed()
    followups = pd.DataFrame(
        {
            "ra": ["RA-0", "RA-1", "RA-2", "RA-1", "RA-399"],
            "intervention": ["mentoria", "mentoria", "reforço escolar", "reforço escolar", "x"],
            "status": ["concluído"] * 5,
        }
    )
    report = outcome_report(listed, outcome, followups, year=2023, model_version="v1", n_boot=50)
    groups = {g["group"]: g for g in report["groups"]}
    assert groups["acompanhados"]["n"] == 3  # RA-399 left: no outcome
    assert groups["não acompanhados"]["n"] == 357
    assert groups["intervenção: mentoria"]["n"] == 2
    assert groups["intervenção: reforço escolar"]["n"] == 2
    assert groups["intervenção: x"]["n"] == 0
    assert report["caveat"] == CAVEAT
    assert "não mede o efeito" in CAVEAT


def test_one_outcome_only_leaves_ranking_metrics_empty_not_broken() -> None:
    listed, _ = _listed(20)
    everyone_behind = pd.Series(1, index=listed["ra"])
    report = outcome_report(listed, everyone_behind, year=2023, model_version="v1", n_boot=20)
    assert report["realized"]["roc_auc"] == {"value": None, "ci": None}
    assert report["realized"]["precision_at_capacity"]["value"] == 1


def test_the_prediction_log_stands_in_for_a_list_never_stored() -> None:
    log = pd.DataFrame(
        {
            "entrada_ra": ["A", "B", "A", None, "C"],
            "entrada_ano": [2023, 2023, 2023, 2023, 2022],
            "probabilidade": [0.2, 0.6, 0.9, 0.5, 0.4],
            "faixa": ["baixo", "médio", "alto", "médio", "médio"],
            "versao_modelo": ["v1"] * 5,
        }
    )
    listed = listed_from_log(log, 2023, share=0.5)
    assert listed is not None
    assert list(listed["ra"]) == ["A", "B"]  # the latest answer per RA, by risk
    assert list(listed["probability"]) == [0.9, 0.6]
    assert list(listed["priority"]) == [True, False]
    assert listed.attrs["model_version"] == "v1"
    assert listed_from_log(log, 2021, share=0.5) is None
    assert listed_from_log(pd.DataFrame(), 2023, share=0.5) is None
