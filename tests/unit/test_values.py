"""Cell parsers: every PEDE quirk is repaired and counted; anything else is a bad value."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from defasagem.data.cells import Cell, ExcelError, fold
from defasagem.data.values import (
    ColumnContext,
    integer_in,
    number_in,
    parse_age,
    parse_birth_date,
    parse_fase,
    parse_fase_ideal,
    parse_genero,
    parse_pedra,
    parse_ra,
    parse_text,
)

SCORE = number_in(0, 10.5)


def ctx(decimal: str = ".") -> ColumnContext:
    return ColumnContext(header="col", decimal=decimal)


def test_numbers_from_cells_and_dot_text() -> None:
    c = ctx()
    assert SCORE([7.5, 3, "8.25", " 9 ", None, ""], c) == [7.5, 3.0, 8.25, 9.0, None, None]
    assert c.bad == []
    assert not c.repairs


def test_comma_decimal_file_reads_commas_and_thousands() -> None:
    c = ctx(",")
    assert integer_in(0, 5000)(["7", "2.016", "1.234,0"], c) == [7, 2016, 1234]
    assert SCORE(["7,5", "10"], c) == [7.5, 10.0]
    assert c.bad == []


def test_comma_in_dot_column_is_bad_and_says_why() -> None:
    c = ctx(".")
    assert SCORE(["7,5"], c) == [None]
    assert c.bad == [(0, "7,5", "vírgula decimal numa coluna que usa ponto decimal")]
    c = ctx(",")
    assert SCORE(["7.6113"], c) == [None]
    assert c.bad == [(0, "7.6113", "ponto decimal numa coluna que usa vírgula decimal")]


def test_small_values_are_never_read_as_thousands() -> None:
    c = ctx(",")
    SCORE(["0.010", "0.005"], c)
    assert [reason for _, _, reason in c.bad] == [
        "ponto decimal numa coluna que usa vírgula decimal"
    ] * 2


def test_corrupted_copy_with_dotted_groups_is_named() -> None:
    c = ctx(".")
    SCORE(["7.883.752"], c)
    assert c.bad[0][2].startswith("número com pontos de milhar")


def test_dotted_thousands_in_a_comma_column_are_explained() -> None:
    c = ctx(",")
    SCORE(["7.883.752", "6.125"], c)
    assert [reason for _, _, reason in c.bad] == [
        "lido como 7883752 (ponto de milhar numa coluna com vírgula decimal): "
        "fora do intervalo 0–10,5",
        "lido como 6125 (ponto de milhar numa coluna com vírgula decimal): "
        "fora do intervalo 0–10,5",
    ]


def test_excel_errors_and_text_markers_become_missing_and_are_counted() -> None:
    c = ctx()
    values: list[Cell] = [ExcelError("#N/A"), ExcelError("#DIV/0!"), "INCLUIR", "ERRO", 5.0]
    assert SCORE(values, c) == [None, None, None, None, 5.0]
    assert c.repairs == {"excel_error": 2, "incluir": 1, "erro_text": 1}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "valor lógico (VERDADEIRO/FALSO) onde se esperava um número"),
        (dt.datetime(2020, 1, 1), "data onde se esperava um número"),
        ("abc", "não é um número"),
        (11.0, "fora do intervalo 0–10,5"),
        (-0.1, "fora do intervalo 0–10,5"),
        (float("inf"), "número infinito"),
    ],
)
def test_unreadable_numbers_say_why(value: Cell, reason: str) -> None:
    c = ctx()
    assert SCORE([value], c) == [None]
    assert c.bad == [(0, value, reason)]


def test_nan_cell_is_missing() -> None:
    assert SCORE([float("nan")], ctx()) == [None]


def test_integers_must_be_whole() -> None:
    c = ctx()
    assert integer_in(0, 10)([2.0, "3", 2.5, 11], c) == [2, 3, None, None]
    assert [reason for _, _, reason in c.bad] == [
        "deveria ser um número inteiro",
        "fora do intervalo 0–10",
    ]


@given(st.floats(min_value=0, max_value=10.5, allow_nan=False))
def test_any_score_round_trips_through_both_decimal_marks(value: float) -> None:
    text = repr(value)
    assert SCORE([text], ctx(".")) == [pytest.approx(value)]
    if "e" not in text:
        assert SCORE([text.replace(".", ",")], ctx(",")) == [pytest.approx(value)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7),  # 2022: text digits
        (3, 3),
        (9.0, 9),  # 2024 alumni rows
        ("2.0", 2),  # old CSV
        ("ALFA", 0),
        ("alfa", 0),
        ("FASE 3", 3),  # 2023
        ("Fase 8", 8),
        ("1A", 1),  # 2024: phase digit + class letter
        ("8F", 8),
        ("4 M", 4),
        ("2H", 2),  # 2020 FASE_TURMA
    ],
)
def test_fase_formats(value: Cell, expected: int) -> None:
    c = ctx()
    assert parse_fase([value], c) == [expected]
    assert c.bad == []


@pytest.mark.parametrize("value", ["FASE X", "10", 12, 2.5, "Turma B", -1])
def test_fase_rejects_unknown_formats(value: Cell) -> None:
    c = ctx()
    assert parse_fase([value], c) == [None]
    assert len(c.bad) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ALFA  (2º e 3º ano)", 0),  # 2022: double space and º
        ("ALFA (1° e 2° ano)", 0),  # 2023–24: °
        ("Fase 1 (4º ano)", 1),
        ("Fase 1 (3° e 4° ano)", 1),
        ("Fase 8 (Universitários)", 8),
        ("Nível 5 (1o EM)", 5),  # 2021 CSV
        ("Nivel 2 (5o e 6o ano)", 2),
        (4, 4),
        ("ERRO", None),  # 2021 CSV: two rows
    ],
)
def test_fase_ideal_label_sets(value: Cell, expected: int | None) -> None:
    c = ctx()
    assert parse_fase_ideal([value], c) == [expected]
    assert c.bad == []


def test_fase_ideal_unknown_label_is_bad() -> None:
    c = ctx()
    parse_fase_ideal(["Segundo ano"], c)
    assert "Fase Ideal não reconhecida" in c.bad[0][2]


def test_age_stored_as_excel_date_is_repaired() -> None:
    c = ctx()
    ages = parse_age([dt.datetime(1900, 1, 8), 9.0, "1900-01-12", "08/01/1900", "1/9/1900"], c)
    assert ages == [8, 9, 12, 8, 9]
    assert c.repairs["excel_date_age"] == 4


@pytest.mark.parametrize("value", [dt.datetime(2015, 3, 4), "5/6/1900", 2.5, 150, 0, "-12345678"])
def test_impossible_ages_are_bad(value: Cell) -> None:
    c = ctx()
    assert parse_age([value], c) == [None]
    assert len(c.bad) == 1


# Ten date cells, all with day ≤ 12: enough evidence of the day-first locale's swap.
SWAPPED_CELLS: list[Cell] = [dt.datetime(2014, month, 4) for month in range(1, 11)]


def test_birth_dates_from_month_first_text_swap_the_datetime_cells() -> None:
    # 2023: text is M/D/YYYY; a day-first locale turned the ambiguous ones into swapped dates.
    c = ctx()
    values: list[Cell] = ["6/17/2015", dt.datetime(2015, 12, 3), None, *SWAPPED_CELLS]
    out = parse_birth_date(values, c)
    assert out[:3] == [dt.date(2015, 6, 17), dt.date(2015, 3, 12), None]
    assert out[3:] == [dt.date(2014, 4, month) for month in range(1, 11)]
    assert c.repairs["swapped_birth_date"] == 10  # 2014-04-04 is the same either way


def test_a_few_date_cells_are_not_enough_to_swap() -> None:
    c = ctx()
    values: list[Cell] = ["6/17/2015", dt.datetime(2015, 12, 3), dt.datetime(2014, 4, 5)]
    assert parse_birth_date(values, c)[1:] == [dt.date(2015, 12, 3), dt.date(2014, 4, 5)]
    assert not c.repairs


def test_birth_dates_all_datetime_are_kept_and_time_parts_dropped() -> None:
    c = ctx()
    values: list[Cell] = [dt.datetime(2016, 7, 28, 3, 0), dt.datetime(2016, 10, 5)]
    assert parse_birth_date(values, c) == [dt.date(2016, 7, 28), dt.date(2016, 10, 5)]
    assert c.repairs == {"time_part": 1}


def test_birth_dates_day_first_text_iso_and_serial() -> None:
    c = ctx()
    values: list[Cell] = ["28/07/2016", "03/04/2015", "2014-05-06 02:00:00", 42000.0, "2013-01-02"]
    assert parse_birth_date(values, c) == [
        dt.date(2016, 7, 28),
        dt.date(2015, 4, 3),
        dt.date(2014, 5, 6),
        dt.date(2014, 12, 27),  # Excel serial 42000
        dt.date(2013, 1, 2),
    ]
    assert c.repairs == {"time_part": 1, "excel_serial_date": 1}


def test_ambiguous_birth_dates_are_read_day_first_and_reported() -> None:
    c = ctx()
    assert parse_birth_date(["03/04/2015", "05/06/2014 10:30"], c) == [
        dt.date(2015, 4, 3),
        dt.date(2014, 6, 5),
    ]
    assert c.repairs["ambiguous_date_order"] == 2
    assert c.repairs["time_part"] == 1


def test_mixed_date_orders_flag_only_the_minority() -> None:
    c = ctx()
    out = parse_birth_date(["13/01/2015", "14/02/2014", "01/13/2015", "05/06/2013"], c)
    assert out[:2] == [dt.date(2015, 1, 13), dt.date(2014, 2, 14)]
    assert out[3] == dt.date(2013, 6, 5)
    assert c.bad == [(2, "01/13/2015", "ordem dia/mês diferente do resto da coluna")]


def test_iso_text_in_a_month_first_column_is_swapped_like_date_cells() -> None:
    # pandas' to_csv of the 2023 sheet: date cells become ISO text, the rest stays M/D/YYYY.
    c = ctx()
    iso = [f"2014-{month:02d}-05" for month in range(1, 11)]
    out = parse_birth_date(["6/17/2015", "2015-12-03 00:00:00", *iso], c)
    assert out[:2] == [dt.date(2015, 6, 17), dt.date(2015, 3, 12)]
    assert out[2:] == [dt.date(2014, 5, month) for month in range(1, 11)]
    assert c.repairs["swapped_birth_date"] == 10


@pytest.mark.parametrize(
    "value",
    ["31/02/2015", "ontem", "1850-01-01", 12.0, dt.time(10, 0), ExcelError("#N/A")],
)
def test_unreadable_birth_dates(value: Cell) -> None:
    c = ctx()
    out = parse_birth_date([value], c)
    assert out == [None]
    if isinstance(value, ExcelError):
        assert c.repairs["excel_error"] == 1
    else:
        assert len(c.bad) == 1


def test_birth_date_plain_date_cell() -> None:
    assert parse_birth_date([dt.date(2012, 5, 1)], ctx()) == [dt.date(2012, 5, 1)]


def test_gender_labels_of_both_years_and_unknown_kept() -> None:
    c = ctx()
    values: list[Cell] = ["Menina", "Menino", "Feminino", "masculino ", "Não binário", None]
    assert parse_genero(values, c) == [
        "Feminino",
        "Masculino",
        "Feminino",
        "Masculino",
        "Não binário",
        None,
    ]
    assert c.repairs == {"gender_label": 2, "unknown_gender": 1}
    parse_genero([3.0], c)
    assert len(c.bad) == 1


def test_pedra_accent_variants_and_incluir() -> None:
    c = ctx()
    values: list[Cell] = ["Agata", "Ágata", "topazio", "INCLUIR", ExcelError("#N/A")]
    assert parse_pedra(values, c) == ["Ágata", "Ágata", "Topázio", None, None]
    assert c.repairs == {"pedra_label": 2, "incluir": 1, "excel_error": 1}
    parse_pedra(["Diamante"], c)
    assert c.bad[0][2].startswith("Pedra deve ser")


def test_ra_variants_are_normalized() -> None:
    c = ctx()
    assert parse_ra(["ra-2", "RA 3", "RA-4", "Ra_5", "RA-01", "123"], c) == [
        "RA-2",
        "RA-3",
        "RA-4",
        "RA-5",
        "RA-1",
        "123",
    ]
    assert c.repairs["ra_format"] == 4


def test_numbers_with_inner_spaces_or_thousands_points_are_bad() -> None:
    c = ctx()
    assert SCORE(["1 0", " 7.5 "], c) == [None, 7.5]
    assert c.bad == [(0, "1 0", "não é um número")]
    c = ctx()
    assert integer_in(1990, 2100)(["2.021"], c) == [None]
    assert c.bad[0][2] == "deveria ser um número inteiro (ponto de milhar? sem ele)"


def test_boolean_in_a_text_column_is_bad() -> None:
    c = ctx()
    assert parse_text([True], c) == [None]
    assert c.bad[0][2] == "valor lógico (VERDADEIRO/FALSO) onde se esperava texto"


def test_text_and_ra() -> None:
    c = ctx()
    assert parse_text(["  Escola   Pública ", 9.0, None], c) == ["Escola Pública", "9", None]
    parse_text([dt.datetime(2020, 1, 1)], c)
    assert len(c.bad) == 1
    c = ctx()
    assert parse_ra(["RA-1", ""], c) == ["RA-1", None]
    assert c.bad[0][2] == "RA vazio"


def test_fold_normalizes_accents_case_and_spaces() -> None:
    assert fold("  Instituição   de Ensino ") == "instituicao de ensino"
    assert fold("Nº Av") == "no av"


def test_missing_values_never_become_zero() -> None:
    out = SCORE([None, "", ExcelError("#N/A")], ctx())
    assert all(v is None for v in out)
    assert not any(isinstance(v, float) and math.isclose(v, 0.0) for v in out)
