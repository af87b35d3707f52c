"""A deterministic synthetic PEDE workbook that looks like the real ``pede_2022_2024.xlsx``.

It lets the whole product (ingest → train → serve) be demonstrated and tested without the real
data. Sheets, headers (duplicates included), cell types, number formats and quirks follow the
real file (data/PROFILE.md); the values come from a small latent-variable simulation whose
parameters are the real aggregate figures in ``TARGETS``. No real row, name, school or value is
stored here: only aggregates (shares, quantiles, rates, fitted coefficients).

The simulation, per student: a latent ability (persistent from year to year) drives the
indicators and the chance of being promoted; Fase Ideal follows from the birth date through
each year's own rule; Defasagem = Fase − Fase Ideal; IAN, INDE and Pedra follow the PEDE
formulas. The next year's lag is therefore predictable from this year's indicators beyond the
current lag, as in the real panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from defasagem.data.synth.sheets import build_columns
from defasagem.data.synth.simulation import simulate
from defasagem.data.synth.targets import (
    FASE_IDEAL_LABELS,
    HEADERS,
    MAX_STUDENTS,
    MIN_STUDENTS,
    TARGETS,
    YEARS,
)
from defasagem.data.synth.writer import write_workbook

__all__ = [
    "FASE_IDEAL_LABELS",
    "HEADERS",
    "TARGETS",
    "SyntheticSummary",
    "write_synthetic_workbook",
]


@dataclass(frozen=True)
class SyntheticSummary:
    """What write_synthetic_workbook wrote."""

    path: Path
    rows_per_year: dict[int, int]
    seed: int


def write_synthetic_workbook(
    path: Path | str, *, seed: int = 42, n_students: int = 860
) -> SyntheticSummary:
    """Write a synthetic PEDE workbook (three sheets, real headers and quirks) to path.

    ``n_students`` is the number of PEDE2022 rows (the real sheet has 860); the 2023 and 2024
    sheets scale like the real file. The same seed gives identical cell values.
    """
    if isinstance(n_students, bool) or not isinstance(n_students, int):
        raise ValueError(f"n_students deve ser um inteiro, não {n_students!r}")
    if not MIN_STUDENTS <= n_students <= MAX_STUDENTS:
        raise ValueError(
            f"n_students deve estar entre {MIN_STUDENTS} e {MAX_STUDENTS}, não {n_students}"
        )
    rng = np.random.default_rng(seed)
    students, years = simulate(rng, n_students)
    columns = build_columns(rng, students, years)
    target = Path(path)
    write_workbook(target, columns)
    return SyntheticSummary(
        path=target,
        rows_per_year={year: len(years[year].ids) for year in YEARS},
        seed=seed,
    )
