"""The older wide PEDE base (``PEDE_PASSOS_DATASET_FIAP.csv``, 2020–2022): one row per student,
columns suffixed with the year (``IAA_2021``). Each year becomes canonical rows keyed by a
surrogate id until :mod:`defasagem.data.ingest` links them to RA (PROFILE §7).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from defasagem.data.cells import fold
from defasagem.data.raw import Cell, RawTable
from defasagem.data.report import IngestReport, YearLog
from defasagem.data.year_table import SourceColumns, build_year_rows, check_entry_year
from defasagem.errors import PedeFormatError

SURROGATE_PREFIX = "SEM-RA:"

_YEAR_COLUMN = re.compile(r"^([A-Z][A-Z0-9_]*?)_(20\d{2})$")

# Base name (year suffix removed) → canonical field. NOTA_PORT and NOTA_MAT are swapped in this
# file: NOTA_PORT_2022 equals the workbook's `Matem` in 858/858 linked rows and NOTA_MAT_2022
# equals `Portug` (checked against the 2022 sheet through the CG link).
_BASE_FIELDS = {
    "INSTITUICAO_ENSINO_ALUNO": "instituicao_ensino",
    "INSTITUICAO_ENSINO": "instituicao_ensino",
    "IDADE_ALUNO": "idade",
    "IDADE": "idade",
    "GENERO": "genero",
    "ANO_NASC": "ano_nascimento",
    "FASE": "fase",
    "TURMA": "turma",
    "INDE": "inde",
    "PEDRA": "pedra",
    "IAA": "iaa",
    "IEG": "ieg",
    "IPS": "ips",
    "IDA": "ida",
    "IPP": "ipp",
    "IPV": "ipv",
    "IAN": "ian",
    "NIVEL_IDEAL": "fase_ideal",
    "DEFASAGEM": "defasagem",
    "ANO_INGRESSO": "ano_ingresso",
    "CG": "_cg",
    "NOTA_PORT": "nota_mat",
    "NOTA_MAT": "nota_port",
    "NOTA_ING": "nota_ing",
    "QTD_AVAL": "n_avaliacoes",
}
# Read but not kept: free text, recommendations, rankings other than CG, flags of one year only.
_IGNORED_BASES = re.compile(
    r"^(ANOS_PM|PONTO_VIRADA|INDE_CONCEITO|DESTAQUE_.*|SINALIZADOR_INGRESSANTE|REC_EQUIPE_\d|"
    r"REC_AVA_\d|BOLSISTA|CF|CT|INDICADO_BOLSA)$"
)
# The garbage 2020 row holds codebook variable ids (D108, V202, D9891/2A) instead of values.
_VARIABLE_CODE = re.compile(r"^[A-Z]\d{3,}(/\d+[A-Z]?)?$")
_REQUIRED = ("fase", "iaa", "ieg", "ips", "ida", "ipv")


@dataclass
class LegacyYear:
    """Canonical rows of one year of the wide CSV, with the CSV's own student names."""

    year: int
    rows: dict[str, list[Any]]
    names: list[str]
    log: YearLog


def is_legacy_table(table: RawTable) -> bool:
    """The wide base: a NOME column and many year-suffixed UPPER_SNAKE columns."""
    headers = [h.strip() for h in table.headers]
    suffixed = sum(bool(_YEAR_COLUMN.match(h)) for h in headers)
    return "NOME" in headers and suffixed >= 5


def read_legacy_table(table: RawTable, report: IngestReport) -> list[LegacyYear]:
    """Split the wide CSV into one block of canonical rows per year present in it."""
    headers = [h.strip() for h in table.headers]
    name_index = headers.index("NOME")
    names = [_name(row, name_index) for row in table.rows]
    keep = _drop_garbage_rows(table, names, name_index, report)
    by_year: dict[int, list[tuple[str, int]]] = {}
    unknown = []
    for index, header in enumerate(headers):
        match = _YEAR_COLUMN.match(header)
        if match is None:
            if index != name_index and header:
                unknown.append(header)
            continue
        by_year.setdefault(int(match.group(2)), []).append((match.group(1), index))
    if unknown:
        report.notes.append(f"{table.label}: colunas desconhecidas ignoradas: {', '.join(unknown)}")
    return [
        block
        for year in sorted(by_year)
        if (block := _read_year(table, year=year, columns=by_year[year], keep=keep, names=names))
        is not None
    ]


def _name(row: Sequence[Cell], index: int) -> str:
    value = row[index] if index < len(row) else None
    return str(value).strip() if value not in (None, "") else ""


def _drop_garbage_rows(
    table: RawTable, names: list[str], name_index: int, report: IngestReport
) -> list[int]:
    keep = []
    garbage = []
    for index, row in enumerate(table.rows):
        cells = [
            str(v).strip() for i, v in enumerate(row) if i != name_index and v not in (None, "")
        ]
        codes = sum(bool(_VARIABLE_CODE.match(c)) for c in cells)
        if cells and codes >= max(3, len(cells) // 2):
            garbage.append(names[index] or f"linha {table.row_numbers[index]}")
        else:
            keep.append(index)
    if garbage:
        report.notes.append(
            f"{table.label}: descartada(s) {len(garbage)} linha(s) com códigos de variáveis no "
            f"lugar de valores: {', '.join(garbage)}"
        )
    missing_names = [table.row_numbers[i] for i in keep if not names[i]]
    if missing_names:
        raise PedeFormatError(
            f"{table.label}: coluna 'NOME' vazia nas linhas {missing_names[:5]}; "
            "cada aluno precisa de um identificador."
        )
    counts = Counter(names[i] for i in keep)
    duplicated = sorted(name for name, count in counts.items() if count > 1)
    if duplicated:
        raise PedeFormatError(f"{table.label}: NOME repetido: {', '.join(duplicated[:5])}.")
    return keep


def _read_year(
    table: RawTable,
    *,
    year: int,
    columns: list[tuple[str, int]],
    keep: list[int],
    names: list[str],
) -> LegacyYear | None:
    present = [i for i in keep if any(_filled(table.rows[i], index) for _, index in columns)]
    if not present:
        return None
    # Kept apart until ingestion knows whether a sheet of the same year supersedes these rows.
    log = YearLog()
    source = SourceColumns(
        label=table.label,
        year=year,
        decimal=table.decimal,
        row_labels=[f"linha {table.row_numbers[i]} ({names[i]})" for i in present],
    )
    for base, index in columns:
        header = f"{base}_{year}"
        values = [table.rows[i][index] if index < len(table.rows[i]) else None for i in present]
        if base == "FASE_TURMA":
            _add_fase_turma(source, header, values)
        elif base in _BASE_FIELDS:
            source.add(_BASE_FIELDS[base], header, values)
        elif not _IGNORED_BASES.match(base):
            log.notes.append(f"{table.label}: coluna desconhecida ignorada: {header}")
    source.add("ra", "NOME", [SURROGATE_PREFIX + names[i] for i in present])
    rows = build_year_rows(source, log, _REQUIRED)
    check_entry_year(rows, source)
    return LegacyYear(year=year, rows=rows, names=[names[i] for i in present], log=log)


def _filled(row: Sequence[Cell], index: int) -> bool:
    return index < len(row) and row[index] not in (None, "") and str(row[index]).strip() != ""


def _add_fase_turma(source: SourceColumns, header: str, values: Sequence[Cell]) -> None:
    """2020 combines phase and class in one cell (``2H``): phase digit, then class letters."""
    source.add("fase", header, values)
    turmas: list[Cell] = []
    for value in values:
        text = fold(str(value)).upper() if value not in (None, "") else ""
        turmas.append(text.lstrip("0123456789").strip() or None)
    source.add("turma", header, turmas)
