"""One student's year-t record (as the API receives it) → the model's feature row, in plain
Python: the single-record path builds no DataFrame.

The arithmetic is the one of :func:`defasagem.features.year_features`; the previous year's
values arrive as ``*_anterior`` fields instead of a previous row. A test checks that both give
the same features for every student of a year.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from defasagem.features import CURRENT, TRACKED, institution_type
from defasagem.ideal_phase import IdealPhaseRule

Value = float | str | None
# The previous year's values a client may send (all optional).
PREVIOUS = ("fase_anterior", *(f"{c}_anterior" for c in TRACKED))


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


def next_ideal_phase(record: Mapping[str, Any], rule: IdealPhaseRule) -> float:
    """Fase Ideal at ``ano + 1`` under ``rule``; NaN without a birth date (a birth year alone
    is enough only when the rule counts ages on 31/12)."""
    born = record.get("data_nascimento")
    if isinstance(born, dt.date):
        birth_year, monthday = born.year, born.month * 100 + born.day
    elif record.get("ano_nascimento") is not None and (
        rule.reference_month,
        rule.reference_day,
    ) == (
        12,
        31,
    ):
        birth_year, monthday = int(record["ano_nascimento"]), 1231
    else:
        return math.nan
    phases = rule.phases(
        int(record["ano"]) + 1,
        np.array([birth_year], dtype=np.int64),
        np.array([monthday], dtype=np.int64),
    )
    return float(phases[0])


def record_features(record: Mapping[str, Any], rule: IdealPhaseRule) -> dict[str, Value]:
    """The feature row of one record (missing numbers are NaN, missing categories None)."""
    out: dict[str, Value] = {name: _number(record.get(name)) for name in CURRENT}
    fase = float(record["fase"])
    ingresso = record.get("ano_ingresso")
    out["anos_no_programa"] = math.nan if ingresso is None else float(record["ano"] - ingresso)
    ideal_next = next_ideal_phase(record, rule)
    out["fase_ideal_proxima"] = ideal_next
    out["distancia_fase_ideal_proxima"] = ideal_next - fase
    out["fase_ideal_avanca"] = ideal_next - _number(record.get("fase_ideal"))
    # A previous-year row always has a Fase: that, not a stray INDE, means "evaluated last year".
    out["tem_historico"] = float(record.get("fase_anterior") is not None)
    out["ganho_fase_anterior"] = fase - _number(record.get("fase_anterior"))
    for column in TRACKED:
        earlier = _number(record.get(f"{column}_anterior"))
        out[f"{column}_anterior"] = earlier
        if column != "defasagem":
            out[f"delta_{column}"] = _number(record.get(column)) - earlier
    genero = record.get("genero")
    out["genero"] = None if genero is None else str(genero)
    out["tipo_instituicao"] = institution_type(record.get("instituicao_ensino"))
    return out


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
