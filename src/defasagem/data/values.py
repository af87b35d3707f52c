"""Cell parsers: raw spreadsheet cells → canonical Python values.

Every parser works on a whole column, so formats can be inferred per column (e.g. the day/month
order of text dates). A value that is a *known* quirk of the PEDE files is repaired and counted
in :class:`ColumnContext`; any other value that cannot be read is recorded as bad, and the caller
turns the bad values into one Portuguese error that names the rows.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from defasagem.data.cells import Cell, ExcelError, fold

MISSING_MARKERS = {"INCLUIR": "incluir", "ERRO": "erro_text"}

# Excel's day zero for serial dates (the 1900 leap-year bug makes it 1899-12-30 for serials > 60).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
# A 2023 age stored as a date: 1900-01-08 means 8 (days since 1899-12-31).
_AGE_EPOCH = dt.datetime(1899, 12, 31)

_DOT_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+(,\d+)?$")
_COMMA_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$")
_THOUSANDS_ONLY = re.compile(r"^\d{1,3}\.\d{3}$")
# "7.883.752": a decimal turned into thousands groups by a spreadsheet round trip (PROVENANCE).
_DOTTED_GROUPS = re.compile(r"^[+-]?\d+(\.\d+){2,}$")
_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_ISO_DATE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$"
)
_FASE_WORD = re.compile(r"^(?:FASE|N[IÍ]VEL)\s*(\d{1,2})\b")
_FASE_TURMA = re.compile(r"^(\d)\s*[A-Z]{0,2}$")


class BadValueError(Exception):
    """A cell that cannot be read and is not a known quirk; the message says why (pt-BR)."""


@dataclass
class ColumnContext:
    """What parsing one column learned: repairs by kind and the cells it could not read."""

    header: str
    decimal: str = "."
    repairs: Counter[str] = field(default_factory=Counter)
    bad: list[tuple[int, Cell, str]] = field(default_factory=list)

    def repair(self, kind: str, count: int = 1) -> None:
        """Count one repaired cell of a known kind."""
        self.repairs[kind] += count


Parser = Callable[[Sequence[Cell], ColumnContext], list[Any]]


def elementwise(parse_one: Callable[[Cell, ColumnContext], Any]) -> Parser:
    """Lift a one-cell parser to a column parser that records bad cells instead of stopping."""

    def parse(values: Sequence[Cell], ctx: ColumnContext) -> list[Any]:
        out: list[Any] = []
        for index, value in enumerate(values):
            try:
                out.append(parse_one(value, ctx))
            except BadValueError as exc:
                ctx.bad.append((index, value, str(exc)))
                out.append(None)
        return out

    return parse


def _missing_text(value: str, ctx: ColumnContext) -> bool:
    """Empty text and the known textual missing markers; counts the markers as repairs."""
    token = value.strip()
    if not token:
        return True
    kind = MISSING_MARKERS.get(token.upper())
    if kind is not None:
        ctx.repair(kind)
        return True
    return False


def _common_missing(value: Cell, ctx: ColumnContext) -> bool:
    if value is None:
        return True
    if isinstance(value, ExcelError):
        ctx.repair("excel_error")
        return True
    return isinstance(value, str) and _missing_text(value, ctx)


def read_number(value: Cell, ctx: ColumnContext) -> float | None:
    """A real number from a numeric cell or from text in the file's decimal convention."""
    if _common_missing(value, ctx):
        return None
    if isinstance(value, bool):
        raise BadValueError("valor lógico (VERDADEIRO/FALSO) onde se esperava um número")
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return None
        if math.isinf(number):
            raise BadValueError("número infinito")
        return number
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise BadValueError("data onde se esperava um número")
    assert isinstance(value, str)
    token = value.strip()
    if ctx.decimal == ",":
        if _COMMA_NUMBER.match(token):
            return float(token.replace(",", "."))
        if _COMMA_THOUSANDS.match(token):
            return float(token.replace(".", "").replace(",", "."))
    elif _DOT_NUMBER.match(token):
        return float(token)
    if _DOTTED_GROUPS.match(token):
        raise BadValueError(
            "número com pontos de milhar (cópia corrompida por conversão de planilha?); "
            "use a exportação original"
        )
    if ctx.decimal == "," and _DOT_NUMBER.match(token):
        raise BadValueError("ponto decimal numa coluna que usa vírgula decimal")
    if ctx.decimal == "." and _COMMA_NUMBER.match(token):
        raise BadValueError("vírgula decimal numa coluna que usa ponto decimal")
    raise BadValueError("não é um número")


def number_in(low: float, high: float) -> Parser:
    """Numbers that must lie in [low, high]."""

    def parse_one(value: Cell, ctx: ColumnContext) -> float | None:
        number = read_number(value, ctx)
        if number is not None and not low <= number <= high:
            if isinstance(value, str) and ctx.decimal == "," and "." in value:
                raise BadValueError(
                    f"lido como {_fmt(number)} (ponto de milhar numa coluna com vírgula "
                    f"decimal): fora do intervalo {_fmt(low)}–{_fmt(high)}"
                )
            raise BadValueError(f"fora do intervalo {_fmt(low)}–{_fmt(high)}")
        return number

    return elementwise(parse_one)


def integer_in(low: int, high: int) -> Parser:
    """Whole numbers (``2.0`` is fine, ``2.5`` is not) that must lie in [low, high]."""

    def parse_one(value: Cell, ctx: ColumnContext) -> int | None:
        number = read_number(value, ctx)
        if number is None:
            return None
        if not number.is_integer():
            if isinstance(value, str) and _THOUSANDS_ONLY.match(value.strip()):
                raise BadValueError("deveria ser um número inteiro (ponto de milhar? sem ele)")
            raise BadValueError("deveria ser um número inteiro")
        if not low <= number <= high:
            raise BadValueError(f"fora do intervalo {low}–{high}")
        return int(number)

    return elementwise(parse_one)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number).replace(".", ",")


def _fase_number(number: float) -> int:
    if not number.is_integer() or not 0 <= number <= 9:
        raise BadValueError("Fase deve ser ALFA ou um número de 0 a 9")
    return int(number)


def _read_phase(
    value: Cell, ctx: ColumnContext, patterns: tuple[re.Pattern[str], ...], unknown: str
) -> int | None:
    """ALFA → 0, a label matched by one of ``patterns`` → its number, or a bare number."""
    if _common_missing(value, ctx):
        return None
    if isinstance(value, str):
        token = " ".join(value.strip().upper().split())
        if token.startswith("ALFA"):
            return 0
        for pattern in patterns:
            match = pattern.match(token)
            if match:
                return _fase_number(float(match.group(1)))
    try:
        number = read_number(value, ctx)
    except BadValueError:
        raise BadValueError(unknown) from None
    assert number is not None
    return _fase_number(number)


def _parse_fase(value: Cell, ctx: ColumnContext) -> int | None:
    """``0``…``9``, ``ALFA``, ``FASE n`` and ``nX`` (phase digit followed by the class letter)."""
    return _read_phase(
        value,
        ctx,
        (_FASE_WORD, _FASE_TURMA),
        "Fase não reconhecida (esperado ALFA, FASE n, nX ou um número de 0 a 9)",
    )


def _parse_fase_ideal(value: Cell, ctx: ColumnContext) -> int | None:
    """``ALFA (…)``, ``Fase n (…)`` and the 2021 ``Nível n (…)`` labels, or a bare number."""
    return _read_phase(
        value,
        ctx,
        (_FASE_WORD,),
        "Fase Ideal não reconhecida (esperado 'ALFA (…)' ou 'Fase n (…)')",
    )


parse_fase = elementwise(_parse_fase)
parse_fase_ideal = elementwise(_parse_fase_ideal)

_GENDERS = {
    "menina": "Feminino",
    "feminino": "Feminino",
    "f": "Feminino",
    "menino": "Masculino",
    "masculino": "Masculino",
    "m": "Masculino",
}


def _parse_genero(value: Cell, ctx: ColumnContext) -> str | None:
    if _common_missing(value, ctx):
        return None
    if not isinstance(value, str):
        raise BadValueError("gênero deveria ser texto (Feminino/Masculino)")
    label = _GENDERS.get(fold(value))
    if label is None:
        # An unseen category is kept as written and reported, never mapped by guess.
        ctx.repair("unknown_gender")
        return " ".join(value.split())
    if fold(value) in ("menina", "menino"):
        ctx.repair("gender_label")
    return label


parse_genero = elementwise(_parse_genero)

PEDRAS = {"quartzo": "Quartzo", "agata": "Ágata", "ametista": "Ametista", "topazio": "Topázio"}


def _parse_pedra(value: Cell, ctx: ColumnContext) -> str | None:
    if _common_missing(value, ctx):
        return None
    if not isinstance(value, str) or fold(value) not in PEDRAS:
        raise BadValueError("Pedra deve ser Quartzo, Ágata, Ametista ou Topázio")
    label = PEDRAS[fold(value)]
    if value.strip() != label:
        ctx.repair("pedra_label")
    return label


parse_pedra = elementwise(_parse_pedra)


def _parse_text(value: Cell, ctx: ColumnContext) -> str | None:
    if _common_missing(value, ctx):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        raise BadValueError("data onde se esperava texto")
    if isinstance(value, bool):
        raise BadValueError("valor lógico (VERDADEIRO/FALSO) onde se esperava texto")
    return " ".join(str(value).split())


parse_text = elementwise(_parse_text)


_RA_VARIANT = re.compile(r"^RA\s*[-_ ]?\s*0*(\d+)$", re.IGNORECASE)


def _parse_ra(value: Cell, ctx: ColumnContext) -> str | None:
    text = _parse_text(value, ctx)
    if text is None:
        raise BadValueError("RA vazio")
    match = _RA_VARIANT.match(text)
    if match and text != f"RA-{match.group(1)}":  # "ra 12", "RA_12", "RA-012" → "RA-12"
        ctx.repair("ra_format")
        return f"RA-{match.group(1)}"
    return text


parse_ra = elementwise(_parse_ra)


def _age_from_excel_date(value: dt.datetime | dt.date) -> int:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
    days = (moment - _AGE_EPOCH).days
    if moment.year > 1900 or days <= 0:
        raise BadValueError("data onde se esperava uma idade")
    return days


def _age_text_date(token: str) -> int | None:
    """A CSV copy of an age cell formatted as date: ``1900-01-08`` or ``08/01/1900``."""
    iso = _ISO_DATE.match(token)
    if iso and iso.group(1) in ("1899", "1900"):
        return _age_from_excel_date(
            dt.datetime(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        )
    slash = _SLASH_DATE.match(token)
    if slash and slash.group(3) in ("1899", "1900"):
        first, second = int(slash.group(1)), int(slash.group(2))
        # Ages up to 31 fall in January, so the part equal to 1 is the month.
        if first == 1 and second != 1:
            day = second
        elif second == 1:
            day = first
        else:
            raise BadValueError("idade gravada como data ambígua")
        return _age_from_excel_date(dt.datetime(int(slash.group(3)), 1, day))
    return None


def _parse_age(value: Cell, ctx: ColumnContext) -> int | None:
    if isinstance(value, dt.datetime | dt.date):
        ctx.repair("excel_date_age")
        return _check_age(_age_from_excel_date(value))
    if isinstance(value, str) and not _common_missing(value, ctx):
        from_date = _age_text_date(value.strip())
        if from_date is not None:
            ctx.repair("excel_date_age")
            return _check_age(from_date)
    number = read_number(value, ctx)
    if number is None:
        return None
    if not number.is_integer():
        raise BadValueError("idade deveria ser um número inteiro")
    return _check_age(int(number))


def _check_age(age: int) -> int:
    if not 3 <= age <= 80:
        raise BadValueError("idade fora do intervalo 3–80")
    return age


parse_age = elementwise(_parse_age)


@dataclass(frozen=True)
class _TextDate:
    first: int
    second: int
    year: int
    has_time: bool


_MIN_CELLS_FOR_SWAP = 10


def parse_birth_date(values: Sequence[Cell], ctx: ColumnContext) -> list[Any]:
    """Birth dates from datetime cells, ISO or ``d/m/yyyy``-like text, or Excel serials.

    The day/month order of slashed text is inferred from the column's unambiguous values.
    When the text is month-first and the column also holds real dates (datetime cells, or ISO
    text in a CSV copy) whose day is at most 12, those were produced by a day-first locale
    reading month-first text (the 2023 sheet), so their day and month are swapped back.
    """
    slashed: dict[int, _TextDate] = {}
    iso: dict[int, tuple[dt.date, bool]] = {}
    for index, value in enumerate(values):
        token = value.strip() if isinstance(value, str) else ""
        if token:
            if slash := _SLASH_DATE.match(token):
                slashed[index] = _TextDate(
                    int(slash[1]), int(slash[2]), int(slash[3]), bool(slash[4])
                )
            elif found := _ISO_DATE.match(token):
                try:
                    day = dt.date(int(found[1]), int(found[2]), int(found[3]))
                except ValueError:
                    continue  # reported as a bad value below
                has_time = bool(found[4]) and (int(found[4]), int(found[5])) != (0, 0)
                iso[index] = (day, has_time)
    month_first = _infer_month_first(slashed, ctx)
    real_dates = [v for v in values if isinstance(v, dt.date)] + [d for d, _ in iso.values()]
    # Ten date cells all with day ≤ 12 by chance: about 1 in 10 000. Fewer prove nothing.
    swap = (
        month_first is True and bool(slashed) and len(real_dates) >= _MIN_CELLS_FOR_SWAP
        and all(d.day <= 12 for d in real_dates)
    )  # fmt: skip
    out: list[Any] = [None] * len(values)
    for index, value in enumerate(values):
        try:
            if index in iso:
                day, has_time = iso[index]
                if has_time:
                    ctx.repair("time_part")
                out[index] = _checked_birth(_maybe_swap(day, swap, ctx))
            else:
                out[index] = _one_birth_date(value, slashed.get(index), month_first, swap, ctx)
        except BadValueError as exc:
            ctx.bad.append((index, value, str(exc)))
    return out


def _infer_month_first(texts: dict[int, _TextDate], ctx: ColumnContext) -> bool | None:
    """The order most unambiguous values show (None: no value tells)."""
    day_first = [i for i, t in texts.items() if t.first > 12]
    month_first = [i for i, t in texts.items() if t.second > 12]
    if day_first and month_first:
        # The majority decides; the others fail to parse below, with the reason.
        return len(month_first) > len(day_first)
    if month_first:
        return True
    if day_first:
        return False
    if texts:
        ctx.repair("ambiguous_date_order", len(texts))
    return None


def _one_birth_date(
    value: Cell,
    text: _TextDate | None,
    month_first: bool | None,
    swap_cells: bool,
    ctx: ColumnContext,
) -> dt.date | None:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            ctx.repair("time_part")
        return _checked_birth(_maybe_swap(value.date(), swap_cells, ctx))
    if isinstance(value, dt.date):
        return _checked_birth(_maybe_swap(value, swap_cells, ctx))
    if text is not None:
        if text.has_time:
            ctx.repair("time_part")
        month, day = (text.first, text.second) if month_first else (text.second, text.first)
        if day <= 31 and month > 12 >= day:
            raise BadValueError("ordem dia/mês diferente do resto da coluna")
        return _checked_birth(_make_date(text.year, month, day))
    if isinstance(value, str):
        if _common_missing(value, ctx):
            return None
        raise BadValueError("data não reconhecida (use dd/mm/aaaa ou aaaa-mm-dd)")
    number = read_number(value, ctx)
    if number is None:
        return None
    if 7000 <= number <= 60000:
        ctx.repair("excel_serial_date")
        return _checked_birth((_EXCEL_EPOCH + dt.timedelta(days=number)).date())
    raise BadValueError("número onde se esperava uma data")


def _maybe_swap(day: dt.date, swap: bool, ctx: ColumnContext) -> dt.date:
    if not swap or day.day == day.month:
        return day
    ctx.repair("swapped_birth_date")
    return dt.date(day.year, day.day, day.month)


def _make_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadValueError("data inexistente") from None


def _checked_birth(day: dt.date) -> dt.date:
    if not 1940 <= day.year <= 2030:
        raise BadValueError("ano de nascimento fora do intervalo 1940–2030")
    return day
