"""The synthetic workbook passes the same ingestion as the real file, with the same quirks."""

from __future__ import annotations

import pytest

from defasagem.data.ingest import IngestResult
from defasagem.data.report import consecutive_pairs

# The repairs the real workbook needs, per year (see tests/data/test_real_files.py).
REAL_REPAIR_KINDS = {
    2022: {"gender_label"},
    2023: {"excel_error", "excel_date_age", "swapped_birth_date", "pedra_label",
           "institution_label"},
    2024: {"excel_error", "incluir", "time_part", "pedra_label", "institution_label"},
}  # fmt: skip


def test_same_quirks_as_the_real_file(synthetic_result: IngestResult) -> None:
    years = synthetic_result.report.years
    assert {y: set(log.repairs) for y, log in years.items()} == REAL_REPAIR_KINDS


def test_sizes_panel_and_lag_rates_like_the_profile(synthetic_result: IngestResult) -> None:
    table = synthetic_result.table
    assert table.groupby("ano").size().to_dict() == {2022: 860, 2023: 1014, 2024: 1156}
    pairs = consecutive_pairs(table)
    assert pairs[(2022, 2023)] == pytest.approx(600, abs=15)
    assert pairs[(2023, 2024)] == pytest.approx(765, abs=15)
    lag = table.groupby("ano")["defasagem"].apply(lambda d: 100 * (d < 0).mean()).to_dict()
    for year, target in {2022: 69.9, 2023: 54.4, 2024: 46.2}.items():
        assert lag[year] == pytest.approx(target, abs=5)


def test_definitions_hold_except_the_two_planted_errors(synthetic_result: IngestResult) -> None:
    table = synthetic_result.table
    wrong = table[table["defasagem"] != table["fase"] - table["fase_ideal"]]
    assert len(wrong) == 2
    assert set(wrong["ano"]) == {2024}
    assert table["idade"].between(6, 30).all()
    assert not [w for w in synthetic_result.report.warning_lines() if "IAN" in w]
