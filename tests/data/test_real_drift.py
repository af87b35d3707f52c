"""Drift on the real files (issue 5): the 2024 sheet sent through the API, against the 2024
reference (the same students: quiet) and against 2022–2023 (where PROFILE documents real
change: the lag rate fell from 70 % and 54 % to 46 %, and 387 students are new in 2024)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from builders import log_traffic
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.modeling.training import train
from defasagem.monitoring.drift import compute_drift
from defasagem.monitoring.simulator import requests_of_year, sample

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def logged(
    real_workbook: Path,
    real_workbook_result: IngestResult,
    fast_config: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("real-drift")
    train([real_workbook], folder / "modelo", config_path=fast_config)
    records, _ = requests_of_year(real_workbook_result.table, 2024)
    log_traffic(folder / "modelo", folder / "logs", sample(records, 1000, None, 42))
    return folder / "modelo", folder / "logs"


def run(logged: tuple[Path, Path], tmp_path: Path, **options: Any) -> dict[str, Any]:
    model, logs = logged
    return compute_drift(load_bundle(model), logs, tmp_path, **options)


def test_2024_traffic_against_the_2024_reference_is_quiet(
    logged: tuple[Path, Path], tmp_path: Path
) -> None:
    summary = run(logged, tmp_path)
    assert summary["reference"]["years"] == [2024]
    assert summary["dataset_drift"] is False
    assert summary["n_drifted"] <= 2, summary["drifted_features"]


def test_2024_traffic_against_2022_2023_finds_the_documented_change(
    logged: tuple[Path, Path], tmp_path: Path
) -> None:
    summary = run(logged, tmp_path, reference_years=[2022, 2023])
    assert summary["reference"]["years"] == [2022, 2023]
    features = summary["features"]
    # Fewer students lag in 2024: Defasagem moves up, and with it the predicted risk.
    assert features["defasagem"]["value_drifted"]
    assert summary["prediction"]["drifted"]
    # A larger share of newcomers: fewer years in the programme.
    assert features["anos_no_programa"]["value_drifted"]
    # Gender is stable across years.
    assert not features["genero"]["drifted"]
