"""Drift of logged traffic against the bundle's reference (issue 5): same-distribution traffic
is quiet, each injected drift kind is flagged on the features it touched, too few rows is a
clear error, and a failed run keeps the previous report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from builders import log_traffic
from defasagem.data.ingest import IngestResult
from defasagem.errors import DefasagemError
from defasagem.modeling.bundle import load_bundle
from defasagem.monitoring.drift import (
    REPORT_HTML,
    REPORT_JSON,
    RunInProgressError,
    compute_drift,
    exclusive_run,
    reference_rows,
)
from defasagem.monitoring.simulator import requests_of_year, sample

SEED = 11
INDICATORS_TOUCHED = {"iaa", "ieg", "ips", "ida", "ipp", "ipv", "inde"}


@pytest.fixture(scope="module")
def records(synthetic_result: IngestResult) -> list[dict[str, Any]]:
    valid, _ = requests_of_year(synthetic_result.table)
    return valid


def drift_of(
    synthetic_bundle: Path, tmp_path: Path, students: list[dict[str, Any]], **options: Any
) -> dict[str, Any]:
    logs = tmp_path / "logs"
    log_traffic(synthetic_bundle, logs, students)
    return compute_drift(load_bundle(synthetic_bundle), logs, tmp_path / "out", **options)


def test_same_distribution_traffic_is_not_flagged(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    summary = drift_of(synthetic_bundle, tmp_path, sample(records, 1000, None, SEED))
    assert summary["dataset_drift"] is False
    assert summary["n_drifted"] <= 2, summary["drifted_features"]
    assert summary["prediction"]["drifted"] is False
    assert summary["window"]["n"] == 1000
    # Written and readable: the stable summary and Evidently's HTML.
    assert json.loads((tmp_path / "out" / REPORT_JSON).read_text(encoding="utf-8")) == summary
    assert (tmp_path / "out" / REPORT_HTML).read_text(encoding="utf-8").lstrip().startswith("<")


@pytest.mark.parametrize(
    ("kind", "touched", "how"),
    [
        ("engagement", {"ieg", "delta_ieg"}, "value_drifted"),
        ("missing", INDICATORS_TOUCHED, "missing_drifted"),
        ("new-category", {"tipo_instituicao"}, "value_drifted"),
    ],
)
def test_each_injected_drift_is_flagged_on_what_it_touched(
    synthetic_bundle: Path,
    tmp_path: Path,
    records: list[dict[str, Any]],
    kind: str,
    touched: set[str],
    how: str,
) -> None:
    summary = drift_of(synthetic_bundle, tmp_path, sample(records, 1000, kind, SEED))
    features = summary["features"]
    for name in touched:
        assert features[name][how], (name, features[name])
        assert features[name]["drifted"]
    # Drift elsewhere stays at the same-distribution level.
    assert len(set(summary["drifted_features"]) - touched - _derived(touched)) <= 2


def _derived(touched: set[str]) -> set[str]:
    """Features computed from the touched ones (deltas; grades go missing with indicators)."""
    return {f"delta_{n}" for n in touched} | {"nota_mat", "nota_port", "nota_ing"}


def test_every_feature_entry_has_a_method_a_statistic_and_a_verdict(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    summary = drift_of(synthetic_bundle, tmp_path, sample(records, 300, "engagement", SEED))
    ieg = summary["features"]["ieg"]
    assert ieg["method"] == "wasserstein"
    assert ieg["distance"] == ieg["statistic"] > ieg["threshold"]
    assert summary["features"]["genero"]["method"] == "jensenshannon"
    assert summary["share_drifted"] == pytest.approx(
        summary["n_drifted"] / summary["n_features"], abs=1e-4
    )
    assert summary["reference"]["years"] == [
        int(reference_rows(load_bundle(synthetic_bundle))["ano"].max())
    ]


def test_a_column_without_values_is_not_compared_but_its_missing_share_counts(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    students = sample(records, 300, None, SEED)
    for student in students:
        student.pop("ipp", None)
    ipp = drift_of(synthetic_bundle, tmp_path, students)["features"]["ipp"]
    assert ipp["method"] is None
    assert ipp["statistic"] is None
    assert "note" in ipp
    assert ipp["missing_current"] == 1.0
    assert ipp["missing_drifted"]
    assert ipp["drifted"]


def test_too_few_predictions_is_a_clear_error_and_keeps_the_previous_report(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    drift_of(synthetic_bundle, tmp_path, sample(records, 150, None, SEED))
    before = (tmp_path / "out" / REPORT_JSON).read_bytes()
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    with pytest.raises(DefasagemError, match=r"só 0 predição\(ões\).*pelo menos 100.*--since"):
        compute_drift(
            load_bundle(synthetic_bundle), tmp_path / "logs", tmp_path / "out", since=future
        )
    with pytest.raises(DefasagemError, match="pelo menos 200"):
        compute_drift(
            load_bundle(synthetic_bundle), tmp_path / "logs", tmp_path / "out", min_rows=200
        )
    assert (tmp_path / "out" / REPORT_JSON).read_bytes() == before


def test_an_empty_or_missing_log_folder_is_a_clear_error(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    bundle = load_bundle(synthetic_bundle)
    with pytest.raises(DefasagemError, match="pasta de logs não encontrada"):
        compute_drift(bundle, tmp_path / "nada", tmp_path / "out")
    (tmp_path / "vazia").mkdir()
    with pytest.raises(DefasagemError, match="só 0 predição"):
        compute_drift(bundle, tmp_path / "vazia", tmp_path / "out")


def test_predictions_of_another_model_version_are_left_out(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    logs = tmp_path / "logs"
    log_traffic(synthetic_bundle, logs, sample(records, 150, None, SEED))
    for path in logs.glob("*.jsonl"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        older = [
            line.replace('"versao_modelo":"', '"versao_modelo":"antigo-') for line in lines[:60]
        ]
        path.write_text("".join(older + lines[60:]), encoding="utf-8")
    with pytest.raises(DefasagemError, match="só 90"):
        compute_drift(load_bundle(synthetic_bundle), logs, tmp_path / "out")
    summary = compute_drift(load_bundle(synthetic_bundle), logs, tmp_path / "out", min_rows=50)
    assert summary["window"]["n"] == 90
    assert summary["window"]["other_model_versions_left_out"] == 60


def test_reference_years_are_checked(synthetic_bundle: Path) -> None:
    bundle = load_bundle(synthetic_bundle)
    years = sorted(
        int(y) for y in pd.read_parquet(bundle.path / "reference.parquet")["ano"].unique()
    )
    assert set(reference_rows(bundle, years[:2])["ano"]) == set(years[:2])
    with pytest.raises(DefasagemError, match=r"--reference-year 1999: .*só tem os anos"):
        reference_rows(bundle, [1999])


def test_lines_logged_without_feature_rows_are_left_out_and_counted(
    synthetic_bundle: Path, tmp_path: Path, records: list[dict[str, Any]]
) -> None:
    logs = tmp_path / "logs"
    log_traffic(synthetic_bundle, logs, sample(records, 120, None, SEED))
    version = load_bundle(synthetic_bundle).version
    old = json.dumps({"horario": "2026-01-01T00:00:00+00:00", "versao_modelo": version,
                      "probabilidade": 0.5, "entrada": {"ano": 2024}})  # fmt: skip
    (logs / "predicoes-1.jsonl").write_text((old + "\n") * 30, encoding="utf-8")
    summary = compute_drift(load_bundle(synthetic_bundle), logs, tmp_path / "out")
    assert summary["window"]["n"] == 120
    assert summary["window"]["without_features_left_out"] == 30


def test_a_run_in_progress_blocks_another(tmp_path: Path) -> None:
    def second_run() -> None:
        with exclusive_run(tmp_path / "out"):
            pass

    with exclusive_run(tmp_path / "out"), pytest.raises(RunInProgressError, match="já está sendo"):
        second_run()
    second_run()  # released afterwards
    blocker = tmp_path / "arquivo"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match="não foi possível usar a pasta de relatórios"):
        exclusive_run(blocker / "out").__enter__()
