"""The student/year latent-variable simulation behind the synthetic workbook.

Per student, a latent ability (persistent from year to year) drives the indicators and the
chance of being promoted; Fase Ideal follows from the birth date through each year's own rule;
Defasagem = Fase − Fase Ideal; IAN and INDE follow the PEDE formulas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from defasagem.data.synth.sampling import (
    BoolArray,
    FloatArray,
    IntArray,
    rank_assign,
    sample,
    top_k,
    uniform_ranks,
)
from defasagem.data.synth.targets import (
    AGE_DAY,
    DIGITS,
    IDEAL_RULE,
    INDICATORS,
    QUANTILE_PROBS,
    TARGETS,
)


@dataclass
class Students:
    """Per-student facts that do not change from sheet to sheet (index = RA number − 1)."""

    birth: list[date]
    female: BoolArray
    gender_flip: BoolArray  # ~2 % whose gender differs between the 2022 and later sheets
    ingress: IntArray
    inst_score: FloatArray
    ability: dict[int, FloatArray]
    noise: dict[int, FloatArray]  # (n, len(INDICATORS)) indicator-specific parts


@dataclass
class Year:
    """One sheet's simulated state; arrays are aligned with ``ids`` (sorted student indices)."""

    year: int
    ids: IntArray
    fase: IntArray
    fase_ideal: IntArray = field(init=False)
    age: IntArray = field(init=False)
    values: dict[str, FloatArray] = field(default_factory=dict)  # written indicators, NaN = none
    inde: FloatArray = field(init=False)
    signal: FloatArray = field(init=False)  # what drives promotion (IPV + grades, standardised)
    flags: dict[str, BoolArray] = field(default_factory=dict)

    @property
    def defasagem(self) -> IntArray:
        return self.fase - self.fase_ideal


# --------------------------------------------------------------------------- small helpers


def _age_on(year: int, day: tuple[int, int], births: Sequence[date]) -> IntArray:
    return np.array([year - b.year - ((b.month, b.day) > day) for b in births], dtype=np.int64)


def _fase_ideal(year: int, births: Sequence[date]) -> IntArray:
    day, lowest_ages = IDEAL_RULE[year]
    return np.searchsorted(lowest_ages, _age_on(year, day, births), side="right").astype(np.int64)


def _births(rng: np.random.Generator, year: int, ages: IntArray) -> list[date]:
    """Birth dates uniform over the year of life that gives ``ages`` on the sheet's age day."""
    month, day = AGE_DAY[year]
    back = rng.integers(0, 365, size=len(ages))
    return [
        date(year - int(a), month, day) - timedelta(days=int(k))
        for a, k in zip(ages, back, strict=True)
    ]


def ian(defasagem: IntArray) -> FloatArray:
    return np.where(defasagem >= 0, 10.0, np.where(defasagem >= -2, 5.0, 2.5))


def _mean_of_present(*columns: FloatArray) -> FloatArray:
    """Row mean over the non-missing columns (IDA is the mean of the grades a student has)."""
    stack = np.vstack(columns)
    present = ~np.isnan(stack)
    count = present.sum(axis=0)
    total = np.where(present, stack, 0.0).sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _sizes(n: int) -> dict[str, int]:
    rows = TARGETS["rows"]
    n23 = round(n * rows[2023] / rows[2022])
    n24 = round(n * rows[2024] / rows[2022])
    stay22 = round(n * TARGETS["continuing"][2022] / rows[2022])
    stay23 = round(n23 * TARGETS["continuing"][2023] / rows[2023])
    back = round(n * TARGETS["skip_2023_returners"] / rows[2022])
    return {
        "n22": n,
        "n23": n23,
        "n24": n24,
        "stay22": stay22,
        "stay23": stay23,
        "back": back,
        "new23": n23 - stay22,
        "new24": n24 - stay23 - back,
    }


# --------------------------------------------------------------------------- simulation


def _new_students(rng: np.random.Generator, total: int) -> Students:
    ability = {2022: rng.standard_normal(total)}
    noise = {2022: rng.standard_normal((total, len(INDICATORS)))}
    # Ability persists strongly, the indicator-specific parts weakly (real year-to-year
    # correlations: INDE 0.65, IEG/IDA/IPV 0.4–0.6, IAA 0.15).
    for year in (2023, 2024):
        ability[year] = 0.85 * ability[year - 1] + np.sqrt(1 - 0.85**2) * rng.standard_normal(total)
        noise[year] = 0.3 * noise[year - 1] + np.sqrt(1 - 0.3**2) * rng.standard_normal(
            (total, len(INDICATORS))
        )
    return Students(
        birth=[date(2000, 1, 1)] * total,
        female=np.zeros(total, dtype=bool),
        gender_flip=rng.random(total) < 0.02,
        ingress=np.zeros(total, dtype=np.int64),
        inst_score=rng.random(total),
        ability=ability,
        noise=noise,
    )


def _enter(rng: np.random.Generator, st: Students, year: int, ids: IntArray) -> None:
    """Birth date, gender and entry year of students entering the panel in ``year``."""
    ages = sample(
        rng, {age: sum(f.values()) for age, f in TARGETS["entrants"][year].items()}, len(ids)
    )
    if year == 2022:  # the 2022 sheet only knows the birth year
        births = [
            date(2022 - int(a), 1, 1) + timedelta(days=int(k))
            for a, k in zip(ages, rng.integers(0, 365, size=len(ids)), strict=True)
        ]
    else:
        births = _births(rng, year, ages)
    for i, b in zip(ids, births, strict=True):
        st.birth[i] = b
    st.female[ids] = rng.random(len(ids)) < TARGETS["female_share"][year]
    if year == 2022:
        # Older students tend to have joined earlier: rank on age plus noise.
        score = -ages + rng.normal(0.0, 3.0, len(ids))
        years = list(TARGETS["ano_ingresso_2022"])
        pick = rank_assign(score, list(TARGETS["ano_ingresso_2022"].values()))
        st.ingress[ids] = np.array(years, dtype=np.int64)[pick]
    else:
        st.ingress[ids] = year


def _initial_fase(rng: np.random.Generator, st: Students, year: int, ids: IntArray) -> IntArray:
    """Fase of students entering the panel: drawn given their age, higher for higher ability."""
    births = [st.birth[i] for i in ids]
    ages = _age_on(year, AGE_DAY[year], births)
    table = TARGETS["entrants"][year]
    known = np.array(sorted(table), dtype=np.int64)
    # An age outside the table (rare at other sizes) uses the nearest measured age.
    nearest = known[np.abs(ages[:, None] - known[None, :]).argmin(axis=1)]
    # Mostly noise: placement barely follows ability (real corr(IAN, IPV) is only 0.1–0.2).
    score = st.ability[year][ids] + rng.normal(0.0, 2.5, len(ids))
    fase = np.zeros(len(ids), dtype=np.int64)
    for age in np.unique(nearest):
        members = np.flatnonzero(nearest == age)
        shares = table[int(age)]
        fase[members] = np.array(list(shares), dtype=np.int64)[
            rank_assign(score[members], list(shares.values()))
        ]
    return fase


def _promote(
    rng: np.random.Generator, prev: Year, rows: IntArray, fi_next: IntArray, year: int
) -> IntArray:
    """Next year's Fase for ``rows`` of ``prev``: promotion is a logit of lag, age and signal."""
    c0, c_lag, c_age, c_sig = TARGETS["promotion_logit"][year]
    defas = prev.defasagem[rows]
    logit = (
        c0
        + c_lag * np.clip(-defas, -1, 3)
        + c_age * np.clip(fi_next - prev.fase_ideal[rows], 0, 1)
        + c_sig * prev.signal[rows]
    )
    promoted = rng.random(len(rows)) < 1.0 / (1.0 + np.exp(-logit))
    skip_rate = np.where(
        defas <= -2, TARGETS["promotion_skip"]["behind_2_plus"], TARGETS["promotion_skip"]["other"]
    )
    skip = promoted & (rng.random(len(rows)) < skip_rate)
    fase = prev.fase[rows]
    return np.where(fase >= 8, fase, np.minimum(fase + promoted + skip, 8)).astype(np.int64)


def _indicators(rng: np.random.Generator, st: Students, yr: Year) -> None:
    """Fill yr.values / inde / signal: a one-factor Gaussian copula on the real quantiles."""
    year, n = yr.year, len(yr.ids)
    school = yr.fase <= 7
    english = np.zeros(n, dtype=bool)
    for phase, share in TARGETS["english_share"][year].items():
        members = np.flatnonzero(yr.fase == phase)
        english[members] = rng.random(len(members)) < share
    loadings = TARGETS["factor_loadings"][year]
    quantiles = TARGETS["indicator_quantiles"][year]
    ability = st.ability[year][yr.ids]
    latent: dict[str, FloatArray] = {}
    raw: dict[str, FloatArray] = {}
    for k, name in enumerate(INDICATORS):
        lam = loadings[name]
        g = lam * ability + np.sqrt(1 - lam**2) * st.noise[year][yr.ids, k]
        latent[name] = g
        mask = school & english if name == "Ing" else school
        out = np.full(n, np.nan)
        if mask.any():
            out[mask] = np.interp(uniform_ranks(g[mask]), QUANTILE_PROBS, quantiles[name])
        raw[name] = out
    raw["IDA"] = _mean_of_present(raw["Mat"], raw["Por"], raw["Ing"])
    written = _round_for(year, raw)
    ian_values = ian(yr.defasagem)
    # 2022 INDE used unrounded components and an IPP the sheet does not show (it is in the
    # old CSV); 2023–24 INDE rebuilds from the written cells.
    base = raw if year == 2022 else written
    yr.inde = (
        0.1 * ian_values
        + 0.2 * base["IDA"]
        + 0.2 * base["IEG"]
        + 0.1 * base["IAA"]
        + 0.1 * base["IPS"]
        + 0.1 * base["IPP"]
        + 0.2 * base["IPV"]
    )
    if year == 2022:
        del written["IPP"]
    yr.values = written
    signal = latent["IPV"] + 0.5 * (latent["Mat"] + latent["Por"])
    signal = (signal - signal[school].mean()) / max(float(signal[school].std()), 1e-9)
    yr.signal = np.where(school, signal, ability)


def _round_for(year: int, raw: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Round to each year's precision in the real cells; 2024 grades are in half points."""
    out = {}
    for name, values in raw.items():
        half_points = year == 2024 and name in ("Mat", "Por", "Ing")
        rounded = np.round(values * 2) / 2 if half_points else values
        digits = DIGITS[year].get(name)
        out[name] = rounded if digits is None else np.round(rounded, digits)
    if year == 2024:  # IDA is the mean of the grades actually written
        out["IDA"] = _mean_of_present(out["Mat"], out["Por"], out["Ing"])
    return out


def _finish_year(rng: np.random.Generator, st: Students, yr: Year) -> Year:
    births = [st.birth[i] for i in yr.ids]
    yr.fase_ideal = _fase_ideal(yr.year, births)
    yr.age = _age_on(yr.year, AGE_DAY[yr.year], births)
    _indicators(rng, st, yr)
    return yr


def simulate(rng: np.random.Generator, n: int) -> tuple[Students, dict[int, Year]]:
    size = _sizes(n)
    total = n + size["new23"] + size["new24"]
    st = _new_students(rng, total)
    ids22 = np.arange(n, dtype=np.int64)
    _enter(rng, st, 2022, ids22)
    y22 = _finish_year(rng, st, Year(2022, ids22, _initial_fase(rng, st, 2022, ids22)))

    # 2023: continuing students (laggards leave a little more often) plus new ones.
    stay = top_k(rng, _stay_weight(y22), size["stay22"])
    new23 = np.arange(n, n + size["new23"], dtype=np.int64)
    _enter(rng, st, 2023, new23)
    rows = np.flatnonzero(stay)
    fi23 = _fase_ideal(2023, [st.birth[i] for i in ids22[rows]])
    fase_cont = _promote(rng, y22, rows, fi23, 2022)
    fase_new = _initial_fase(rng, st, 2023, new23)
    st.ingress[new23[fase_new == 8]] = 2021  # university newcomers are registered as 2021
    y23 = _finish_year(
        rng,
        st,
        Year(2023, np.concatenate([ids22[rows], new23]), np.concatenate([fase_cont, fase_new])),
    )
    _flag_2023(rng, y23)

    # 2024: continuing, a few 2022 students back after skipping 2023, alumni, new ones.
    stay = top_k(rng, _stay_weight(y23), size["stay23"])
    rows = np.flatnonzero(stay)
    fi24 = _fase_ideal(2024, [st.birth[i] for i in y23.ids[rows]])
    fase_cont = _promote(rng, y23, rows, fi24, 2023)
    left22 = np.flatnonzero(~np.isin(ids22, y23.ids))
    back = np.sort(rng.choice(left22, size=min(size["back"], len(left22)), replace=False))
    fi_virtual = _fase_ideal(2023, [st.birth[i] for i in ids22[back]])
    virtual = Year(2023, ids22[back], _promote(rng, y22, back, fi_virtual, 2022))
    virtual.fase_ideal = fi_virtual
    virtual.signal = st.ability[2023][ids22[back]]
    fase_back = _promote(
        rng,
        virtual,
        np.arange(len(back)),
        _fase_ideal(2024, [st.birth[i] for i in ids22[back]]),
        2023,
    )
    new24 = np.arange(n + size["new23"], total, dtype=np.int64)
    n_alumni = round(size["n24"] * TARGETS["alumni_2024"]["total"] / TARGETS["rows"][2024])
    fase_cont = _make_alumni(rng, st, y23.ids[rows], fase_cont, n_alumni)
    n_new_alumni = max(0, n_alumni - int((fase_cont == 9).sum()))
    alumni_new = new24[:n_new_alumni]
    regular_new = new24[n_new_alumni:]
    _enter(rng, st, 2024, regular_new)
    _enter_alumni(rng, st, alumni_new)
    fase_new = _initial_fase(rng, st, 2024, regular_new)
    st.ingress[regular_new[fase_new == 8]] = 2021
    ids24 = np.concatenate([y23.ids[rows], ids22[back], alumni_new, regular_new])
    fase24 = np.concatenate([fase_cont, fase_back, np.full(len(alumni_new), 9), fase_new])
    order = np.argsort(ids24, kind="stable")
    y24 = _finish_year(rng, st, Year(2024, ids24[order], fase24[order].astype(np.int64)))
    return st, {2022: y22, 2023: y23, 2024: y24}


def _stay_weight(yr: Year) -> FloatArray:
    """Weight of staying in the program next year: the real rate of the Fase, as odds."""
    rate = np.array([TARGETS["continuation_by_fase"][yr.year][int(f)] for f in yr.fase])
    lag = np.where(yr.defasagem < 0, TARGETS["continuation_lag_weight"][yr.year], 1.0)
    return np.asarray(rate / (1.0 - rate) * lag, dtype=np.float64)


def _make_alumni(
    rng: np.random.Generator, st: Students, ids: IntArray, fase: IntArray, n_alumni: int
) -> IntArray:
    """Turn some continuing university students aged 20+ into the 2024 Fase "9" rows."""
    ages = _age_on(2024, AGE_DAY[2024], [st.birth[i] for i in ids])
    eligible = np.flatnonzero((fase == 8) & (ages >= 20))
    share = TARGETS["alumni_2024"]["from_2023"] / TARGETS["alumni_2024"]["total"]
    k = min(len(eligible), round(n_alumni * share))
    chosen = rng.choice(eligible, size=k, replace=False) if k else eligible[:0]
    out = fase.copy()
    out[chosen] = 9
    return out


def _enter_alumni(rng: np.random.Generator, st: Students, ids: IntArray) -> None:
    ages = sample(rng, TARGETS["age_alumni_2024"], len(ids))
    for i, b in zip(ids, _births(rng, 2024, ages), strict=True):
        st.birth[i] = b
    st.female[ids] = rng.random(len(ids)) < TARGETS["female_share"][2024]
    st.ingress[ids] = 2021


def _flag_2023(rng: np.random.Generator, yr: Year) -> None:
    """The 2023 holes besides Fase 8: Fase-7 rows without indicators, Fase-4 rows without
    IPS, one row whose grades are missing (IDA and INDE become #DIV/0!)."""
    n = len(yr.ids)
    miss = TARGETS["missing_2023"]
    no_ind = np.zeros(n, dtype=bool)
    no_ips = np.zeros(n, dtype=bool)
    div0 = np.zeros(n, dtype=bool)
    f7 = np.flatnonzero(yr.fase == 7)
    no_ind[rng.choice(f7, size=round(len(f7) * miss["fase7_no_indicators"]), replace=False)] = True
    f4 = np.flatnonzero(yr.fase == 4)
    no_ips[rng.choice(f4, size=round(len(f4) * miss["fase4_no_ips"]), replace=False)] = True
    low = np.flatnonzero((yr.fase >= 1) & (yr.fase <= 3))
    if len(low):
        div0[rng.choice(low)] = True
    yr.flags = {"no_indicators": no_ind, "no_ips": no_ips, "div0": div0}
    for name in ("IEG", "IDA", "Mat", "Por", "Ing", "IPP", "IPV"):
        yr.values[name][no_ind] = np.nan
    yr.values["IPS"][no_ips] = np.nan
    for name in ("IDA", "Mat", "Por", "Ing"):
        yr.values[name][div0] = np.nan
    yr.inde[no_ind | no_ips | div0] = np.nan
