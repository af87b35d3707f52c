"""The fairness audit: known small cases, intervals, ratios, the words, the gender decision."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from builders import random_pairs, training_config
from defasagem.features import LABEL
from defasagem.modeling.candidates import Candidate
from defasagem.modeling.fairness import audit_grouping, fairness_audit, fase_band, groupings
from defasagem.modeling.fairness_text import audit_table, group_name, largest_gaps, ratio_text
from defasagem.modeling.gender import gender_decision, without_gender
from defasagem.modeling.selection import Setting


def test_rates_of_a_known_case_with_the_largest_group_as_reference() -> None:
    labels = np.array([1, 1, 1, 1, 0, 0, 1, 1, 0, 0])
    flags = np.array([1, 1, 0, 0, 1, 0, 1, 0, 0, 0], dtype=bool)
    scores = np.linspace(1, 0, 10)
    groups = np.array(["A"] * 6 + ["B"] * 4, dtype=object)
    block = audit_grouping(labels, flags, scores, groups, seed=0, n_boot=200)
    assert block["reference"] == "A"
    a, b = block["groups"]["A"], block["groups"]["B"]
    assert (a["n"], a["positives"], b["n"], b["positives"]) == (6, 4, 4, 2)
    assert a["miss_rate"]["value"] == pytest.approx(0.5)  # 2 of 4 lagging not flagged
    assert a["false_alarm_rate"]["value"] == pytest.approx(0.5)
    assert a["selection_rate"]["value"] == pytest.approx(0.5)
    assert a["precision"]["value"] == pytest.approx(2 / 3)
    assert b["miss_rate"]["value"] == pytest.approx(0.5)
    assert b["false_alarm_rate"]["value"] == pytest.approx(0.0)
    assert b["precision"]["value"] == pytest.approx(1.0)
    assert b["miss_rate"]["ratio_to_reference"] == pytest.approx(1.0)
    assert b["miss_rate"]["within_acceptable"] is True
    assert b["selection_rate"]["ratio_to_reference"] == pytest.approx(0.5)
    assert b["selection_rate"]["within_acceptable"] is False
    # A false-alarm ratio to a reference of 0.5 is 0: outside the band, not undefined.
    assert b["false_alarm_rate"]["ratio_to_reference"] == 0.0
    assert a["base_rate"] == pytest.approx(4 / 6)


def test_intervals_hold_the_estimate_and_shrink_with_more_students() -> None:
    rng = np.random.default_rng(1)

    def width(n: int) -> float:
        labels = rng.integers(0, 2, n)
        flags = rng.random(n) < 0.3
        groups = np.array(["A"] * n, dtype=object)
        group = audit_grouping(labels, flags, rng.random(n), groups, seed=2, n_boot=300)
        rate = group["groups"]["A"]["miss_rate"]
        assert rate["ci"][0] <= rate["value"] <= rate["ci"][1]
        return float(rate["ci"][1] - rate["ci"][0])

    assert width(2000) < width(100)


def test_a_rate_undefined_in_a_group_has_no_value_and_no_interval() -> None:
    labels = np.array([0, 0, 0, 1, 1, 0])
    flags = np.array([1, 0, 0, 1, 0, 0], dtype=bool)
    groups = np.array(["A", "A", "A", "B", "B", "B"], dtype=object)
    block = audit_grouping(labels, flags, np.arange(6.0), groups, seed=0, n_boot=100)
    a = block["groups"]["A"]
    assert a["miss_rate"]["value"] is None  # nobody in A lagged
    assert a["miss_rate"]["ci"] is None
    assert a["roc_auc"] is None
    assert block["groups"]["B"]["miss_rate"]["ratio_to_reference"] is None


def test_the_audit_covers_every_grouping_and_every_student() -> None:
    pairs = random_pairs(years=(2023,), n=300)
    pairs["fase"] = np.arange(300) % 8
    pairs["tem_historico"] = (np.arange(300) % 3 > 0).astype("float64")
    pairs.loc[:9, "genero"] = np.nan
    score = np.random.default_rng(0).random(300)
    flagged = score >= np.quantile(score, 0.8)
    audit = fairness_audit(pairs[LABEL], flagged, score, pairs, seed=0, n_boot=100)
    assert set(audit["groupings"]) == {"genero", "tipo_instituicao", "faixa_fase", "historico"}
    for block in audit["groupings"].values():
        assert sum(g["n"] for g in block["groups"].values()) == 300
    assert "não informado" in audit["groupings"]["genero"]["groups"]
    assert set(audit["groupings"]["historico"]["groups"]) == {"novo", "continuando"}
    table = audit_table(audit)
    assert any("Fase 6–7" in line for line in table)
    assert any("novos (sem avaliação no ano anterior)" in line for line in table)


def test_fase_bands_and_group_names() -> None:
    bands = fase_band(pd.Series([0, 2, 3, 5, 6, 7, np.nan]))
    assert list(bands) == ["0–2", "0–2", "3–5", "3–5", "6–7", "6–7", "não informado"]
    assert group_name("faixa_fase", "3–5") == "Fase 3–5"
    assert group_name("historico", "continuando") == "com histórico"
    assert group_name("tipo_instituicao", "publica") != ""
    history = groupings(pd.DataFrame({
        "genero": ["a"], "tipo_instituicao": [None], "fase": [1], "tem_historico": [np.nan],
    }))["historico"]  # fmt: skip
    assert list(history) == ["novo"]


def _group(n: int, positives: int, miss: float, auc_ci: list[float]) -> dict[str, Any]:
    rate = {"value": miss, "ci": [miss - 0.05, miss + 0.05]}
    return {
        "n": n,
        "positives": positives,
        "base_rate": positives / n,
        "roc_auc": sum(auc_ci) / 2,
        "roc_auc_ci": auc_ci,
        "miss_rate": {**rate, "ratio_to_reference": None, "ratio_ci": None},
        "false_alarm_rate": {**rate, "ratio_to_reference": None, "ratio_ci": None},
    }


def test_the_words_tell_base_rates_from_a_worse_ranking() -> None:
    fairness: dict[str, Any] = {
        "groupings": {
            "faixa_fase": {
                "reference": "0–2",
                "groups": {
                    "0–2": _group(300, 150, 0.60, [0.80, 0.90]),
                    "3–5": _group(200, 60, 0.75, [0.78, 0.88]),
                },
            },
            "historico": {
                "reference": "continuando",
                "groups": {
                    "continuando": _group(400, 200, 0.50, [0.88, 0.94]),
                    "novo": _group(300, 90, 0.70, [0.65, 0.78]),
                },
            },
        }
    }
    lines = largest_gaps(fairness)
    assert "75 %" in lines[0]
    assert "Fase 3–5" in lines[0]
    assert "contra 60 % entre Fase 0–2" in lines[0]
    assert "sobretudo de quantos alunos ficam defasados" in lines[0]
    assert "o modelo ordena pior o primeiro grupo" in lines[1]
    assert "entre novos (sem avaliação no ano anterior)" in lines[1]
    # The group missed most is named first, whichever is the reference.
    fairness["groupings"]["faixa_fase"]["groups"]["3–5"]["miss_rate"]["value"] = 0.5
    assert "deixa de fora 60 % dos defasados entre Fase 0–2" in largest_gaps(fairness)[0]
    # A group whose ranking is better is not called worse.
    fairness["groupings"]["historico"]["groups"]["novo"]["roc_auc_ci"] = [0.95, 0.99]
    assert "não mostram o primeiro grupo ordenado pior" in largest_gaps(fairness)[1]


def test_ratio_text() -> None:
    assert ratio_text({"ratio_to_reference": 1.0, "ratio_ci": None}, reference=True) == "referência"
    # A small group with the reference's rate is not the reference.
    equal = {"ratio_to_reference": 1.0, "ratio_ci": [0.5, 1.6], "within_acceptable": True}
    assert ratio_text(equal, cases=30) == "1,00 (dentro de 0,8–1,25; o IC inclui 1)"
    assert ratio_text({"ratio_to_reference": None, "ratio_ci": [0.1, 0.2]}) == "—"
    small = {"ratio_to_reference": 0.0, "ratio_ci": [0.0, 0.0], "within_acceptable": False}
    assert ratio_text(small, cases=3) == "poucos casos"
    far = {"ratio_to_reference": 1.4, "ratio_ci": [1.1, 1.7], "within_acceptable": False}
    assert ratio_text(far, cases=40) == "1,40 (fora de 0,8–1,25)"


CONFIG = training_config(
    Candidate("gbm", "lightgbm", {"n_estimators": [30], "num_leaves": [4]}), n_boot=200
)
SETTING = Setting("gbm", "lightgbm", {"n_estimators": 30, "num_leaves": 4}, "todas")


def test_gender_that_carries_no_signal_is_dropped() -> None:
    pairs = random_pairs(years=(2021, 2022), n=300)
    decision = gender_decision(pairs, 2022, SETTING, CONFIG)
    low, high = decision["roc_auc_difference_with_minus_without"]["ci"]
    assert low <= 0 <= high
    assert decision["keep"] is False
    assert decision["n"] == 300


def test_gender_that_ranks_better_is_kept() -> None:
    pairs = random_pairs(years=(2021, 2022), n=400)
    rng = np.random.default_rng(4)
    # The outcome depends on gender strongly: knowing it improves the ranking.
    girl = (pairs["genero"] == "Feminino").to_numpy()
    pairs[LABEL] = (rng.random(len(pairs)) < np.where(girl, 0.85, 0.15)).astype("int64")
    decision = gender_decision(pairs, 2022, SETTING, CONFIG)
    assert decision["roc_auc_difference_with_minus_without"]["ci"][0] > 0
    assert decision["keep"] is True


def test_without_gender_the_model_never_reads_it() -> None:
    pairs = without_gender(random_pairs(years=(2022,), n=50))
    assert pairs["genero"].isna().all()
