"""A yearly PEDE sheet (a workbook tab, or one year saved as CSV) → canonical rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from defasagem.data.headers import (
    REQUIRED_FIELDS,
    history_field,
    match_header,
    year_from_headers,
    year_from_name,
)
from defasagem.data.raw import RawTable
from defasagem.data.report import YearLog
from defasagem.data.year_table import SourceColumns, build_year_rows
from defasagem.errors import PedeFormatError

# Either one is enough: Defasagem = Fase − Fase Ideal.
_TARGET_FIELDS = ("defasagem", "fase_ideal")


def sheet_year(table: RawTable, year: int | None) -> tuple[int, bool]:
    """The evaluation year of a sheet, and whether it came from --year.

    A workbook tab named like ``PEDE2023`` states its year; so do headers like ``INDE 2023``.
    ``--year`` is for a one-year export whose headers do not say it; it may not contradict
    the headers of a CSV.
    """
    from_headers = year_from_headers(table.headers)
    from_name = year_from_name(table.name) if table.kind == "xlsx" else None
    if from_headers and from_name and from_headers != from_name:
        raise PedeFormatError(
            f"{table.label}: o nome da aba indica {from_name}, mas os cabeçalhos indicam "
            f"{from_headers} (ex.: 'INDE {from_headers}'); corrija um dos dois."
        )
    if from_name is not None:
        return from_name, False
    if from_headers is not None:
        if year is not None and year != from_headers:
            raise PedeFormatError(
                f"{table.label}: --year {year} não confere com o ano {from_headers} indicado "
                f"pelos cabeçalhos (ex.: 'INDE {from_headers}')."
            )
        return from_headers, False
    if year is None:
        raise PedeFormatError(
            f"{table.label}: não foi possível saber o ano da planilha (nenhum cabeçalho como "
            "'INDE 2025' ou 'Pedra 2025' e nenhum ano no nome da aba); informe-o com --year."
        )
    return year, True


def source_name(table: RawTable) -> str:
    """The `source` value of the rows of a table: ``arquivo.xlsx#ABA`` or ``arquivo.csv``."""
    return f"{table.file.name}#{table.name}" if table.kind == "xlsx" else table.file.name


def read_year_sheet(table: RawTable, year: int, log: YearLog) -> dict[str, list[Any]]:
    """Canonical field → values for every student row of one yearly sheet."""
    ra_index = _ra_index(table)
    labels = [
        f"linha {number} ({_ra_text(row, ra_index)})"
        for number, row in zip(table.row_numbers, table.rows, strict=True)
    ]
    source = SourceColumns(
        label=table.label,
        source=source_name(table),
        year=year,
        decimal=table.decimal,
        row_labels=labels,
    )
    unknown: list[str] = []
    for index, header in enumerate(table.headers):
        values = table.column(index)
        name = _field_for(header, year, log, table.label)
        if name is None:
            if header and not match_header(header).ignored and match_header(header).field is None:
                unknown.append(header)
            continue
        source.add(name, header, values)
    if unknown:
        log.notes.append("colunas desconhecidas ignoradas: " + ", ".join(unknown))
    if not any(f in source.columns for f in _TARGET_FIELDS):
        raise PedeFormatError(
            f"{table.label} (ano {year}): faltam colunas obrigatórias: Defasagem ou Fase Ideal."
        )
    rows = build_year_rows(source, log, REQUIRED_FIELDS)
    _reject_duplicate_ra(rows["ra"], labels, table.label)
    return rows


def _ra_index(table: RawTable) -> int | None:
    for index, header in enumerate(table.headers):
        if match_header(header).field == "ra":
            return index
    return None


def _ra_text(row: Sequence[object], index: int | None) -> str:
    value = row[index] if index is not None and index < len(row) else None
    text = "" if value is None else str(value).strip()
    return text or "sem RA"


def _field_for(header: str, year: int, log: YearLog, where: str) -> str | None:
    match = match_header(header)
    if match.field is None:
        return None
    if match.field in ("inde", "pedra") and match.year is not None and match.year != year:
        if match.year > year:
            raise PedeFormatError(
                f"{where}: a coluna '{header}' é de um ano posterior ao da planilha ({year}); "
                "confira o ano (--year) ou o cabeçalho."
            )
        target = history_field(match.field, year - match.year)
        if target is None:
            log.notes.append(f"coluna '{header}' ignorada: histórico fora do alcance")
        return target
    if match.field == "idade" and match.year not in (None, year):
        log.notes.append(f"coluna '{header}' ignorada: idade de outro ano")
        return None
    return match.field


def _reject_duplicate_ra(ras: list[Any], labels: list[str], where: str) -> None:
    seen: dict[Any, int] = {}
    repeated = []
    for index, ra in enumerate(ras):
        if ra in seen:
            repeated.append(f"{labels[seen[ra]]} e {labels[index]}")
        seen.setdefault(ra, index)
    if repeated:
        shown = "; ".join(repeated[:3])
        raise PedeFormatError(
            f"{where}: RA repetido em {len(repeated)} linha(s): {shown}. "
            "Cada aluno deve aparecer uma vez por ano."
        )
