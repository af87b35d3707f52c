"""How cells are shown to users in error messages."""

from __future__ import annotations

import datetime as dt

import pytest

from defasagem.data.cells import Cell, ExcelError, display_value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "(vazio)"),
        (ExcelError("#N/A"), "#N/A"),
        (True, "VERDADEIRO"),
        (False, "FALSO"),
        (dt.datetime(2020, 1, 2), "02/01/2020"),
        (dt.datetime(2020, 1, 2, 3, 4), "02/01/2020 03:04"),
        (dt.date(2015, 6, 17), "17/06/2015"),
        (dt.time(10, 30), "10:30"),
        (7.0, "7"),
        (7.25, "7,25"),
        (float("inf"), "inf"),
        (12, "12"),
        ("muito bom", "'muito bom'"),
    ],
)
def test_values_are_shown_as_in_the_spreadsheet(value: Cell, shown: str) -> None:
    assert display_value(value) == shown
