"""A yearly PEDE sheet (a workbook tab, or one year saved as CSV) → canonical rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl.utils import get_column_letter

from defasagem.data.cells import fold
from defasagem.data.headers import (
    REQUIRED_FIELDS,
    history_field,
    match_header,
    year_from_headers,
    year_from_name,
)
from defasagem.data.raw import RawTable
from defasagem.data.report import YearLog
from defasagem.data.year_table import SourceColumns, build_year_rows, check_entry_year
from defasagem.errors import PedeFormatError

# Either one is enough: Defasagem = Fase − Fase Ideal.
_TARGET_FIELDS = ("defasagem", "fase_ideal")


@dataclass(frozen=True)
class SheetYear:
    """A sheet's evaluation year and where it came from: 'name', 'headers' or 'option'."""

    year: int
    origin: str
    header: str | None = None


def sheet_year(table: RawTable, year: int | None) -> SheetYear:
    """The evaluation year of a sheet.

    A workbook tab named like ``PEDE2023`` states its year. Otherwise ``--year`` does, and it
    may be later than the headers' tags (they can all be history), never earlier. Without
    either, the latest tag (``INDE 2023``) is used, unless the current INDE/Pedra is untagged.
    """
    hint = year_from_headers(table.headers)
    from_name = year_from_name(table.name) if table.kind == "xlsx" else None
    chosen = from_name if from_name is not None else year
    if chosen is not None:
        if hint.year is not None and hint.year > chosen:
            origin = f"o nome da aba indica {chosen}" if from_name else f"--year {chosen}"
            raise PedeFormatError(
                f"{table.label}: {origin}, mas o cabeçalho '{hint.header}' é de {hint.year}; "
                "confira o ano ou o cabeçalho."
            )
        if from_name is not None and hint.exact and hint.year is not None and hint.year != chosen:
            # A tab renamed by hand: its INDE/Pedra are tagged, and not with the tab's year.
            raise PedeFormatError(
                f"{table.label}: o nome da aba indica {chosen}, mas o cabeçalho mais recente é "
                f"'{hint.header}' ({hint.year}); corrija o nome da aba ou os cabeçalhos."
            )
        return SheetYear(chosen, "name" if from_name is not None else "option", hint.header)
    if hint.year is not None and hint.exact:
        return SheetYear(hint.year, "headers", hint.header)
    after = f" (posterior a {hint.year}, pelo cabeçalho '{hint.header}')" if hint.year else ""
    raise PedeFormatError(
        f"{table.label}: não foi possível saber o ano da planilha{after}: nenhum cabeçalho como "
        "'INDE 2025' ou 'Pedra 2025' e nenhum ano no nome da aba; informe-o com --year."
    )


def source_name(table: RawTable) -> str:
    """The `source` value of the rows of a table: ``arquivo.xlsx#ABA`` or ``arquivo.csv``."""
    return f"{table.file.name}#{table.name}" if table.kind == "xlsx" else table.file.name


def read_year_sheet(table: RawTable, when: SheetYear, log: YearLog) -> dict[str, list[Any]]:
    """Canonical field → values for every student row of one yearly sheet."""
    year = when.year
    ra_index = _ra_index(table)
    labels = [
        _row_label(number, _ra_text(row, ra_index))
        for number, row in zip(table.row_numbers, table.rows, strict=True)
    ]
    source = SourceColumns(
        label=table.label,
        year=year,
        decimal=table.decimal,
        row_labels=labels,
    )
    unknown = source.unknown_headers
    for index, header in enumerate(table.headers):
        values = table.column(index)
        name = _field_for(header, year, log, table.label)
        if name is not None and index in table.uncached_formulas:
            number, formula = table.uncached_formulas[index]
            raise PedeFormatError(
                f"{table.label}: a coluna '{header}' tem fórmulas sem valor calculado "
                f"(ex.: linha {number}, {formula}). Abra o arquivo no Excel ou no Google Sheets "
                "e salve de novo para gravar os valores."
            )
        if name is None:
            if header and not match_header(header).ignored and match_header(header).field is None:
                unknown.append(header)
            continue
        source.add(name, _header_label(table.headers, index), values)
    if unknown:
        log.notes.append("colunas desconhecidas ignoradas: " + ", ".join(unknown))
    if not any(f in source.columns for f in _TARGET_FIELDS):
        raise PedeFormatError(
            f"{table.label} (ano {year}): faltam colunas obrigatórias: Defasagem ou Fase Ideal."
        )
    rows = build_year_rows(source, log, REQUIRED_FIELDS)
    _check_year_against_ages(rows, when, table.label, log)
    check_entry_year(rows, source)
    _reject_duplicate_ra(rows["ra"], labels, table.label)
    return rows


_MIN_AGES_FOR_YEAR_CHECK = 10


def _check_year_against_ages(
    rows: dict[str, list[Any]], when: SheetYear, where: str, log: YearLog
) -> None:
    """Birth year + age is the sheet's year (or one less, before the birthday); a year read from
    history headers that disagrees is refused, one set by name or --year is warned about."""
    sums = sorted(
        born + age
        for born, age in zip(rows.get("ano_nascimento", []), rows.get("idade", []), strict=False)
        if born is not None and age is not None
    )
    if len(sums) < _MIN_AGES_FOR_YEAR_CHECK:
        return
    implied = sums[len(sums) // 2]
    if when.year - 1 <= implied <= when.year:
        return
    if when.origin == "headers":
        raise PedeFormatError(
            f"{where}: o cabeçalho '{when.header}' indica {when.year}, mas idades e anos de "
            f"nascimento indicam {implied}; confira o arquivo ou informe o ano com --year."
        )
    log.warnings.append(
        f"idades e anos de nascimento indicam {implied}, não {when.year}: confira o ano"
    )


def _header_label(headers: list[str], index: int) -> str:
    """A header as messages show it; a repeated header gets its column letter ('IAA' [AE])."""
    header = headers[index]
    if headers.count(header) > 1:
        return f"{header} [coluna {get_column_letter(index + 1)}]"
    return header


def _ra_index(table: RawTable) -> int | None:
    for index, header in enumerate(table.headers):
        if match_header(header).field == "ra":
            return index
    return None


_FOOTER = re.compile(r"^(total|soma|media|fonte|obs|nota|legenda)", re.IGNORECASE)


def _row_label(number: int, ra: str) -> str:
    """How a row is named in messages: its line in the spreadsheet and its RA."""
    if _FOOTER.match(fold(ra)):
        return f"linha {number} ('{ra}': linha de total ou rodapé? apague-a)"
    return f"linha {number} ({ra})"


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
