"""The scorer: ranked list, bands, reasons from the model's own contributions, output files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from builders import HEADERS_2023, row_2023, rows_of, write_workbook
from defasagem.data.ingest import IngestResult, ingest_files
from defasagem.errors import DefasagemError
from defasagem.ideal_phase import IdealPhaseRule
from defasagem.modeling.bundle import Bundle, load_bundle
from defasagem.predict import (
    column_names,
    display,
    readable,
    score_year,
    top_reasons,
    write_ranked,
)


@pytest.fixture(scope="module")
def bundle(synthetic_bundle: Path) -> Bundle:
    return load_bundle(synthetic_bundle)


@pytest.mark.parametrize(
    ("feature", "value", "text"),
    [
        ("ieg", 4.25, "4,2"),
        ("ieg", None, "não informado"),
        ("ida", math.nan, "não informado"),
        ("defasagem", -2.0, "−2"),
        ("defasagem", 0.0, "0"),
        ("defasagem", 1.0, "+1"),
        ("fase", 3.0, "3"),
        ("delta_ieg", -1.5, "−1,5"),
        ("tem_historico", 1.0, "sim"),
        ("fase_ideal_avanca", 0.0, "não"),
        ("genero", "Feminino", "Feminino"),
    ],
)
def test_values_are_shown_as_a_coordinator_reads_them(
    feature: str, value: object, text: str
) -> None:
    assert display(feature, value) == text


def test_reasons_are_the_largest_positive_contributions() -> None:
    contributions = pd.DataFrame(
        {"ieg": [0.9, -0.2], "ida": [0.1, -0.1], "defasagem": [1.5, -0.3], "base": [0.0, 0.0]}
    )
    features = pd.DataFrame({"ieg": [3.0, 9.0], "ida": [5.0, 8.0], "defasagem": [-2.0, 0.0]})
    reasons = top_reasons(contributions, features)
    assert [r.feature for r in reasons[0]] == ["defasagem", "ieg", "ida"]
    assert reasons[0][0].text == "Defasagem atual (Fase − Fase Ideal): −2"
    assert reasons[1] == []  # nothing raised this student's risk


def test_the_latest_year_is_ranked_with_bands_capacity_and_reasons(
    bundle: Bundle, synthetic_result: IngestResult
) -> None:
    table = synthetic_result.table
    scored = score_year(bundle, table)
    ranked = scored.table
    assert scored.year == 2024
    assert scored.without_birth_date == 0
    assert scored.notes() == [
        f"{scored.without_history} aluno(s) sem avaliação em 2023 (novos no programa): "
        "pontuados sem histórico, com menos precisão."
    ]
    assert scored.rule_source == "aprendida das linhas de 2024"
    latest = table[table["ano"] == 2024]
    assert scored.excluded == int((~latest["fase"].between(0, 7)).sum()) > 0
    assert len(ranked) + scored.excluded == len(latest)
    assert ranked["posicao"].tolist() == list(range(1, len(ranked) + 1))
    assert ranked["probabilidade"].is_monotonic_decreasing
    assert ranked["acompanhar"].sum() == math.ceil(0.2 * len(ranked))
    assert set(ranked["faixa"]) == {"alto", "médio", "baixo"}
    high = ranked[ranked["faixa"] == "alto"]
    assert (high["probabilidade"] >= bundle.policy.threshold).all()
    assert ranked["motivo_1"].iloc[0] != ""
    # Reasons come from the same contributions that make the probability.
    top = scored.reasons[0]
    assert all(r.contribution > 0 for r in top)
    assert [r.contribution for r in top] == sorted((r.contribution for r in top), reverse=True)
    shown = readable(scored)
    assert list(shown.columns) == column_names(0.2)
    assert "Entre os 20 % de maior risco" in shown.columns
    assert set(shown["Entre os 20 % de maior risco"]) == {"sim", "não"}


def test_a_single_year_file_without_history_is_scored_with_the_bundles_rule(
    bundle: Bundle, tmp_path: Path
) -> None:
    records = [row_2023(f"RA-{i}", IEG=float(i % 10)) for i in range(12)]
    records[0]["Data de Nasc"] = None
    records.append(row_2023("RA-99", Fase="FASE 8", **{"Fase Ideal": "Fase 8 (Universitários)"}))
    book = write_workbook(
        tmp_path / "um_ano.xlsx", {"PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, records))}
    )
    scored = score_year(bundle, ingest_files([book]).table)
    assert scored.rule == bundle.rule
    assert "do pacote do modelo" in scored.rule_source
    assert len(scored.table) == 12
    assert scored.excluded == 1
    notes = scored.notes()
    assert notes[0].startswith("1 aluno(s) sem data de nascimento")
    assert "o arquivo não traz 2022" in notes[1]
    explicit = IdealPhaseRule(2023, 12, 31, (8, 10, 12, 14, 15, 16, 17, 18), 1.0, 0)
    again = score_year(bundle, ingest_files([book]).table, rule=explicit)
    assert again.rule_source == "do arquivo de regra informado"


def test_a_year_with_nobody_to_score_is_an_error(bundle: Bundle, tmp_path: Path) -> None:
    records = [row_2023("RA-1", Fase="FASE 8", **{"Fase Ideal": "Fase 8 (Universitários)"})]
    book = write_workbook(
        tmp_path / "fase8.xlsx", {"PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, records))}
    )
    with pytest.raises(DefasagemError, match="nenhum aluno da Fase 0 a 7"):
        score_year(bundle, ingest_files([book]).table)


def test_csv_and_excel_outputs_hold_the_same_ranked_list(
    bundle: Bundle, synthetic_result: IngestResult, tmp_path: Path
) -> None:
    scored = score_year(bundle, synthetic_result.table)
    write_ranked(scored, tmp_path / "r.csv", bundle.version)
    write_ranked(scored, tmp_path / "r.xlsx", bundle.version)
    from_csv = pd.read_csv(tmp_path / "r.csv", sep=";", decimal=",", encoding="utf-8-sig")
    from_xlsx = pd.read_excel(tmp_path / "r.xlsx")
    assert list(from_csv.columns) == column_names(bundle.policy.share)
    pd.testing.assert_frame_equal(from_csv.fillna(""), from_xlsx.fillna(""), check_dtype=False)
    np.testing.assert_allclose(
        from_csv["Risco (%)"], (100 * scored.table["probabilidade"]).round(1)
    )
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    assert book.sheetnames == ["Risco 2024", "Sobre"]
    assert book["Risco 2024"].freeze_panes == "A2"
    about = {row[0]: row[1] for row in book["Sobre"].iter_rows(min_row=2, values_only=True)}
    assert about["Modelo"] == bundle.version
    assert str(about["Faixas"]).startswith("alto a partir de")
