"""The per-year sheet columns of the synthetic workbook, with the real file's quirks planted.

Each sheet gets its own header names, label spellings, error strings (#N/A, #DIV/0!,
INCLUIR) and slips, as in the real file (data/PROFILE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from defasagem.data.synth.sampling import BoolArray, FloatArray, IntArray, rank_assign, sample
from defasagem.data.synth.simulation import Students, Year, ian
from defasagem.data.synth.targets import (
    ALFA_G01,
    CLASS_LETTERS,
    DESTAQUE,
    ERROR_DIV0,
    ERROR_NA,
    EXCEL_AGE_EPOCH,
    FASE_IDEAL_LABELS,
    INCLUIR,
    PEDRA_BANDS,
    PEDRAS,
    REC_AV,
    REC_AV_COUNTS,
    REC_PSICO,
    TARGETS,
)


@dataclass
class _Panel:
    students: Students
    years: dict[int, Year]
    history: dict[str, list[str | None]]  # Pedra 20 / Pedra 21 of the 2022 students


def build_columns(
    rng: np.random.Generator, students: Students, years: dict[int, Year]
) -> dict[int, dict[str, list[object]]]:
    """The columns of the three sheets, by year and 2023–24 header name (2022 adds its own)."""
    panel = _Panel(students, years, _history_2022(rng, students, years[2022]))
    return {
        2022: _columns_2022(rng, panel),
        2023: _columns_2023(rng, panel),
        2024: _columns_2024(rng, panel),
    }


# --------------------------------------------------------------------------- small helpers


def _pedra(year: int, inde: FloatArray) -> list[str | None]:
    band = np.searchsorted(PEDRA_BANDS[year], inde, side="right")
    names = [p if year == 2022 else p.replace("Ágata", "Agata") for p in PEDRAS]
    return [None if np.isnan(v) else names[b] for v, b in zip(inde, band, strict=True)]


def _or_na(value: object) -> object:
    return ERROR_NA if value is None else value


def _num(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


# --------------------------------------------------------------------------- sheet columns


def _history_2022(rng: np.random.Generator, st: Students, yr: Year) -> dict[str, list[str | None]]:
    """Pedra 20/21 for the 2022 students who had joined by then, better for higher ability."""
    out: dict[str, list[str | None]] = {}
    for column, last_year in (("Pedra 20", 2020), ("Pedra 21", 2021)):
        values: list[str | None] = [None] * len(yr.ids)
        members = np.flatnonzero(st.ingress[yr.ids] <= last_year)
        shares = TARGETS["pedra_history_2022"][column]
        score = st.ability[2022][yr.ids[members]] + rng.normal(0.0, 1.0, len(members))
        for m, k in zip(members, rank_assign(score, list(shares.values())), strict=True):
            values[m] = PEDRAS[k]
        out[column] = values
    return out


def _classes(rng: np.random.Generator, yr: Year) -> tuple[list[object], IntArray]:
    """Turma label per row and a class id shared by its members (about 12 per class)."""
    labels: list[object] = [None] * len(yr.ids)
    class_id = np.zeros(len(yr.ids), dtype=np.int64)
    next_id = 0
    for phase in (int(p) for p in np.unique(yr.fase)):
        members = np.flatnonzero(yr.fase == phase)
        if phase == 9:
            for m in members:
                labels[m] = 9.0
            class_id[members] = next_id
            next_id += 1
            continue
        k = min(len(CLASS_LETTERS), max(1, round(len(members) / 12)))
        letters = sorted(rng.choice(list(CLASS_LETTERS), size=k, replace=False))
        pick = rng.integers(0, k, len(members))
        for m, p in zip(members, pick, strict=True):
            letter = str(letters[p])
            if yr.year == 2022:
                labels[m] = letter
            elif phase == 0:
                group = "G0/G1" if letter in ALFA_G01 else "G2/G3"
                labels[m] = f"ALFA {letter} - {group}"
            else:
                labels[m] = f"{phase}{letter}"
        class_id[members] = next_id + pick
        next_id += k
    return labels, class_id


def _evaluations(
    rng: np.random.Generator, yr: Year, class_id: IntArray
) -> tuple[FloatArray, list[list[str]]]:
    """Nº Av (drawn per student given the Fase) and the six evaluator ids of the class."""
    n_av = np.full(len(yr.ids), np.nan)
    for phase, shares in TARGETS["n_av"][yr.year].items():
        members = np.flatnonzero(yr.fase == phase)
        n_av[members] = sample(rng, shares, len(members)).astype(np.float64)
    if yr.year == 2024:
        n_av[yr.fase >= 8] = 0.0
    ids: list[list[str]] = [[] for _ in yr.ids]
    for cls in np.unique(class_id):
        members = np.flatnonzero(class_id == cls)
        pool = [f"Avaliador-{k}" for k in rng.choice(np.arange(1, 35), size=6, replace=False)]
        for m in members:
            ids[m] = pool
    return n_av, ids


def _institution(rng: np.random.Generator, st: Students, yr: Year) -> list[str | None]:
    """Institution labels with the year's shares; a persistent score keeps students' types."""
    targets = TARGETS["institution"]
    groups = {2022: [(yr.fase <= 9, targets[2022])]}.get(yr.year) or [
        (yr.fase <= 7, targets[yr.year]),
        (yr.fase == 8, targets[f"university_{yr.year}"]),
        (yr.fase == 9, targets.get("alumni_2024", {})),
    ]
    labels: list[str | None] = [None] * len(yr.ids)
    for mask, shares in groups:
        members = np.flatnonzero(mask)
        if not len(members) or not shares:
            continue
        names = list(shares)
        for m, k in zip(
            members,
            rank_assign(st.inst_score[yr.ids[members]], list(shares.values())),
            strict=True,
        ):
            labels[m] = names[k]
    if yr.year > 2022:  # one row spells the same option with a lower-case "apadrinhamento"
        option = "Privada - Programa de Apadrinhamento"
        rows = [i for i, label in enumerate(labels) if label == option]
        if rows:
            labels[int(rng.choice(rows))] = option.replace("Apadrinhamento", "apadrinhamento")
    return labels


def _column_values(values: FloatArray) -> list[object]:
    return [_num(v) for v in values]


def _fill(column: list[object], mask: BoolArray, value: object) -> None:
    for i in np.flatnonzero(mask):
        column[i] = value


def _common(
    rng: np.random.Generator, panel: _Panel, yr: Year
) -> tuple[dict[str, list[object]], IntArray]:
    """Columns shared by the three sheets, under their 2023–24 names."""
    st = panel.students
    turma, class_id = _classes(rng, yr)
    n_av, evaluators = _evaluations(rng, yr, class_id)
    female = st.female[yr.ids] ^ (st.gender_flip[yr.ids] & (yr.year > 2022))
    woman, man = ("Menina", "Menino") if yr.year == 2022 else ("Feminino", "Masculino")
    defas = yr.defasagem
    cols: dict[str, list[object]] = {
        "RA": [f"RA-{i + 1}" for i in yr.ids],
        "Turma": turma,
        "Nome Anonimizado": [f"Aluno-{i + 1}" for i in yr.ids],
        "Gênero": [woman if f else man for f in female],
        "Ano ingresso": [float(v) for v in st.ingress[yr.ids]],
        "Instituição de ensino": list(_institution(rng, st, yr)),
        "Nº Av": _column_values(n_av),
        "IAN": [float(v) for v in ian(defas)],
        "Fase Ideal": [FASE_IDEAL_LABELS[yr.year][f] for f in yr.fase_ideal],
        "Defasagem": [float(v) for v in defas],
    }
    for name, values in yr.values.items():
        cols[name] = _column_values(values)
    unused = None if yr.year == 2022 else ""  # slots beyond Nº Av: empty text from 2023 on
    for slot in range(1, 7):
        cols[f"Avaliador{slot}"] = [
            None if np.isnan(k) else (ev[slot - 1] if slot <= k else unused)
            for k, ev in zip(n_av, evaluators, strict=True)
        ]
    return cols, class_id


def _ranks(inde: FloatArray, groups: IntArray | None = None) -> list[object]:
    frame = pd.DataFrame({"inde": inde, "group": 0 if groups is None else groups})
    ranks = frame.groupby("group")["inde"].rank(ascending=False, method="min")
    return [float(v) for v in ranks]


def _columns_2022(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2022]
    st = panel.students
    cols, class_id = _common(rng, panel, yr)
    n = len(yr.ids)
    inde = np.round(yr.inde, 3)
    n_av = np.array([v if isinstance(v, float) else 0.0 for v in cols["Nº Av"]])
    cols.update(
        {
            "Fase": [str(f) for f in yr.fase],
            "Nome": cols["Nome Anonimizado"],
            "Ano nasc": [float(st.birth[i].year) for i in yr.ids],
            "Idade 22": [float(a) for a in yr.age],
            "Pedra 20": list(panel.history["Pedra 20"]),
            "Pedra 21": list(panel.history["Pedra 21"]),
            "Pedra 22": list(_pedra(2022, yr.inde)),
            "INDE 22": [float(v) for v in inde],
            "Cg": _ranks(inde),
            "Cf": _ranks(inde, yr.fase),
            "Ct": _ranks(inde, class_id),
            "Matem": cols["Mat"],
            "Portug": cols["Por"],
            "Inglês": cols["Ing"],
            "Fase ideal": cols["Fase Ideal"],
            "Defas": cols["Defasagem"],
        }
    )
    # Recommendations loosely follow the promotion signal, as in the real sheet.
    for slot, counts in REC_AV_COUNTS.items():
        column: list[object] = [None] * n
        members = np.flatnonzero(n_av >= slot)
        score = yr.signal[members] + rng.normal(0.0, 1.5, len(members))
        for m, k in zip(members, rank_assign(score, counts), strict=True):
            column[m] = REC_AV[k]
        if slot == 3:
            _fill(column, n_av < 3, "Não avaliado")
        cols[f"Rec Av{slot}"] = column
    psico = list(REC_PSICO)
    cols["Rec Psicologia"] = [
        psico[k] for k in rank_assign(rng.random(n), list(REC_PSICO.values()))
    ]
    indicated = rank_assign(yr.inde + rng.normal(0.0, 1.0, n), [728, 132])
    cols["Indicado"] = ["Sim" if k else "Não" for k in indicated]
    cols["Atingiu PV"] = ["Sim" if v >= 8.35 else "Não" for v in yr.values["IPV"]]
    for name, (good, bad) in DESTAQUE.items():
        cols[f"Destaque {name}"] = [good if v >= 7.5 else bad for v in yr.values[name]]
    return cols


def _birth_2023(b: date, age: int) -> tuple[object, object]:
    """2023 stored M/D/YYYY text; cells Excel could read as D/M/YYYY became swapped dates, and
    their ages became dates too (1900-01-00 + age)."""
    if b.day <= 12:
        return datetime(b.year, b.day, b.month), EXCEL_AGE_EPOCH + timedelta(days=age)
    return f"{b.month}/{b.day}/{b.year}", float(age)


def _columns_2023(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2023]
    y22 = panel.years[2022]
    st = panel.students
    cols, _ = _common(rng, panel, yr)
    uni = yr.fase == 8
    no_ind, no_ips, div0 = (yr.flags[k] for k in ("no_indicators", "no_ips", "div0"))
    births = [_birth_2023(st.birth[i], int(a)) for i, a in zip(yr.ids, yr.age, strict=True)]
    inde = _column_values(yr.inde)
    pedra: list[object] = list(_pedra(2023, yr.inde))
    for column in (inde, pedra):
        _fill(column, uni | no_ind | no_ips, ERROR_NA)
        _fill(column, div0, ERROR_DIV0)
    in22 = yr.ids < len(y22.ids)  # the 2022 students are the first RA numbers
    pos = np.where(in22, yr.ids, 0)
    inde22 = np.round(y22.inde, 3)
    pedra22 = _pedra(2022, y22.inde)
    cols.update(
        {
            "Fase": ["ALFA" if f == 0 else f"FASE {f}" for f in yr.fase],
            "INDE 2023": inde,
            "Pedra 2023": pedra,
            "Data de Nasc": [b for b, _ in births],
            "Idade": [a for _, a in births],
            "Pedra 20": [
                panel.history["Pedra 20"][p] if k else None for p, k in zip(pos, in22, strict=True)
            ],
            "Pedra 21": [
                panel.history["Pedra 21"][p] if k else None for p, k in zip(pos, in22, strict=True)
            ],
            "Pedra 22": [pedra22[p] if k else None for p, k in zip(pos, in22, strict=True)],
            "INDE 22": [float(inde22[p]) if k else None for p, k in zip(pos, in22, strict=True)],
        }
    )
    for name in ("IPS", "IPP", "IPV"):
        _fill(cols[name], uni, ERROR_NA)
    _fill(cols["IPS"], no_ips, ERROR_NA)
    _fill(cols["IPP"], no_ind, ERROR_NA)
    _fill(cols["IPV"], no_ind, ERROR_NA)
    _fill(cols["IDA"], div0, ERROR_DIV0)
    for slot in range(1, 5):
        _fill(cols[f"Avaliador{slot}"], no_ind, None)
    _fill(cols["Nº Av"], no_ind, None)
    return cols


def _columns_2024(rng: np.random.Generator, panel: _Panel) -> dict[str, list[object]]:
    yr = panel.years[2024]
    y22, y23 = panel.years[2022], panel.years[2023]
    st = panel.students
    cols, _ = _common(rng, panel, yr)
    n = len(yr.ids)
    uni, alumni = yr.fase == 8, yr.fase == 9
    out_of_school = uni | alumni
    inde = _column_values(yr.inde)
    pedra: list[object] = list(_pedra(2024, yr.inde))
    for column in (inde, pedra):
        _fill(column, uni, ERROR_DIV0)
        _fill(column, alumni, INCLUIR)
    uni_rows = np.flatnonzero(uni)
    if len(uni_rows):  # one university row says #N/A instead
        one = int(rng.choice(uni_rows))
        inde[one] = pedra[one] = ERROR_NA
    # A timezone artefact put 02:00/03:00 on part of the university/alumni birth dates.
    hours = (
        np.where(
            rng.random(n) < TARGETS["birth_time_part_2024"],
            rng.choice([2, 3], size=n, p=[27 / 74, 47 / 74]),
            0,
        )
        * out_of_school
    )
    in22 = yr.ids < len(y22.ids)
    pos22 = np.where(in22, yr.ids, 0)
    pos23 = np.searchsorted(y23.ids, yr.ids).clip(max=len(y23.ids) - 1)
    in23 = y23.ids[pos23] == yr.ids
    pedra22 = _pedra(2022, y22.inde)
    pedra23 = _pedra(2023, y23.inde)
    turma = cols["Turma"]
    cols.update(
        {
            "Fase": [
                "ALFA" if f == 0 else (9.0 if f == 9 else t)
                for f, t in zip(yr.fase, turma, strict=True)
            ],
            "INDE 2024": inde,
            "Pedra 2024": pedra,
            "Data de Nasc": [
                datetime(b.year, b.month, b.day, int(h))
                for b, h in zip((st.birth[i] for i in yr.ids), hours, strict=True)
            ],
            "Idade": [float(a) for a in yr.age],
            # 2024 capped the entry year at 2021; the alumni rows all say 2021.
            "Ano ingresso": [
                2021.0 if a else float(max(v, 2021))
                for v, a in zip(st.ingress[yr.ids], alumni, strict=True)
            ],
            "Pedra 20": [
                panel.history["Pedra 20"][p] if k else "" for p, k in zip(pos22, in22, strict=True)
            ],
            "Pedra 21": [
                panel.history["Pedra 21"][p] if k else "" for p, k in zip(pos22, in22, strict=True)
            ],
            "Pedra 22": [pedra22[p] if k else "" for p, k in zip(pos22, in22, strict=True)],
            # The 2024 sheet carries the unrounded 2022 INDE.
            "INDE 22": [float(y22.inde[p]) if k else "" for p, k in zip(pos22, in22, strict=True)],
            # 2023 rows without INDE show #N/A here.
            "Pedra 23": [_or_na(pedra23[p]) if k else "" for p, k in zip(pos23, in23, strict=True)],
            "INDE 23": [
                _or_na(_num(y23.inde[p])) if k else "" for p, k in zip(pos23, in23, strict=True)
            ],
            "Escola": _schools(rng, yr, cols["Instituição de ensino"]),
            "Ativo/ Inativo": ["Cursando"] * n,
        }
    )
    for name in ("IPS", "IPP", "IPV"):
        _fill(cols[name], out_of_school, ERROR_NA)
    _fill(cols["IDA"], out_of_school, ERROR_DIV0)
    _fill(cols["IEG"], out_of_school, 0.0)
    for name in ("IAA", "Mat", "Por", "Ing"):
        _fill(cols[name], out_of_school, "")
    _fill(cols["Ing"], (yr.fase <= 7) & np.isnan(yr.values["Ing"]), "")
    no_av = np.array([v == 0.0 for v in cols["Nº Av"]])
    for slot in (1, 2):
        _fill(cols[f"Avaliador{slot}"], no_av, None)
    for slot in (3, 4, 5, 6):
        _fill(cols[f"Avaliador{slot}"], no_av & ~out_of_school, "")
        _fill(cols[f"Avaliador{slot}"], alumni | (uni & (slot in (4, 5))), None)
        _fill(cols[f"Avaliador{slot}"], uni & (slot in (3, 6)), "")
    _plant_2024_errors(rng, yr, cols)
    return cols


def _schools(rng: np.random.Generator, yr: Year, institution: list[object]) -> list[object]:
    """Fake school names (the real ones are quasi-identifiers and must not be shipped)."""

    def pick(prefix: str, count: int, size: int) -> list[str]:
        weights = 1.0 / np.arange(1, count + 1)
        chosen = rng.choice(np.arange(1, count + 1), size=size, p=weights / weights.sum())
        return [f"{prefix} {k:02d}" for k in chosen]

    public = pick("EE Escola Sintética", 16, len(yr.ids))
    private = pick("Colégio Sintético", 4, len(yr.ids))
    university = pick("Universidade Sintética", 2, len(yr.ids))
    return [
        university[i] if f >= 8 else (public[i] if inst == "Pública" else private[i])
        for i, (f, inst) in enumerate(zip(yr.fase, institution, strict=True))
    ]


def _plant_2024_errors(rng: np.random.Generator, yr: Year, cols: dict[str, list[object]]) -> None:
    """Real 2024 slips: two rows with Defasagem 3 although Fase equals Fase Ideal, and one
    row without institution and school."""
    on_track = np.flatnonzero((yr.defasagem == 0) & (yr.fase >= 1) & (yr.fase <= 7))
    preferred = on_track[yr.fase[on_track] == 3]
    pool = preferred if len(preferred) >= 2 else on_track
    for i in rng.choice(pool, size=min(2, len(pool)), replace=False):
        cols["Defasagem"][i] = 3.0
    if round(len(yr.ids) / TARGETS["rows"][2024]):
        school = np.flatnonzero(yr.fase <= 7)
        i = int(rng.choice(school))
        cols["Instituição de ensino"][i] = cols["Escola"][i] = None
