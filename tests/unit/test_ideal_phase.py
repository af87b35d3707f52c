"""The ideal-phase rule is learned back from birth dates and recorded Fase Ideal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from defasagem.data.ingest import IngestResult
from defasagem.data.synth.targets import IDEAL_RULE
from defasagem.errors import DefasagemError
from defasagem.ideal_phase import (
    IdealPhaseRule,
    birth_arrays,
    fit_rule,
    read_rule_file,
    rule_to_toml,
)

RULE = IdealPhaseRule(2030, 9, 30, (8, 10, 12, 14, 15, 16, 17, 18), 1.0, 0)


def table_from(rule: IdealPhaseRule, year: int, count: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    births = [
        dt.date(year - 20, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 5000, count)
    ]
    birth_year, monthday = birth_arrays(births)
    return pd.DataFrame(
        {
            "ano": year,
            "data_nascimento": pd.to_datetime(births),
            "ano_nascimento": birth_year,
            "fase_ideal": rule.phases(year, birth_year, monthday),
        }
    )


def test_a_known_rule_is_recovered() -> None:
    fitted = fit_rule(table_from(RULE, 2030), 2030)
    assert fitted.lowest_age == RULE.lowest_age
    assert fitted.agreement == 1.0
    # Any day between the last birthday seen before and after the true cut-off reproduces it.
    assert (fitted.reference_month, fitted.reference_day) <= (9, 30)


def test_birth_year_only_counts_ages_on_the_last_day() -> None:
    table = table_from(RULE, 2030)
    table["data_nascimento"] = pd.NaT
    fitted = fit_rule(table, 2030)
    assert (fitted.reference_month, fitted.reference_day) == (12, 31)
    assert fitted.agreement > 0.7


def test_the_synthetic_years_give_back_their_rules(synthetic_result: IngestResult) -> None:
    for year in (2023, 2024):
        fitted = fit_rule(synthetic_result.table, year)
        assert fitted.lowest_age == IDEAL_RULE[year][1]
        assert fitted.agreement > 0.99


def test_phases_from_ages() -> None:
    birth_year, monthday = birth_arrays(
        [dt.date(2022, 10, 1), dt.date(2022, 9, 1), dt.date(2012, 1, 1)]
    )
    # On 30/09/2030 the first is 7 (ALFA), the second 8 (Fase 1), the third 18 (Fase 8).
    assert RULE.phases(2030, birth_year, monthday).tolist() == [0, 1, 8]


def test_too_few_rows_is_an_error() -> None:
    table = table_from(RULE, 2030, count=5)
    with pytest.raises(DefasagemError, match="poucas linhas com nascimento e Fase Ideal"):
        fit_rule(table, 2030)


def test_round_trip_and_invalid_tables() -> None:
    assert IdealPhaseRule.from_dict(RULE.to_dict()) == RULE
    broken: list[dict[str, Any]] = [
        {k: v for k, v in RULE.to_dict().items() if k != "lowest_age"},
        {**RULE.to_dict(), "lowest_age": [9, 8, 12, 14, 15, 16, 17, 18]},
        {**RULE.to_dict(), "lowest_age": [9, 10]},
        {**RULE.to_dict(), "reference_month": 2, "reference_day": 30},
        {**RULE.to_dict(), "reference_month": "x"},
    ]
    for data in broken:
        with pytest.raises(DefasagemError, match="regra de Fase Ideal inválida"):
            IdealPhaseRule.from_dict(data)


def test_the_rule_table_round_trips_through_toml(tmp_path: Path) -> None:
    path = tmp_path / "regra.toml"
    path.write_text(rule_to_toml(RULE), encoding="utf-8")
    assert read_rule_file(path) == RULE
    assert path.read_text(encoding="utf-8").startswith("# Regra da Fase Ideal")


def test_the_shipped_rule_table_is_valid() -> None:
    shipped = read_rule_file(Path(__file__).parents[2] / "configs" / "ideal_phase_rule.toml")
    assert len(shipped.lowest_age) == 8
    assert shipped.agreement > 0.9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("learned_from = ", "TOML inválido"),
        ("learned_from = 2024\nx = \nrows = 2", "TOML inválido perto da linha 2"),
        ("learned_from = 2024", "falta o campo"),
        (rule_to_toml(RULE).replace("reference_month = 9", "reference_month = 13"), "mês de"),
        (rule_to_toml(RULE).replace("reference_month = 9", "reference_month = 6.5"), "inteiro"),
        (rule_to_toml(RULE).replace("reference_month = 9", "reference_month = true"), "inteiro"),
        (rule_to_toml(RULE).replace("[8, 10,", "[8, 8,"), "estritamente crescente"),
        (rule_to_toml(RULE).replace("[8, 10,", "[-8, 10,"), "idades fora de 3 a 30"),
        (rule_to_toml(RULE).replace("lowest_age = [", "lowest_age = 3 #"), "deve ser uma lista"),
        (
            rule_to_toml(RULE).replace("reference_day = 30", "reference_day = 31"),
            "dia de referência 31/9 inexistente",
        ),
    ],
)
def test_a_bad_rule_file_names_the_file_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "regra.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefasagemError, match=message) as error:
        read_rule_file(path)
    assert str(path) in str(error.value)
    with pytest.raises(DefasagemError, match="não encontrado"):
        read_rule_file(tmp_path / "nada.toml")
