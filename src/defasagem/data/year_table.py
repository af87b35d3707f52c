"""One year of PEDE data (columns already matched to canonical fields) → canonical rows.

Shared by the yearly sheets (:mod:`year_sheet`) and the wide 2020–2022 CSV
(:mod:`legacy_csv`): both find, for each canonical field, the source column(s) holding it, and
this module parses them, resolves duplicates, derives what the definitions allow and turns
unreadable values into one error that names the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from defasagem.data.cells import Cell, display_value
from defasagem.data.raw import sniff_decimal
from defasagem.data.report import YearLog
from defasagem.data.schema import (
    DISPLAY_NAMES,
    GRADES,
    INDE_HISTORY,
    INDICATORS,
    PEDRA_HISTORY,
)
from defasagem.data.values import (
    ColumnContext,
    Parser,
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
from defasagem.errors import PedeFormatError

# Indicators and grades are 0–10; the 2023–24 sheets store a few values like 10.002 or 10.01.
_SCORE = number_in(0, 10.5)

FIELD_PARSERS: dict[str, Parser] = {
    "ra": parse_ra,
    "fase": parse_fase,
    "turma": parse_text,
    "fase_ideal": parse_fase_ideal,
    "defasagem": integer_in(-9, 9),
    "idade": parse_age,
    "data_nascimento": parse_birth_date,
    "ano_nascimento": integer_in(1940, 2030),
    "genero": parse_genero,
    "ano_ingresso": integer_in(1990, 2100),
    "instituicao_ensino": parse_text,
    "n_avaliacoes": integer_in(0, 30),
    "inde": _SCORE,
    "pedra": parse_pedra,
    **dict.fromkeys(INDICATORS, _SCORE),
    **dict.fromkeys(GRADES, _SCORE),
    **dict.fromkeys(INDE_HISTORY, _SCORE),
    **dict.fromkeys(PEDRA_HISTORY, parse_pedra),
    # Overall rank in 2022: the key that links the old CSV to RA (PROFILE §7).
    "_cg": integer_in(1, 1_000_000),
}

_MAX_EXAMPLES = 3
# Optional fields whose absence is worth telling: they stay missing for the whole year.
_REPORTED_IF_ABSENT = (
    "fase_ideal", "defasagem", "turma", "idade", "genero", "ano_ingresso", "instituicao_ensino",
    "n_avaliacoes", "inde", "pedra",
    "iaa", "ieg", "ips", "ida", "ipp", "ipv", "ian", "nota_mat", "nota_port", "nota_ing",
)  # fmt: skip


@dataclass
class SourceColumns:
    """The columns of one year, grouped by the canonical field they hold."""

    label: str
    year: int
    decimal: str
    row_labels: list[str]
    columns: dict[str, list[tuple[str, Sequence[Cell]]]] = field(default_factory=dict)
    unknown_headers: list[str] = field(default_factory=list)

    def add(self, name: str, header: str, values: Sequence[Cell]) -> None:
        """Register one source column for a canonical field."""
        self.columns.setdefault(name, []).append((header, values))


@dataclass
class _Parsed:
    header: str
    values: list[Any]
    ctx: ColumnContext


def build_year_rows(
    source: SourceColumns, log: YearLog, required: Sequence[str]
) -> dict[str, list[Any]]:
    """Parse every field of one year; raise one Portuguese error listing all problems."""
    where = f"{source.label} (ano {source.year})"
    _reject_missing_columns(source, required, where)
    if not source.row_labels:
        raise PedeFormatError(f"{where}: não há linhas de alunos.")
    parsed = _parse_all(source, where)
    chosen = {
        name: _choose(name, options, log, where, source.row_labels)
        for name, options in parsed.items()
    }
    for name in required:
        if all(v is None for v in chosen[name].values):
            raise PedeFormatError(
                f"{where}: a coluna obrigatória '{chosen[name].header}' está 100 % vazia."
            )
    rows = {name: option.values for name, option in chosen.items()}
    _require_fase(rows, source, where)
    _reject_fraction_scale(chosen, where)
    _note_absent(source, log)
    _derive(rows, log)
    return rows


def _reject_missing_columns(source: SourceColumns, required: Sequence[str], where: str) -> None:
    missing = [f for f in required if f not in source.columns]
    if not missing:
        return
    names = ", ".join(DISPLAY_NAMES.get(f, f) for f in missing)
    hint = ""
    if source.unknown_headers:
        shown = ", ".join(f"'{h}'" for h in source.unknown_headers[:8])
        hint = f" Colunas não reconhecidas nesta tabela: {shown}."
    raise PedeFormatError(f"{where}: faltam colunas obrigatórias: {names}.{hint}")


def _parse_all(source: SourceColumns, where: str) -> dict[str, list[_Parsed]]:
    parsed: dict[str, list[_Parsed]] = {}
    problems: list[str] = []
    for name, candidates in source.columns.items():
        parser = FIELD_PARSERS[name]
        parsed[name] = []
        for header, values in candidates:
            # Per column: a pandas pt-BR export writes ',' in float columns and '.' elsewhere.
            ctx = ColumnContext(header=header, decimal=sniff_decimal(values, source.decimal))
            parsed[name].append(_Parsed(header, parser(values, ctx), ctx))
            if ctx.bad:
                problems.append(_describe_bad(header, ctx, source.row_labels))
    if problems:
        raise PedeFormatError(
            f"{where}: valores que não puderam ser lidos:\n" + "\n".join(problems)
        )
    return parsed


def _describe_bad(header: str, ctx: ColumnContext, row_labels: list[str]) -> str:
    examples = [
        f"{row_labels[index]} ({display_value(value)}: {reason})"
        for index, value, reason in ctx.bad[:_MAX_EXAMPLES]
    ]
    more = len(ctx.bad) - len(examples)
    tail = f" e mais {more} linha(s)" if more > 0 else ""
    return f"  - coluna '{header}': " + "; ".join(examples) + tail


def _choose(
    name: str, options: list[_Parsed], log: YearLog, where: str, row_labels: list[str]
) -> _Parsed:
    """One column per field: empty ones are dropped; true duplicates must agree."""
    filled = [o for o in options if any(v is not None for v in o.values)]
    filled_ids = {id(o) for o in filled}
    for option in options:
        if id(option) in filled_ids or name.startswith("_"):
            continue
        if filled:
            log.notes.append(
                f"coluna '{option.header}' 100 % vazia ignorada "
                f"({DISPLAY_NAMES.get(name, name)} vem de '{filled[0].header}')"
            )
        else:
            log.notes.append(
                f"coluna '{option.header}' 100 % vazia: {DISPLAY_NAMES.get(name, name)} "
                "fica faltante (nunca zero)"
            )
    if not filled:
        return options[0]
    first = filled[0]
    for other in filled[1:]:
        if other.values != first.values:
            row = next(
                i for i, (a, b) in enumerate(zip(first.values, other.values, strict=True)) if a != b
            )
            raise PedeFormatError(
                f"{where}: as colunas '{first.header}' e '{other.header}' trazem "
                f"{DISPLAY_NAMES.get(name, name)} com valores diferentes (ex.: {row_labels[row]}: "
                f"{first.values[row]} e {other.values[row]}); remova uma delas."
            )
        log.notes.append(f"coluna '{other.header}' repetida com o mesmo conteúdo: usada uma vez")
    for option in options:
        if option is first or id(option) not in filled_ids:
            log.add_repairs(option.header, option.ctx.repairs)
    return first


def _require_fase(rows: dict[str, list[Any]], source: SourceColumns, where: str) -> None:
    """Every student row needs its phase: without it nothing about the student can be used."""
    empty = [source.row_labels[i] for i, fase in enumerate(rows.get("fase", [])) if fase is None]
    if empty:
        shown = "; ".join(empty[:_MAX_EXAMPLES])
        more = f" e mais {len(empty) - _MAX_EXAMPLES}" if len(empty) > _MAX_EXAMPLES else ""
        raise PedeFormatError(f"{where}: 'Fase' vazia em {len(empty)} linha(s): {shown}{more}.")


# 0–10 fields; a column of fractions means a percent-formatted export (0,95 for 9,5).
_TEN_POINT_FIELDS = frozenset({"inde", *INDICATORS, *GRADES, *INDE_HISTORY})
_MIN_VALUES_FOR_SCALE = 10


def _reject_fraction_scale(chosen: dict[str, _Parsed], where: str) -> None:
    for name, option in chosen.items():
        values = [v for v in option.values if v is not None]
        if name in _TEN_POINT_FIELDS and len(values) >= _MIN_VALUES_FOR_SCALE and max(values) <= 1:
            raise PedeFormatError(
                f"{where}: a coluna '{option.header}' tem todos os valores entre 0 e 1 "
                "(formato de porcentagem?); a PEDE usa a escala de 0 a 10."
            )


def _note_absent(source: SourceColumns, log: YearLog) -> None:
    absent = [DISPLAY_NAMES[f] for f in _REPORTED_IF_ABSENT if f not in source.columns]
    if not {"data_nascimento", "ano_nascimento"} & set(source.columns):
        absent.append("Data de Nasc")
    if absent:
        log.notes.append(f"colunas ausentes nesta tabela: {', '.join(absent)}")


def check_entry_year(rows: dict[str, list[Any]], source: SourceColumns) -> None:
    """Nobody enters the programme after the year of the sheet."""
    late = [
        f"{source.row_labels[i]} ({value})"
        for i, value in enumerate(rows.get("ano_ingresso", []))
        if value is not None and value > source.year
    ]
    if late:
        shown = ", ".join(late[:_MAX_EXAMPLES])
        raise PedeFormatError(
            f"{source.label} (ano {source.year}): 'Ano ingresso' depois do ano da planilha em "
            f"{len(late)} linha(s): {shown}."
        )


def _derive(rows: dict[str, list[Any]], log: YearLog) -> None:
    """Fill what the PEDE definitions give exactly: Defasagem = Fase − Fase Ideal, birth year."""
    births = rows.get("data_nascimento")
    if births is not None and all(y is None for y in rows.get("ano_nascimento", [None])):
        rows["ano_nascimento"] = [d.year if d is not None else None for d in births]
    if "fase" not in rows or "fase_ideal" not in rows:
        return
    recorded = rows.get("defasagem") or [None] * len(rows["fase"])
    derived = []
    for value, fase, ideal in zip(recorded, rows["fase"], rows["fase_ideal"], strict=True):
        if value is None and fase is not None and ideal is not None:
            log.repairs["defasagem_derived"] += 1
            derived.append(fase - ideal)
        else:
            derived.append(value)
    rows["defasagem"] = derived
