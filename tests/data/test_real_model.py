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
    groupings = metrics["fairness"]["groupings"]
    assert set(groupings) == {"genero", "tipo_instituicao", "faixa_fase", "historico"}
    for block in groupings.values():
        groups = block["groups"]
        assert sum(g["n"] for g in groups.values()) == metrics["model"]["n"]
        reference = groups[block["reference"]]
        assert reference["n"] == max(g["n"] for g in groups.values())
        for group in groups.values():
            for rate in ("miss_rate", "false_alarm_rate", "selection_rate", "precision"):
                value, ci = group[rate]["value"], group[rate]["ci"]
                if value is not None and ci is not None and group["n"] >= 50:
                    assert ci[0] <= value <= ci[1]
    assert set(groupings["faixa_fase"]["groups"]) == {"0–2", "3–5", "6–7"}
    history = metrics["by_history"]
    assert history["com_historico"]["n"] + history["sem_historico"]["n"] == 706
    for block in (history["com_historico"], history["sem_historico"]):
        assert block["roc_auc_ci"][0] <= block["roc_auc"] <= block["roc_auc_ci"][1]
    model = metrics["model"]
    assert model["new_lag_roc_auc_ci"][0] <= model["new_lag_roc_auc"]
    assert model["new_lag_roc_auc"] <= model["new_lag_roc_auc_ci"][1]


def test_the_gender_decision_is_made_on_training_years(metrics: dict[str, Any]) -> None:
    gender = metrics["gender_as_input"]
    assert gender["validation_transition"] == "2022->2023"
    low, high = gender["roc_auc_difference_with_minus_without"]["ci"]
    assert low <= gender["roc_auc_difference_with_minus_without"]["gain"] <= high
    assert gender["keep"] == (low > 0)


def test_selection_reports_every_validation_and_the_regret(metrics: dict[str, Any]) -> None:
    selection = metrics["selection"]
    kinds = {t["kind"] for t in selection["trials"]}
    assert kinds == {"logistic", "lightgbm", "structural"}
    for trial in selection["trials"]:
        assert trial["grouped_cv_roc_auc"] is not None
        # A learned weight cannot be learned from 2020–2021 (no birth dates): no out-of-time
        # figure, and so not comparable with the settings that have one.
        learned = trial["params"].get("weight") == "aprendido"
        assert (trial["out_of_time_roc_auc"] is None) == learned
        assert trial["comparable"] == (not learned)
    (earlier,) = selection["earlier_validations"]
    assert earlier["transition"] == "2021->2022"
    # 2021 has no birth dates: a structural setting cannot be scored there.
    assert all(t["score"] is None for t in earlier["trials"] if t["kind"] == "structural")
    assert {r["criterion"] for r in selection["regret"]} == {
        "media",
        "fora_do_tempo",
        "validacao_cruzada",
    }
    for row in selection["regret"]:
        assert row["regret"] >= 0


def test_the_same_seed_reproduces_metrics_byte_for_byte(
    real_workbook: Path, real_csv: Path, real_bundle: Path, tmp_path: Path
) -> None:
    train_real(real_workbook, real_csv, tmp_path / "again")
    assert (tmp_path / "again" / "metrics.json").read_bytes() == (
        real_bundle / "metrics.json"
    ).read_bytes()


def test_real_model_behaviour(real_bundle: Path, real_both_result: IngestResult) -> None:
    table: pd.DataFrame = real_both_result.table
    check_invariance_and_direction(load_bundle(real_bundle), table)
