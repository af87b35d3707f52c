"""PEDE exports → one canonical long table (one row per student and year) and a report.

Reads any mix of the official 2022–2024 workbook, the older wide 2020–2022 CSV, one year saved
as CSV, and the synthetic workbook; links the old CSV to RA; merges; checks the PEDE
definitions; and says what it repaired.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from defasagem.data.cells import fold
from defasagem.data.checks import check_table
from defasagem.data.headers import looks_like_pede, year_from_name
from defasagem.data.legacy_csv import (
    SURROGATE_PREFIX,
    LegacyYear,
    is_legacy_table,
    read_legacy_table,
)
from defasagem.data.raw import RawTable, read_tables
from defasagem.data.report import IngestReport, YearLog
from defasagem.data.schema import COLUMNS, DISPLAY_NAMES, conform
from defasagem.data.year_sheet import read_year_sheet, sheet_year, source_name
from defasagem.errors import PedeFormatError
from defasagem.files import write_atomically

_EXPECTED = (
    "esperava abas anuais com colunas como RA, Fase, IAA, IEG, IPS, IDA, IPV e Defasagem "
    "(ex.: PEDE2024), ou a base antiga com NOME e colunas como IAA_2021"
)


@dataclass
class IngestResult:
    """The canonical table and how it was obtained."""

    table: pd.DataFrame
    report: IngestReport


@dataclass
class _SheetBlock:
    year: int
    source: str
    label: str
    rows: dict[str, list[Any]]


@dataclass
class _LegacyFile:
    label: str
    source: str
    years: list[LegacyYear]


def ingest_files(paths: Sequence[Path | str], *, year: int | None = None) -> IngestResult:
    """Read PEDE exports into the canonical table; raise :class:`PedeFormatError` on bad input.

    ``year`` names the evaluation year of a one-year CSV whose headers do not tell it.
    """
    if not paths:
        raise PedeFormatError("nenhum arquivo informado.")
    report = IngestReport()
    sheets: list[_SheetBlock] = []
    legacy: list[_LegacyFile] = []
    used_year = False
    for path in map(Path, paths):
        used_year = _read_one_file(path, year, report, sheets, legacy) or used_year
    if year is not None and not used_year:
        report.notes.append(f"--year {year} não foi usado: todas as tabelas indicam o próprio ano")
    _reject_repeated_years(sheets, legacy)
    frames = [_sheet_frame(block) for block in sheets]
    for legacy_file in legacy:
        frames.extend(_link_and_merge(legacy_file, sheets, frames, report))
    table = conform(pd.concat(frames, ignore_index=True))
    _reject_duplicate_keys(table)
    _harmonize_institutions(table, report)
    table = _sorted(table)
    check_table(table, report)
    return IngestResult(table=table, report=report)


def _read_one_file(
    path: Path,
    year: int | None,
    report: IngestReport,
    sheets: list[_SheetBlock],
    legacy: list[_LegacyFile],
) -> bool:
    """Read one file's PEDE tables; return whether --year was used for one of them."""
    tables = read_tables(path)
    found = used_year = False
    for table in tables:
        report.notes.extend(f"{table.label}: {note}" for note in table.notes)
        if is_legacy_table(table):
            years = read_legacy_table(table, report)
            if not years:
                raise PedeFormatError(f"{table.label}: não há linhas de alunos.")
            legacy.append(_LegacyFile(table.label, table.file.name, years))
            found = True
        elif looks_like_pede(table.headers):
            when = sheet_year(table, year)
            used_year = used_year or when.origin == "option"
            rows = read_year_sheet(table, when, report.year(when.year))
            sheets.append(_SheetBlock(when.year, source_name(table), table.label, rows))
            found = True
        elif table.rows and _named_like_pede(table):
            raise PedeFormatError(
                f"{table.label}: o nome indica uma aba PEDE, mas o cabeçalho não tem as colunas "
                f"esperadas; {_EXPECTED}. Cabeçalhos encontrados: {_headers_preview([table])}."
            )
        elif len(tables) > 1:
            report.notes.append(f"{table.label}: aba ignorada (não é uma aba PEDE)")
    if not found:
        raise PedeFormatError(
            f"{path.name}: não é uma exportação PEDE; {_EXPECTED}. "
            f"Cabeçalhos encontrados: {_headers_preview(tables)}."
        )
    return used_year


def _named_like_pede(table: RawTable) -> bool:
    """A tab called PEDE… or named after a year is meant to hold a year of data."""
    return "pede" in fold(table.name) or year_from_name(table.name) is not None


def _headers_preview(tables: list[RawTable]) -> str:
    headers = [h for t in tables for h in t.headers if h]
    if not headers:
        return "nenhum"
    shown = ", ".join(repr(h) for h in headers[:8])
    return shown + (" …" if len(headers) > 8 else "")


def _reject_repeated_years(sheets: list[_SheetBlock], legacy: list[_LegacyFile]) -> None:
    """Each year comes from one yearly sheet; the old CSV may only add to it, and only once."""
    _reject_repeats([(b.year, b.label) for b in sheets])
    _reject_repeats([(y.year, f.label) for f in legacy for y in f.years])


def _reject_repeats(blocks: list[tuple[int, str]]) -> None:
    seen: dict[int, str] = {}
    for year, label in blocks:
        if year in seen:
            raise PedeFormatError(
                f"o ano {year} aparece duas vezes ({seen[year]} e {label}); "
                "informe cada ano uma só vez."
            )
        seen[year] = label


def _sheet_frame(block: _SheetBlock) -> pd.DataFrame:
    data = {k: v for k, v in block.rows.items() if k in COLUMNS}
    frame = pd.DataFrame(data)
    frame["ano"] = block.year
    frame["source"] = block.source
    return conform(frame)


def _link_and_merge(
    legacy_file: _LegacyFile,
    sheets: list[_SheetBlock],
    frames: list[pd.DataFrame],
    report: IngestReport,
) -> list[pd.DataFrame]:
    """Give the CSV students their RA through CG_2022 == Cg, then merge with the sheets."""
    name_to_ra = _link_by_cg(legacy_file, sheets, report)
    sheet_years = {block.year: i for i, block in enumerate(sheets)}
    out = []
    for block in legacy_file.years:
        ras = [name_to_ra.get(name, SURROGATE_PREFIX + name) for name in block.names]
        data = {k: v for k, v in block.rows.items() if k in COLUMNS}
        data["ra"] = ras
        frame = pd.DataFrame(data)
        frame["ano"] = block.year
        frame["source"] = legacy_file.source
        frame = conform(frame)
        if block.year in sheet_years:
            index = sheet_years[block.year]
            frames[index] = _fill_from_legacy(
                frames[index], frame, sheets[index], legacy_file, report
            )
            continue
        report.year(block.year).merge(block.log)
        out.append(frame)
    return out


def _link_by_cg(
    legacy_file: _LegacyFile, sheets: list[_SheetBlock], report: IngestReport
) -> dict[str, str]:
    total = len({name for block in legacy_file.years for name in block.names})
    anchor = next((b for b in sheets if b.year == 2022 and "_cg" in b.rows), None)
    legacy_2022 = next((b for b in legacy_file.years if b.year == 2022), None)
    if anchor is None or legacy_2022 is None or "_cg" not in legacy_2022.rows:
        report.notes.append(
            f"{legacy_file.label}: nenhuma aba 2022 com a coluna Cg foi lida junto; nenhum dos "
            f"{total} alunos foi ligado a RA (ids substitutos '{SURROGATE_PREFIX}ALUNO-n')"
        )
        return {}
    ranks = Counter(anchor.rows["_cg"])
    by_rank = {
        cg: i for i, cg in enumerate(anchor.rows["_cg"]) if cg is not None and ranks[cg] == 1
    }
    linked: dict[str, str] = {}
    for i, name in enumerate(legacy_2022.names):
        j = by_rank.get(legacy_2022.rows["_cg"][i])
        if j is not None and _same_student(legacy_2022.rows, i, anchor.rows, j):
            linked[name] = anchor.rows["ra"][j]
    unmatched_2022 = len(legacy_2022.names) - len(linked)
    report.notes.append(
        f"{legacy_file.label}: {len(linked)} alunos ligados a RA pela classificação geral "
        f"(CG_2022 = Cg, com Fase e INDE conferidos); {total - len(linked)} sem ligação mantêm "
        f"o id '{SURROGATE_PREFIX}ALUNO-n' ({unmatched_2022} com dados de 2022 sem par na aba, "
        f"{total - len(legacy_2022.names)} sem dados de 2022)"
    )
    return linked


def _same_student(left: dict[str, list[Any]], i: int, right: dict[str, list[Any]], j: int) -> bool:
    """A rank match is trusted only if the phase and the INDE agree too."""
    if left.get("fase", [None] * (i + 1))[i] != right.get("fase", [None] * (j + 1))[j]:
        return False
    a = left.get("inde", [None] * (i + 1))[i]
    b = right.get("inde", [None] * (j + 1))[j]
    return a is None or b is None or math.isclose(a, b, abs_tol=0.01)


def _fill_from_legacy(
    sheet: pd.DataFrame,
    legacy: pd.DataFrame,
    block: _SheetBlock,
    legacy_file: _LegacyFile,
    report: IngestReport,
) -> pd.DataFrame:
    """The sheet is the official record of its year; the CSV only fills columns it lacks."""
    log = report.year(block.year)
    matched = legacy[legacy["ra"].isin(set(sheet["ra"]))]
    dropped = len(legacy) - len(matched)
    if dropped:
        log.notes.append(
            f"{dropped} linha(s) de {legacy_file.source} sem par em {block.label} ignoradas "
            "(a aba é a fonte oficial do ano)"
        )
    absent = [c for c in COLUMNS if c not in block.rows and c not in ("ano", "source", "ra")]
    fill = [c for c in absent if matched[c].notna().any()]
    if not fill:
        return sheet
    _drop_from_absent_note(log, [DISPLAY_NAMES[c] for c in fill if c in DISPLAY_NAMES])
    merged = sheet.merge(matched[["ra", *fill]], on="ra", how="left", suffixes=("", "_csv"))
    for column in fill:
        sheet[column] = merged[f"{column}_csv"].to_numpy()
        count = int(sheet[column].notna().sum())
        log.notes.append(
            f"{column.upper()} completado a partir de {legacy_file.source} em {count} linhas "
            f"(coluna ausente em {block.label})"
        )
    return conform(sheet)


def _reject_duplicate_keys(table: pd.DataFrame) -> None:
    """A safety net: one row per student and year, whatever mix of files came in."""
    repeated = table[table.duplicated(["ra", "ano"], keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        sources = ", ".join(sorted(set(repeated["source"].dropna())))
        raise PedeFormatError(
            f"{len(repeated)} linhas repetem aluno e ano (ex.: {first['ra']} em {first['ano']}; "
            f"fontes: {sources}); informe cada ano uma só vez."
        )


def _drop_from_absent_note(log: YearLog, names: list[str]) -> None:
    """Columns completed from another source are no longer missing for the year."""
    prefix = "colunas ausentes nesta tabela: "
    for index, note in enumerate(log.notes):
        if note.startswith(prefix):
            left = [n for n in note.removeprefix(prefix).split(", ") if n not in names]
            log.notes[index] = prefix + ", ".join(left) if left else ""
    log.notes[:] = [note for note in log.notes if note]


def _harmonize_institutions(table: pd.DataFrame, report: IngestReport) -> None:
    """Case and spacing variants of one institution label become its most frequent spelling."""
    column = table["instituicao_ensino"]
    known = column.notna()
    keys = column[known].map(lambda value: fold(str(value)))
    counts = pd.DataFrame({"key": keys, "label": column[known]}).value_counts()
    canonical: dict[str, str] = {}
    for key, label in counts.index:  # most frequent first
        canonical.setdefault(str(key), str(label))
    fixed = keys.map(canonical)
    changed = fixed[fixed != column[known]]
    if changed.empty:
        return
    table.loc[changed.index, "instituicao_ensino"] = changed.astype("string")
    for year, count in table.loc[changed.index, "ano"].value_counts().items():
        log = report.year(int(str(year)))
        log.add_repairs("Instituição de ensino", Counter({"institution_label": int(count)}))


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    """By year, then RA number (RA-2 before RA-10), surrogate ids last."""
    number = table["ra"].str.extract(r"^RA-(\d+)$", expand=False).astype("float64")
    order = (
        pd.DataFrame({"ano": table["ano"], "n": number.fillna(float("inf")), "ra": table["ra"]})
        .sort_values(["ano", "n", "ra"], kind="stable")
        .index
    )
    return table.loc[order].reset_index(drop=True)


def write_table(table: pd.DataFrame, out: Path) -> None:
    """Write the table as Parquet atomically: a failed write never leaves a half file behind."""
    write_atomically(out, lambda tmp: table.to_parquet(tmp, index=False))
