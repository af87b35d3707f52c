"""Data contracts on the real PEDE files (PROFILE.md). They run in CI through the environment
variables DEFASAGEM_PEDE_FILE and DEFASAGEM_PEDE_CSV, and skip (saying why) where unset."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from builders import csv_text, write_csv
from defasagem.cli import main
from defasagem.data.checks import ian_from_defasagem
from defasagem.data.ingest import IngestResult, ingest_files
from defasagem.data.schema import COLUMNS
from defasagem.features import LABEL, build_pairs
from defasagem.ideal_phase import fit_rule

pytestmark = pytest.mark.real_data


def by_year(result: IngestResult) -> dict[int, pd.DataFrame]:
    return {int(str(y)): g for y, g in result.table.groupby("ano")}


def test_students_per_year_and_distinct_ra(real_workbook_result: IngestResult) -> None:
    table = real_workbook_result.table
    assert table.groupby("ano").size().to_dict() == {2022: 860, 2023: 1014, 2024: 1156}
    assert table["ra"].nunique() == 1661
    assert not table.duplicated(["ra", "ano"]).any()
    assert list(table.columns) == list(COLUMNS)
    assert {c: str(t) for c, t in table.dtypes.items()} == {
        c: "string" if t == "string" else str(t) for c, t in COLUMNS.items()
    }


def test_defasagem_is_fase_minus_fase_ideal_except_two_reported_rows(
    real_workbook_result: IngestResult,
) -> None:
    table = real_workbook_result.table
    wrong = table[table["defasagem"] != table["fase"] - table["fase_ideal"]]
    assert sorted(wrong["ra"]) == ["RA-1516", "RA-1519"]
    assert (wrong["ano"] == 2024).all()
    definition_warnings = [
        w for w in real_workbook_result.report.warning_lines() if "Defasagem" in w or "IAN" in w
    ]
    assert definition_warnings == [
        "2024: Defasagem ≠ Fase − Fase Ideal em 2 linha(s) (RA-1516, RA-1519); "
        "mantido o valor registrado"
    ]


def test_cross_year_birth_inconsistencies_are_few_and_reported(
    real_workbook_result: IngestResult,
) -> None:
    """PROFILE §2: 287 of 765 dates differ before the swap repair; a handful remain after."""
    warnings = real_workbook_result.report.warning_lines()
    births = [w for w in warnings if "nascimento" in w]
    assert any(w.startswith("2023: 9 data(s) de nascimento diferem") for w in births)
    assert any(w.startswith("2022: 8 ano(s) de nascimento diferem") for w in births)


def test_ian_is_the_documented_function_of_defasagem(real_workbook_result: IngestResult) -> None:
    table = real_workbook_result.table
    expected = table["defasagem"].astype(float).map(ian_from_defasagem)
    assert table["ian"].notna().all()
    assert (table["ian"] == expected).all()


def test_ages_are_plausible_after_repair(real_workbook_result: IngestResult) -> None:
    table = real_workbook_result.table
    assert table["idade"].notna().all()
    assert table["idade"].between(6, 30).all()
    assert real_workbook_result.report.years[2023].repairs["excel_date_age"] == 399
    assert "2023: 399 idades convertidas de datas do Excel (Idade: 399)" in (
        real_workbook_result.report.repair_lines()
    )


def test_repaired_2023_birth_dates_agree_with_2024(real_workbook_result: IngestResult) -> None:
    years = by_year(real_workbook_result)
    both = years[2023].merge(years[2024], on="ra", suffixes=("_23", "_24"))
    same = (both["data_nascimento_23"] == both["data_nascimento_24"]).mean()
    # Before the day/month repair about 62 % agreed (PROFILE §2: 287 of 765 differ).
    assert same > 0.97
    assert real_workbook_result.report.years[2024].repairs["time_part"] == 74


def test_students_in_consecutive_years(real_workbook_result: IngestResult) -> None:
    years = by_year(real_workbook_result)
    assert len(set(years[2022]["ra"]) & set(years[2023]["ra"])) == 600
    assert len(set(years[2023]["ra"]) & set(years[2024]["ra"])) == 765


def test_lag_rates_match_the_profile(real_workbook_result: IngestResult) -> None:
    rates = {y: round(100 * (g["defasagem"] < 0).mean(), 1) for y, g in by_year(
        real_workbook_result).items()}  # fmt: skip
    assert rates == {2022: 69.9, 2023: 54.4, 2024: 46.2}


def test_known_quirks_are_counted(real_workbook_result: IngestResult) -> None:
    years = real_workbook_result.report.years
    assert years[2024].repairs["incluir"] == 76  # INDE 2024 and Pedra 2024, 38 each
    assert years[2023].repair_columns["excel_error"]["INDE 2023"] == 83
    assert years[2024].repair_columns["excel_error"]["IDA"] == 101
    assert years[2023].repair_columns["pedra_label"]["Pedra 2023"] == 246
    table = real_workbook_result.table
    assert set(table["pedra"].dropna()) == {"Quartzo", "Ágata", "Ametista", "Topázio"}
    folded = table["instituicao_ensino"].dropna().str.casefold()
    assert folded.nunique() == table["instituicao_ensino"].dropna().nunique()


def test_structurally_empty_columns_stay_missing(real_workbook_result: IngestResult) -> None:
    years = by_year(real_workbook_result)
    assert years[2022]["ipp"].isna().all()  # the 2022 sheet has no IPP column
    # 'INDE 22' is one year back from 2023; 'INDE 23' (same year) is 100 % empty there.
    assert years[2023]["inde_hist1"].notna().sum() == 600
    assert years[2023]["inde_hist2"].isna().all()
    assert years[2024]["inde_hist1"].notna().sum() == 690
    notes = real_workbook_result.report.note_lines()
    assert "2023: coluna 'INDE 23' 100 % vazia ignorada (INDE vem de 'INDE 2023')" in notes


def test_old_csv_links_about_455_students_of_2021(real_both_result: IngestResult) -> None:
    years = by_year(real_both_result)
    linked_2021 = years[2021][years[2021]["ra"].str.startswith("RA-")]
    assert len(linked_2021) == 455
    assert len(set(linked_2021["ra"]) & set(years[2022]["ra"])) == 455
    assert years[2022]["ipp"].notna().all()  # IPP completed from the CSV
    assert len(years[2022]) == 860
    assert "ALUNO-1259" not in " ".join(real_both_result.table["ra"])
    assert years[2021]["fase_ideal"].isna().sum() == 2  # the two 'ERRO' labels
    assert years[2021]["defasagem"].lt(0).mean() == pytest.approx(0.612, abs=0.001)
    notes = "\n".join(real_both_result.report.notes)
    assert "860 alunos ligados a RA" in notes


def test_old_csv_grades_match_the_workbook_subjects(real_csv: Path) -> None:
    alone = ingest_files([real_csv]).table
    y2022 = alone[alone["ano"] == 2022]
    # The workbook's 2022 means: Matem 5.81, Portug 6.32 (NOTA_PORT/NOTA_MAT are swapped).
    assert y2022["nota_mat"].mean() == pytest.approx(5.81, abs=0.02)
    assert y2022["nota_port"].mean() == pytest.approx(6.32, abs=0.02)


def test_cli_on_both_real_files(
    real_workbook: Path,
    real_csv: Path,
    real_both_result: IngestResult,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "t.parquet"
    assert main(["ingest", str(real_workbook), str(real_csv), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = [" ".join(line.split()) for line in printed.splitlines()]
    assert "2023 1014 951 54.4 % 7.2 % pede_2022_2024.xlsx#PEDE2023" in lines
    assert "2022→2023: 600, 2023→2024: 765" in printed
    pd.testing.assert_frame_equal(pd.read_parquet(out), real_both_result.table)


def test_one_real_sheet_saved_as_csv_reads_the_same(
    real_workbook: Path, real_workbook_result: IngestResult, tmp_path: Path
) -> None:
    """Next year's data will come as one sheet saved as CSV (pt-BR Excel: ';', ',' and cp1252)."""
    sheet = openpyxl.load_workbook(real_workbook, data_only=True)["PEDE2024"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    text = csv_text([str(h) for h in rows[0]], rows[1:], delimiter=";", decimal=",")
    path = write_csv(tmp_path / "pede_2024.csv", text, "cp1252")
    result = ingest_files([path])
    from_csv = result.table
    from_book = real_workbook_result.table
    from_book = from_book[from_book["ano"] == 2024].reset_index(drop=True)
    assert len(from_csv) == 1156
    columns = [c for c in COLUMNS if c != "source"]
    pd.testing.assert_frame_equal(from_csv[columns], from_book[columns])
    assert result.report.years[2024].repairs["excel_error"] == 685


def test_ideal_phase_rules_of_the_real_years(real_workbook_result: IngestResult) -> None:
    """The policy changed: ages counted on 31/12 (2022), ~25/10 (2023), ~28/06 (2024), and the
    2024 sheet lowered the first band (Fase 1 from 8 years instead of 9)."""
    table = real_workbook_result.table
    rules = {year: fit_rule(table, year) for year in (2022, 2023, 2024)}
    assert rules[2022].agreement == rules[2023].agreement == 1.0
    assert rules[2024].agreement > 0.96
    assert (rules[2022].reference_month, rules[2022].reference_day) == (12, 31)
    assert rules[2023].reference_month == 10
    assert rules[2024].reference_month == 6
    assert rules[2022].lowest_age == rules[2023].lowest_age == (9, 10, 12, 14, 15, 16, 17, 18)
    assert rules[2024].lowest_age == (8, 10, 12, 14, 15, 16, 17, 18)


def test_real_pairs_match_the_profile(real_workbook_result: IngestResult) -> None:
    """PROFILE §5: 600 pairs 2022→2023 (61.0 % lag next year), 706 pairs 2023→2024 in Fase 0–7
    (43.6 %)."""
    table = real_workbook_result.table
    rules = {year: fit_rule(table, year) for year in (2022, 2023)}
    pairs = build_pairs(table, rules)
    sizes = pairs.groupby("ano")[LABEL].agg(["size", "mean"]).round(3)
    assert sizes.to_dict("index") == {
        2022: {"size": 600, "mean": 0.61},
        2023: {"size": 706, "mean": 0.436},
    }
