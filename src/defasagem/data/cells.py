"""Spreadsheet cell values as read from a file, and how to compare and show them."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class ExcelError:
    """An Excel error cell (``#N/A``, ``#DIV/0!`` …) or its text in a CSV export."""

    code: str


Cell = str | float | int | bool | dt.datetime | dt.date | dt.time | ExcelError | None

# Error codes in English and in the pt-BR Excel/Sheets locale: a CSV export writes them as text.
EXCEL_ERROR_CODES = frozenset(
    {
        "#N/A",
        "#N/D",
        "#DIV/0!",
        "#NULL!",
        "#NULO!",
        "#VALUE!",
        "#VALOR!",
        "#REF!",
        "#NAME?",
        "#NOME?",
        "#NUM!",
        "#NÚM!",
        "#ERROR!",
        "#ERRO!",
        "#SPILL!",
        "#CALC!",
    }
)


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text for comparing labels and headers."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def display_value(value: Cell) -> str:
    """A cell as a coordinator would recognise it in the spreadsheet (for error messages)."""
    if value is None:
        return "(vazio)"
    if isinstance(value, ExcelError):
        return value.code
    if isinstance(value, bool):
        return "VERDADEIRO" if value else "FALSO"
    if isinstance(value, dt.datetime):
        fmt = "%d/%m/%Y" if value.time() == dt.time() else "%d/%m/%Y %H:%M"
        return value.strftime(fmt)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return f"'{value}'"
