"""The canonical student-year table: its columns, dtypes and user-facing names (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

INDICATORS = ("iaa", "ieg", "ips", "ida", "ipp", "ipv", "ian")
GRADES = ("nota_mat", "nota_port", "nota_ing")
# History carried inside a sheet ("INDE 22", "Pedra 21" in the 2023 sheet): k years before `ano`.
INDE_HISTORY = tuple(f"inde_hist{k}" for k in range(1, 3))
PEDRA_HISTORY = tuple(f"pedra_hist{k}" for k in range(1, 5))

# Column → pandas dtype. Order is the order of the written table.
COLUMNS: dict[str, Any] = {
    "ra": "string",
    "ano": "int64",
    "fase": "Int64",
    "turma": "string",
    "fase_ideal": "Int64",
    "defasagem": "Int64",
    "idade": "Int64",
    "data_nascimento": "datetime64[ns]",
    "ano_nascimento": "Int64",
    "genero": "string",
    "ano_ingresso": "Int64",
    "instituicao_ensino": "string",
    "n_avaliacoes": "Int64",
    "inde": "float64",
    "pedra": "string",
    **dict.fromkeys(INDICATORS, "float64"),
    **dict.fromkeys(GRADES, "float64"),
    **dict.fromkeys(INDE_HISTORY, "float64"),
    **dict.fromkeys(PEDRA_HISTORY, "string"),
    "source": "string",
}

# How a field is called in the PEDE sheets, for messages a coordinator can act on.
DISPLAY_NAMES: dict[str, str] = {
    "ra": "RA",
    "fase": "Fase",
    "turma": "Turma",
    "fase_ideal": "Fase Ideal",
    "defasagem": "Defasagem",
    "idade": "Idade",
    "data_nascimento": "Data de Nasc",
    "ano_nascimento": "Ano nasc",
    "genero": "Gênero",
    "ano_ingresso": "Ano ingresso",
    "instituicao_ensino": "Instituição de ensino",
    "n_avaliacoes": "Nº Av",
    "inde": "INDE",
    "pedra": "Pedra",
    "iaa": "IAA",
    "ieg": "IEG",
    "ips": "IPS",
    "ida": "IDA",
    "ipp": "IPP",
    "ipv": "IPV",
    "ian": "IAN",
    "nota_mat": "Mat",
    "nota_port": "Por",
    "nota_ing": "Ing",
}


def conform(data: Mapping[str, Sequence[Any]] | pd.DataFrame) -> pd.DataFrame:
    """Build a canonical table: every column present, in order, with its stable dtype."""
    frame = data.copy() if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))
    length = len(frame)
    out = {}
    for name, dtype in COLUMNS.items():
        column = frame[name] if name in frame else pd.Series([None] * length, dtype="object")
        if dtype == "datetime64[ns]":
            out[name] = pd.to_datetime(column, errors="raise").astype(dtype)
        elif dtype in ("float64", "Int64"):
            out[name] = pd.to_numeric(column, errors="raise").astype(dtype)
        else:
            out[name] = column.astype(dtype)
    return pd.DataFrame(out).reset_index(drop=True)
