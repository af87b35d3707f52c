"""Read a PEDE export (xlsx workbook or CSV text) into raw tables of untouched cell values.

Nothing is interpreted here beyond what the file format itself says: Excel error cells are kept
as :class:`ExcelError`, dates stay datetimes, text stays text. Turning cells into canonical
values is the job of :mod:`defasagem.data.values`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from defasagem.data.cells import EXCEL_ERROR_CODES, Cell, ExcelError
from defasagem.data.headers import header_score
from defasagem.errors import PedeFormatError

__all__ = ["Cell", "ExcelError", "RawTable", "decode_text", "read_tables"]

FileKind = Literal["xlsx", "csv"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A title or notes may sit above the table: the header is the best-scoring of the first rows.
_HEADER_SEARCH_ROWS = 30
_MIN_HEADER_SCORE = 3
# A formula element in a sheet's XML (openpyxl's cached-value mode cannot tell it is there).
_FORMULA_TAG = re.compile(rb"<f[ >/]")
# Reading a sheet stops after this many blank rows in a row (formatted empty rows at the end).
_MAX_BLANK_RUN = 1000
_MAX_ROWS = 100_000
# A UTF-8 file with a few stray bytes is still UTF-8; a Windows-1252 file has many.
_MAX_STRAY_SHARE = 0.01


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
    notes: list[str] = field(default_factory=list)
    # Column index → (row number, formula) of a formula cell saved without its value.
    uncached_formulas: dict[int, tuple[int, str]] = field(default_factory=dict)

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
    try:
        data = path.read_bytes()
    except PermissionError:
        raise PedeFormatError(f"{path}: sem permissão de leitura.") from None
    except OSError as exc:
        raise PedeFormatError(f"{path}: não foi possível ler o arquivo ({exc.strerror}).") from None
    if path.name.startswith("~$"):
        raise PedeFormatError(
            f"{path.name}: é o arquivo de trava que o Excel cria enquanto a planilha está aberta; "
            f"use o arquivo original ({path.name[2:]})."
        )
    if not data:
        raise PedeFormatError(f"{path.name}: o arquivo está vazio.")
    if data.startswith(_OLE2_MAGIC):
        raise PedeFormatError(
            f"{path.name}: o formato .xls antigo não é suportado; "
            "salve a planilha como .xlsx ou .csv."
        )
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(path, data)
    return [_read_csv(path, data)]


def _read_workbook(path: Path, data: bytes) -> list[RawTable]:
    broken = PedeFormatError(
        f"{path.name}: não foi possível abrir como planilha .xlsx "
        "(arquivo truncado ou corrompido?). Abra-o no Excel ou no Google Sheets e salve de novo."
    )
    has_formula = _scan_sheets(path, data)
    try:
        # Read-only (streaming) mode: memory stays flat even for a sheet with thousands of
        # formatted blank rows, and reading stops after a long blank stretch.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            tables = [_read_sheet(path, sheet) for sheet in workbook.worksheets]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, EOFError):
        raise broken from None
    if has_formula:
        _find_uncached_formulas(data, tables)
    return tables


def _scan_sheets(path: Path, data: bytes) -> bool:
    """One streaming pass over each sheet's XML, before any parsing: refuse a sheet with too
    many rows (openpyxl first scans a whole sheet that has no size record, which for hundreds
    of thousands of even blank rows takes minutes) and tell whether any formula is present."""
    has_formula = False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if not name.startswith("xl/worksheets/sheet"):
                    continue
                rows, formulas = _count_tags(archive, name)
                has_formula = has_formula or formulas
                if rows > _MAX_ROWS:
                    raise PedeFormatError(
                        f"{path.name}: uma aba tem {rows} linhas (inclusive em branco); "
                        f"o limite é {_MAX_ROWS}. Apague as linhas vazias do fim da "
                        "planilha e salve de novo."
                    )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False  # the workbook reader reports a broken file
    return has_formula


def _count_tags(archive: zipfile.ZipFile, name: str) -> tuple[int, bool]:
    """Count ``<row`` tags and look for a formula tag while streaming (memory stays small)."""
    rows = 0
    formula = False
    tail = b""
    with archive.open(name) as stream:
        while chunk := stream.read(1 << 20):
            # The last 3 bytes are carried over: a tag split across two chunks is whole (and
            # counted once) in the next block, and 3 bytes cannot hold a whole "<row".
            block = tail + chunk
            rows += block.count(b"<row")
            formula = formula or _FORMULA_TAG.search(block) is not None
            tail = block[-3:]
    return rows, formula


def _read_sheet(path: Path, sheet: Any) -> RawTable:
    numbered: list[tuple[int, list[Cell]]] = []
    blank_run = 0
    stopped_at = None
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        values = [_cell_value(cell) for cell in cells]
        if _is_blank(values):
            blank_run += 1
            if numbered and blank_run >= _MAX_BLANK_RUN:
                stopped_at = number
                break
            continue
        blank_run = 0
        numbered.append((number, values))
        if len(numbered) > _MAX_ROWS:
            raise PedeFormatError(
                f"{path.name}, aba {sheet.title}: mais de {_MAX_ROWS} linhas; "
                "isto não parece uma exportação PEDE de um ano."
            )
    table = _table(path, str(sheet.title), "xlsx", numbered)
    if stopped_at is not None:
        table.notes.append(
            f"leitura encerrada na linha {stopped_at}, após {_MAX_BLANK_RUN} linhas em branco"
        )
    if getattr(sheet, "sheet_state", "visible") != "visible":
        table.notes.append("aba oculta na planilha (lida mesmo assim)")
    return table


def _cell_value(cell: Any) -> Cell:
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "e" and value is not None:
        return ExcelError(str(value))
    return value


def _find_uncached_formulas(data: bytes, tables: list[RawTable]) -> None:
    """A workbook written by a script may hold formulas without their computed values: read with
    cached values they look empty. Such cells are recorded, so that a column that is actually
    used can be refused instead of read as missing."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        by_name = {t.name: t for t in tables}
        for sheet in workbook.worksheets:
            table = by_name.get(sheet.title)
            if table is None or not table.rows:
                continue
            cached = dict(zip(table.row_numbers, table.rows, strict=True))
            last = table.row_numbers[-1]
            for number, formulas in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > last:
                    break
                row = cached.get(number)
                if row is None:
                    continue
                for index, formula in enumerate(formulas):
                    value = row[index] if index < len(row) else None
                    if value is None and isinstance(formula, str) and formula.startswith("="):
                        table.uncached_formulas.setdefault(index, (number, formula))
    finally:
        workbook.close()


def _table(
    path: Path, name: str, kind: FileKind, numbered: Sequence[tuple[int, list[Cell]]]
) -> RawTable:
    """Drop blank rows, find the header row, keep the data rows below it with their numbers."""
    kept = [(number, values) for number, values in numbered if not _is_blank(values)]
    table = RawTable(file=path, name=name, kind=kind, headers=[], rows=[])
    if not kept:
        return table
    candidates = [[_header_text(v) for v in values] for _, values in kept[:_HEADER_SEARCH_ROWS]]
    scores = [header_score(headers) for headers in candidates]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    start = best if scores[best] >= _MIN_HEADER_SCORE else 0
    table.headers = candidates[start]
    table.rows = [values for _, values in kept[start + 1 :]]
    table.row_numbers = [number for number, _ in kept[start + 1 :]]
    if start:
        table.notes.append(
            f"cabeçalho encontrado na linha {kept[start][0]}; {start} linha(s) acima dele ignoradas"
        )
    return table


def _header_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, ExcelError):
        return value.code
    return str(value).strip()


def _is_blank(values: Sequence[Cell]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def decode_text(path: Path, data: bytes) -> tuple[str, int]:
    """Decode a CSV export: UTF-8 (with or without BOM), else Windows-1252.

    Returns the text and how many undecodable bytes were replaced: a UTF-8 file with a stray
    byte or two stays UTF-8 (reading it as Windows-1252 would garble every accent).
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Texto Unicode" export
        try:
            return data.decode("utf-16"), 0
        except UnicodeDecodeError:
            raise PedeFormatError(f"{path.name}: texto UTF-16 corrompido.") from None
    try:
        return data.decode("utf-8-sig"), 0
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", errors="replace")
    stray = text.count("\ufffd")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    if stray <= max(2, _MAX_STRAY_SHARE * non_ascii) and stray < non_ascii / 2:
        return text, stray
    text = data.decode("cp1252", errors="replace")
    if "\ufffd" in text or "\x00" in text:
        raise PedeFormatError(
            f"{path.name}: não é um arquivo de texto (CSV) nem uma planilha .xlsx legível."
        )
    return text, 0


def _read_csv(path: Path, data: bytes) -> RawTable:
    text, stray = decode_text(path, data)
    if "\x00" in text:
        raise PedeFormatError(
            f"{path.name}: não é um arquivo de texto (CSV) nem uma planilha .xlsx legível."
        )
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        # line_num is read after each record is parsed: the file line where the record ends.
        numbered = [(reader.line_num, [_text_cell(v) for v in record]) for record in reader]
    except csv.Error:
        raise PedeFormatError(
            f"{path.name}: CSV malformado perto da linha {reader.line_num} "
            "(aspas sem fechamento ou campo grande demais?)."
        ) from None
    if len(numbered) > _MAX_ROWS:
        raise PedeFormatError(
            f"{path.name}: mais de {_MAX_ROWS} linhas; isto não parece uma exportação PEDE."
        )
    table = _table(path, path.name, "csv", numbered)
    if not table.headers:
        raise PedeFormatError(f"{path.name}: o arquivo não tem cabeçalho nem linhas.")
    _check_row_widths(table, delimiter)
    table.decimal = _sniff_decimal(table.rows)
    if stray:
        table.notes.append(f"{stray} byte(s) inválido(s) em UTF-8 substituído(s) por '�'")
    return table


def _check_row_widths(table: RawTable, delimiter: str) -> None:
    """Spreadsheets write every separator on every line: a line with fewer or more cells than
    the header means a cut file, or a separator inside an unquoted value."""
    width = len(table.headers)
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        extra = [v for v in row[width:] if not (isinstance(v, str) and not v.strip())]
        if len(row) >= width and not extra:
            continue
        last = number == table.row_numbers[-1] and len(row) < width
        hint = (
            "o arquivo parece truncado"
            if last
            else f"há '{delimiter}' dentro de algum valor sem aspas? (ex.: vírgula decimal)"
        )
        raise PedeFormatError(
            f"{table.file.name}: a linha {number} tem {len(row)} colunas e o cabeçalho tem "
            f"{width}; {hint}."
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


_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_DECIMAL = re.compile(r"^[+-]?\d+\.\d+$")


def sniff_decimal(values: Sequence[Cell], default: str = ".") -> str:
    """The decimal mark most numeric-looking text cells use (a quoted "7,5" works with ",")."""
    comma = dot = 0
    for value in values:
        if isinstance(value, str):
            token = value.strip()
            if _COMMA_DECIMAL.match(token):
                comma += 1
            elif _DOT_DECIMAL.match(token):
                dot += 1
    if comma == dot:
        return default
    return "," if comma > dot else "."


def _sniff_decimal(rows: list[list[Cell]]) -> str:
    return sniff_decimal([value for row in rows for value in row])
