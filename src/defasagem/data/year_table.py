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
    "idade", "genero", "ano_ingresso", "instituicao_ensino", "inde", "pedra",
    "iaa", "ieg", "ips", "ida", "ipp", "ipv", "ian", "nota_mat", "nota_port", "nota_ing",
)  # fmt: skip


@dataclass
class SourceColumns:
    """The columns of one year, grouped by the canonical field they hold."""

    label: str
    source: str
    year: int
    decimal: str
    row_labels: list[str]
    columns: dict[str, list[tuple[str, Sequence[Cell]]]] = field(default_factory=dict)

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
    missing = [f for f in required if f not in source.columns]
    if missing:
        names = ", ".join(DISPLAY_NAMES.get(f, f) for f in missing)
        raise PedeFormatError(f"{where}: faltam colunas obrigatórias: {names}.")
    if not source.row_labels:
        raise PedeFormatError(f"{where}: não há linhas de alunos.")
    parsed: dict[str, list[_Parsed]] = {}
    problems: list[str] = []
    for name, candidates in source.columns.items():
        parser = FIELD_PARSERS[name]
        parsed[name] = []
        for header, values in candidates:
            # Per column: a pandas pt-BR export writes ',' in float columns and '.' elsewhere.
            ctx = ColumnContext(header=header, decimal=sniff_decimal(values, source.decimal))
            result = _Parsed(header, parser(values, ctx), ctx)
            parsed[name].append(result)
            if ctx.bad:
                problems.append(_describe_bad(header, ctx, source.row_labels))
    if problems:
        raise PedeFormatError(
            f"{where}: valores que não puderam ser lidos:\n" + "\n".join(problems)
        )
    rows = {name: _choose(name, options, log, where) for name, options in parsed.items()}
    _require_fase(rows, source, where)
    absent = [DISPLAY_NAMES[f] for f in _REPORTED_IF_ABSENT if f not in source.columns]
    if absent:
        log.notes.append(f"colunas ausentes (ficam faltantes): {', '.join(absent)}")
    _check_entry_year(rows, source, where)
    _derive(rows, log)
    return rows


def _describe_bad(header: str, ctx: ColumnContext, row_labels: list[str]) -> str:
    examples = [
        f"{row_labels[index]} ({display_value(value)}: {reason})"
        for index, value, reason in ctx.bad[:_MAX_EXAMPLES]
    ]
    more = len(ctx.bad) - len(examples)
    tail = f" e mais {more} linha(s)" if more > 0 else ""
    return f"  - coluna '{header}': " + "; ".join(examples) + tail


def _choose(name: str, options: list[_Parsed], log: YearLog, where: str) -> list[Any]:
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
        return [None] * len(options[0].values)
    first = filled[0]
    for other in filled[1:]:
        if other.values != first.values:
            raise PedeFormatError(
                f"{where}: as colunas '{first.header}' e '{other.header}' trazem "
                f"{DISPLAY_NAMES.get(name, name)} com valores diferentes; remova uma delas."
            )
        log.notes.append(f"coluna '{other.header}' repetida com o mesmo conteúdo: usada uma vez")
    for option in options:
        if option is first or id(option) not in filled_ids:
            log.add_repairs(option.header, option.ctx.repairs)
    log.notes.extend(f"'{first.header}': {note}" for note in first.ctx.notes)
    return first.values


def _require_fase(rows: dict[str, list[Any]], source: SourceColumns, where: str) -> None:
    """Every student row needs its phase: without it nothing about the student can be used."""
    empty = [source.row_labels[i] for i, fase in enumerate(rows.get("fase", [])) if fase is None]
    if empty:
        shown = "; ".join(empty[:_MAX_EXAMPLES])
        more = f" e mais {len(empty) - _MAX_EXAMPLES}" if len(empty) > _MAX_EXAMPLES else ""
        raise PedeFormatError(f"{where}: 'Fase' vazia em {len(empty)} linha(s): {shown}{more}.")


def _check_entry_year(rows: dict[str, list[Any]], source: SourceColumns, where: str) -> None:
    late = [
        f"{source.row_labels[i]} ({value})"
        for i, value in enumerate(rows.get("ano_ingresso", []))
        if value is not None and value > source.year
    ]
    if late:
        shown = ", ".join(late[:_MAX_EXAMPLES])
        raise PedeFormatError(
            f"{where}: 'Ano ingresso' depois do ano da planilha em {len(late)} linha(s): {shown}."
        )


def _derive(rows: dict[str, list[Any]], log: YearLog) -> None:
    """Fill what the PEDE definitions give exactly: Defasagem = Fase − Fase Ideal, birth year."""
    births = rows.get("data_nascimento")
    if births is not None and "ano_nascimento" not in rows:
        rows["ano_nascimento"] = [d.year if d is not None else None for d in births]
    if "defasagem" not in rows and "fase" in rows and "fase_ideal" in rows:
        derived = [
            f - i if f is not None and i is not None else None
            for f, i in zip(rows["fase"], rows["fase_ideal"], strict=True)
        ]
        rows["defasagem"] = derived
        log.repairs["defasagem_derived"] += sum(d is not None for d in derived)
