"""One student's year-t record (as the API receives it) → the model's feature row, in plain
Python: the single-record path builds no DataFrame.

The arithmetic is the one of :func:`defasagem.features.year_features`; the previous year's
values arrive as ``*_anterior`` fields instead of a previous row. A test checks that both give
the same features for every student of a year.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from defasagem.features import CURRENT, TRACKED, institution_type
from defasagem.ideal_phase import IdealPhaseRule

Value = float | str | None
Array = npt.NDArray[np.float64]
# The previous year's values a client may send (all optional).
PREVIOUS = ("fase_anterior", *(f"{c}_anterior" for c in TRACKED))


# A number or a column of numbers: the feature arithmetic below serves both.
V = TypeVar("V", float, Array)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def _numbers(records: Sequence[Mapping[str, Any]], name: str) -> Array:
    # None becomes NaN in a float array: one C loop, not a Python one.
    return np.array([record.get(name) for record in records], dtype=np.float64)


def _derived(number: Callable[[str], V], ideal_next: V) -> dict[str, V]:
    """The numeric features, from the record's numbers (missing = NaN): one student's floats,
    or a batch's columns; the same arithmetic either way, hence the same bits."""
    out = {name: number(name) for name in CURRENT}
    fase = out["fase"]
    out["anos_no_programa"] = number("ano") - number("ano_ingresso")
    out["fase_ideal_proxima"] = ideal_next
    out["distancia_fase_ideal_proxima"] = ideal_next - fase
    out["fase_ideal_avanca"] = ideal_next - out["fase_ideal"]
    previous = number("fase_anterior")
    # A previous-year row always has a Fase: that, not a stray INDE, means "evaluated last
    # year". (x == x is False only for NaN, for a float and an array alike.)
    out["tem_historico"] = (previous == previous) * 1.0  # noqa: PLR0124
    out["ganho_fase_anterior"] = fase - previous
    for column in TRACKED:
        earlier = number(f"{column}_anterior")
        out[f"{column}_anterior"] = earlier
        if column != "defasagem":
            out[f"delta_{column}"] = out[column] - earlier
    return out


def _birth(record: Mapping[str, Any], year_end: bool) -> tuple[int, int] | None:
    """(birth year, month × 100 + day) of a record, if the rule can place it."""
    born = record.get("data_nascimento")
    if isinstance(born, dt.date):
        return born.year, born.month * 100 + born.day
    if year_end and record.get("ano_nascimento") is not None:
        return int(record["ano_nascimento"]), 1231
    return None


def _counts_on_year_end(rule: IdealPhaseRule) -> bool:
    return (rule.reference_month, rule.reference_day) == (12, 31)


def next_ideal_phase(record: Mapping[str, Any], rule: IdealPhaseRule) -> float:
    """Fase Ideal at ``ano + 1`` under ``rule``; NaN without a birth date (a birth year alone
    is enough only when the rule counts ages on 31/12)."""
    birth = _birth(record, _counts_on_year_end(rule))
    if birth is None:
        return math.nan
    year = np.array([birth[0]], dtype=np.int64)
    monthday = np.array([birth[1]], dtype=np.int64)
    return float(rule.phases(int(record["ano"]) + 1, year, monthday)[0])


def next_ideal_phases(records: Sequence[Mapping[str, Any]], rule: IdealPhaseRule) -> Array:
    """:func:`next_ideal_phase` of many records, one call of the rule per year."""
    out = np.full(len(records), np.nan)
    year_end = _counts_on_year_end(rule)
    known, births, years = [], [], []
    for i, record in enumerate(records):
        birth = _birth(record, year_end)
        if birth is not None:
            known.append(i)
            births.append(birth)
            years.append(int(record["ano"]) + 1)
    if not known:
        return out
    targets = np.array(years, dtype=np.int64)
    dates = np.array(births, dtype=np.int64).reshape(len(births), 2)
    rows = np.array(known, dtype=np.int64)
    for year in np.unique(targets):
        chosen = targets == year
        out[rows[chosen]] = rule.phases(int(year), dates[chosen, 0], dates[chosen, 1])
    return out


def record_features(record: Mapping[str, Any], rule: IdealPhaseRule) -> dict[str, Value]:
    """The feature row of one record (missing numbers are NaN, missing categories None)."""
    out: dict[str, Value] = dict(
        _derived(lambda name: _number(record.get(name)), next_ideal_phase(record, rule))
    )
    genero = record.get("genero")
    out["genero"] = None if genero is None else str(genero)
    out["tipo_instituicao"] = _institution_type(record.get("instituicao_ensino"))
    return out


def features_of(
    records: Sequence[Mapping[str, Any]], rule: IdealPhaseRule
) -> dict[str, Array | list[str | None]]:
    """:func:`record_features` of many records, column by column: arrays of numbers (NaN when
    missing) and lists of categories (None when missing)."""
    out: dict[str, Array | list[str | None]] = dict(
        _derived(lambda name: _numbers(records, name), next_ideal_phases(records, rule))
    )
    genders = [record.get("genero") for record in records]
    out["genero"] = [None if g is None else str(g) for g in genders]
    out["tipo_instituicao"] = [
        _institution_type(record.get("instituicao_ensino")) for record in records
    ]
    return out


@functools.lru_cache(maxsize=4096)
def _cached_institution_type(label: str) -> str | None:
    return institution_type(label)


def _institution_type(label: Any) -> str | None:
    # A batch repeats a few school names: each is folded once.
    return _cached_institution_type(label) if isinstance(label, str) else None


def year_records(table: pd.DataFrame, year: int) -> dict[str, dict[str, Any]]:
    """Every student of ``year`` in a canonical table, keyed by RA, as the API receives them:
    the year's fields plus the previous year's values as ``*_anterior`` (INDE falling back on
    the sheet's own history column when the previous row has none)."""
    now = table[table["ano"] == year].set_index("ra")
    before = table[table["ano"] == year - 1].set_index("ra")
    records = {}
    for ra, row in now.iterrows():
        record: dict[str, Any] = {str(k): (None if pd.isna(v) else v) for k, v in row.items()}
        record["ano"] = year
        if record.get("data_nascimento") is not None:
            record["data_nascimento"] = pd.Timestamp(record["data_nascimento"]).date()
        history = row.get("inde_hist1")
        if ra in before.index:
            previous = before.loc[str(ra)]
            record["fase_anterior"] = previous["fase"]
            for column in TRACKED:
                value: Any = previous[column]
                if column == "inde" and pd.isna(value):
                    value = history
                record[f"{column}_anterior"] = None if pd.isna(value) else value
        elif history is not None and pd.notna(history):
            record["inde_anterior"] = history
        records[str(ra)] = record
    return records
