"""The model on the real PEDE files (issue 3, "Must show"): trained with configs/training.toml on
the 2022–2024 workbook and the 2020–2022 CSV, evaluated once on 2023→2024."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from behaviour import check_invariance_and_direction
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.modeling.training import train

pytestmark = pytest.mark.real_data
CONFIG = Path(__file__).parents[2] / "configs" / "training.toml"


def train_real(workbook: Path, csv: Path, out: Path) -> dict[str, Any]:
    train([workbook, csv], out, config_path=CONFIG)
    metrics: dict[str, Any] = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    return metrics


@pytest.fixture(scope="module")
def real_bundle(
    real_workbook: Path, real_csv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("real") / "modelo"
    train_real(real_workbook, real_csv, out)
    return out


@pytest.fixture(scope="module")
def metrics(real_bundle: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((real_bundle / "metrics.json").read_text(encoding="utf-8"))
    return data


def test_the_test_transition_is_the_latest_and_never_chose_anything(
    metrics: dict[str, Any],
) -> None:
    assert metrics["test_transition"] == "2023->2024"
    assert metrics["selection"]["validation_transition"] == "2022->2023"
    assert metrics["model"]["n"] == 706  # Fase 0–7 in 2023, present in 2024 (PROFILE §5)


def test_the_model_beats_persistence_with_a_gain_whose_interval_is_above_zero(
    metrics: dict[str, Any],
) -> None:
    model = metrics["model"]
    persistence = metrics["baselines"]["persistence"]
    assert model["roc_auc"] >= persistence["roc_auc"] + 0.10
    assert metrics["gain_over_persistence"]["ci"][0] > 0
    assert model["roc_auc"] > metrics["baselines"]["logistic_defasagem"]["roc_auc"]
    assert model["pr_auc"] >= 0.80
    assert model["precision_top20"] >= 0.85
    # Above 0.90 next year is a leakage alarm, not a result (DESIGN §2).
    assert model["roc_auc"] <= 0.90
    assert metrics["leakage_alarm"] is False


def test_backtests_fairness_and_new_students_are_reported(metrics: dict[str, Any]) -> None:
    tests = [b["test"] for b in metrics["backtests"]]
    assert tests == ["2021->2022", "2022->2023", "2023->2024"]
    assert [b["used_for_selection"] for b in metrics["backtests"]] == [False, True, False]
    for group in ("genero", "tipo_instituicao"):
        blocks = metrics["fairness"][group]
        assert sum(b["n"] for b in blocks.values()) == metrics["model"]["n"]
        assert all({"fnr", "fpr", "positives"} <= set(b) for b in blocks.values())
    history = metrics["by_history"]
    assert history["com_historico"]["n"] + history["sem_historico"]["n"] == 706


def test_the_same_seed_reproduces_the_same_numbers(
    real_workbook: Path, real_csv: Path, metrics: dict[str, Any], tmp_path: Path
) -> None:
    assert train_real(real_workbook, real_csv, tmp_path / "again") == metrics


def test_real_model_behaviour(real_bundle: Path, real_both_result: IngestResult) -> None:
    table: pd.DataFrame = real_both_result.table
    check_invariance_and_direction(load_bundle(real_bundle), table)
