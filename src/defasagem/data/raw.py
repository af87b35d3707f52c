"""Read a PEDE export (xlsx workbook or CSV text) into raw tables of untouched cell values.

Nothing is interpreted here beyond what the file format itself says: Excel error cells are kept
as :class:`ExcelError`, dates stay datetimes, text stays text. Turning cells into canonical
values is the job of :mod:`defasagem.data.values`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from defasagem.errors import PedeFormatError


@dataclass(frozen=True)
class ExcelError:
    """An Excel error cell (``#N/A``, ``#DIV/0!`` …) or its text in a CSV export."""

    code: str


Cell = str | float | int | bool | dt.datetime | dt.date | dt.time | ExcelError | None

FileKind = Literal["xlsx", "csv"]

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

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Comma-decimal numbers ("7,5") versus dot-decimal numbers ("7.5") when sniffing a CSV.
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


@dataclass
class RawTable:
    """One sheet (or one CSV file) as read: a header row and the data rows below it."""

    file: Path
    name: str
    kind: FileKind
    headers: list[str]
    rows: list[list[Cell]]
    row_numbers: list[int] = field(default_factory=list)
    decimal: str = "."

    @property
    def label(self) -> str:
        """Where the table came from, as users name it: ``arquivo.xlsx, aba PEDE2023``."""
        if self.kind == "xlsx":
            return f"{self.file.name}, aba {self.name}"
        return self.file.name

    def column(self, index: int) -> list[Cell]:
        """All values of one column (short rows are padded with None)."""
        return [row[index] if index < len(row) else None for row in self.rows]


def read_tables(path: Path) -> list[RawTable]:
    """Read every sheet of a workbook, or the single table of a CSV file."""
    if not path.exists():
        raise PedeFormatError(f"{path}: arquivo não encontrado.")
    if path.is_dir():
        raise PedeFormatError(f"{path}: é uma pasta, não um arquivo.")
    head = path.read_bytes()[:8]
    if not head:
        raise PedeFormatError(f"{path.name}: o arquivo está vazio.")
    if head.startswith(_OLE2_MAGIC):
        raise PedeFormatError(
            f"{path.name}: o formato .xls antigo não é suportado; "
            "salve a planilha como .xlsx ou .csv."
        )
    if head.startswith(_ZIP_MAGIC):
        return _read_workbook(path)
    return [_read_csv(path)]


def _read_workbook(path: Path) -> list[RawTable]:
    try:
        # Full mode, not read_only: the PEDE exports carry no <dimension>, and read_only mode then
        # parses each sheet twice (3-4x slower here).
        workbook = openpyxl.load_workbook(path, read_only=False, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise PedeFormatError(
            f"{path.name}: não foi possível abrir como planilha .xlsx "
            f"(arquivo truncado ou corrompido?): {exc}"
        ) from exc
    try:
        tables = [_read_sheet(path, sheet) for sheet in workbook.worksheets]
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise PedeFormatError(
            f"{path.name}: a planilha está corrompida ou truncada e não pôde ser lida: {exc}"
        ) from exc
    finally:
        workbook.close()
    return tables


def _read_sheet(path: Path, sheet: object) -> RawTable:
    numbered = (
        (number, [_cell_value(cell) for cell in cells])
        for number, cells in enumerate(sheet.iter_rows(), start=1)  # type: ignore[attr-defined]
    )
    headers, rows, numbers = _split_header(numbered)
    return RawTable(
        file=path,
        name=str(sheet.title),  # type: ignore[attr-defined]
        kind="xlsx",
        headers=headers,
        rows=rows,
        row_numbers=numbers,
    )


# A title or notes above the table are skipped: the header is the first row naming the id column.
_HEADER_SEARCH_ROWS = 20
_ID_HEADERS = frozenset({"ra", "nome"})


def _split_header(
    numbered: Iterable[tuple[int, list[Cell]]],
) -> tuple[list[str], list[list[Cell]], list[int]]:
    """Drop blank rows; find the header row; return headers, data rows and their row numbers."""
    kept = [(number, values) for number, values in numbered if not _is_blank(values)]
    if not kept:
        return [], [], []
    start = 0
    for index, (_, values) in enumerate(kept[:_HEADER_SEARCH_ROWS]):
        if any(_header_text(v).casefold() in _ID_HEADERS for v in values):
            start = index
            break
    headers = [_header_text(v) for v in kept[start][1]]
    body = kept[start + 1 :]
    return headers, [values for _, values in body], [number for number, _ in body]


def _cell_value(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "e" and value is not None:
        return ExcelError(str(value))
    return value


def _header_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_blank(values: Sequence[Cell]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def decode_text(path: Path, data: bytes) -> str:
    """Decode a CSV export: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if "\x00" in text or "\ufffd" in text:
        raise PedeFormatError(
            f"{path.name}: não é um arquivo de texto (CSV) nem uma planilha .xlsx legível."
        )
    return text


def _read_csv(path: Path) -> RawTable:
    text = decode_text(path, path.read_bytes())
    if "\x00" in text:
        raise PedeFormatError(
            f"{path.name}: não é um arquivo de texto (CSV) nem uma planilha .xlsx legível."
        )
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        numbered = [
            (number, [_text_cell(v) for v in record])
            for number, record in enumerate(reader, start=1)
        ]
    except csv.Error as exc:
        raise PedeFormatError(f"{path.name}: CSV malformado ({exc}).") from exc
    headers, rows, numbers = _split_header(numbered)
    if not headers:
        raise PedeFormatError(f"{path.name}: o arquivo não tem cabeçalho nem linhas.")
    _reject_truncated(path, headers, rows, numbers)
    return RawTable(
        file=path,
        name=path.name,
        kind="csv",
        headers=headers,
        rows=rows,
        row_numbers=numbers,
        decimal=_sniff_decimal(rows),
    )


def _reject_truncated(
    path: Path, headers: list[str], rows: list[list[Cell]], numbers: list[int]
) -> None:
    """Spreadsheets write every separator on every line: a short last line means a cut file."""
    if len(rows) < 2 or len(rows[-1]) >= len(headers):
        return
    if all(len(row) >= len(headers) for row in rows[:-1]):
        raise PedeFormatError(
            f"{path.name}: o arquivo parece truncado: a linha {numbers[-1]} tem "
            f"{len(rows[-1])} de {len(headers)} colunas."
        )


def _text_cell(value: str) -> Cell:
    """CSV text as a cell: error codes written as text become :class:`ExcelError`."""
    stripped = value.strip()
    if stripped.upper() in EXCEL_ERROR_CODES:
        return ExcelError(stripped.upper())
    return value


def _sniff_delimiter(text: str) -> str:
    """The separator used most on one of the first lines (the header has one per column)."""
    lines = text.splitlines()[:_HEADER_SEARCH_ROWS]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _sniff_decimal(rows: list[list[Cell]]) -> str:
    """The decimal mark most numeric-looking text cells use (a quoted "7,5" works with ",")."""
    comma = dot = 0
    for row in rows:
        for value in row:
            if isinstance(value, str):
                token = value.strip()
                if _COMMA_DECIMAL.match(token):
                    comma += 1
                elif _DOT_DECIMAL.match(token):
                    dot += 1
    return "," if comma > dot else "."
