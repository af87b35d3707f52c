"""The NGO's ideal-phase rule: which Fase a student of a given birth date should be in.

Fase Ideal follows from the school year, and the school year from the birth date: it is a step
function of the age counted on a reference day of the year. Both the reference day and the
age bands are NGO policy and have changed (PROFILE §2 and §5): the 2022 sheet counts ages on
31/12, the 2023 sheet around 25/10 and the 2024 sheet around 28/06 with a lower first band.

The rule is therefore *learned* from a year's rows (birth date → recorded Fase Ideal) and kept as
an explicit table, so that features for year t+1 can use only the rule known at t, and an
operator can replace it when the NGO changes its policy.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from defasagem.errors import DefasagemError
from defasagem.toml_files import parse_toml, read_toml

# Fase 1..8 (ALFA = 0 below the first band).
PHASES = tuple(range(1, 9))
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MIN_ROWS = 30
# Plausible ages for the first and the last band (the NGO serves children to young adults).
MIN_AGE, MAX_AGE = 3, 30

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IdealPhaseRule:
    """Fase Ideal = number of bands whose lowest age the student has reached on the reference day.

    ``lowest_age[k - 1]`` is the lowest age (on ``reference_month``/``reference_day`` of the
    evaluation year) of Fase k. ``agreement`` is the share of the ``rows`` of ``learned_from``
    that the rule reproduces.
    """

    learned_from: int
    reference_month: int
    reference_day: int
    lowest_age: tuple[int, ...]
    agreement: float
    rows: int

    def ages(self, year: int, birth_year: IntArray, birth_monthday: IntArray) -> IntArray:
        """Age on the reference day of ``year``; ``birth_monthday`` is month·100 + day."""
        after = birth_monthday > self.reference_month * 100 + self.reference_day
        return np.asarray(year - birth_year - after, dtype=np.int64)

    def phases(self, year: int, birth_year: IntArray, birth_monthday: IntArray) -> IntArray:
        """Fase Ideal in ``year`` of students born on those dates."""
        ages = self.ages(year, birth_year, birth_monthday)
        bands = np.asarray(self.lowest_age, dtype=np.int64)
        return np.searchsorted(bands, ages, side="right").astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (for configs/ and the model bundle)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IdealPhaseRule:
        """Read the JSON form back, checking it is a usable rule (whole numbers, no guessing)."""
        try:
            ages = data["lowest_age"]
            if not isinstance(ages, list | tuple):
                raise DefasagemError(
                    "regra de Fase Ideal inválida: 'lowest_age' deve ser uma lista"
                )
            rule = cls(
                learned_from=_whole(data["learned_from"], "learned_from"),
                reference_month=_whole(data["reference_month"], "reference_month"),
                reference_day=_whole(data["reference_day"], "reference_day"),
                lowest_age=tuple(_whole(a, "lowest_age") for a in ages),
                agreement=float(data["agreement"]),
                rows=_whole(data["rows"], "rows"),
            )
        except KeyError as exc:
            raise DefasagemError(f"regra de Fase Ideal inválida: falta o campo {exc}") from None
        except (TypeError, ValueError):
            raise DefasagemError(
                "regra de Fase Ideal inválida: 'agreement' deve ser um número"
            ) from None
        increasing = all(a < b for a, b in itertools.pairwise(rule.lowest_age))
        if len(rule.lowest_age) != len(PHASES) or not increasing:
            raise DefasagemError(
                "regra de Fase Ideal inválida: 'lowest_age' deve ter 8 idades em ordem "
                f"estritamente crescente (recebido {list(rule.lowest_age)})"
            )
        if rule.lowest_age[0] < MIN_AGE or rule.lowest_age[-1] > MAX_AGE:
            raise DefasagemError(
                f"regra de Fase Ideal inválida: idades fora de {MIN_AGE} a {MAX_AGE} anos"
            )
        if not 1 <= rule.reference_month <= 12:
            raise DefasagemError(
                f"regra de Fase Ideal inválida: mês de referência {rule.reference_month} "
                "inexistente (use 1 a 12)"
            )
        if not 1 <= rule.reference_day <= _DAYS_IN_MONTH[rule.reference_month - 1]:
            raise DefasagemError(
                f"regra de Fase Ideal inválida: dia de referência {rule.reference_day}/"
                f"{rule.reference_month} inexistente"
            )
        return rule


def _whole(value: object, key: str) -> int:
    """A whole number, or a Portuguese error: 18.5 or true are never rounded into an age."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefasagemError(
            f"regra de Fase Ideal inválida: '{key}' deve ser um número inteiro (recebido {value!r})"
        )
    return value


def birth_arrays(dates: Sequence[dt.date | None] | pd.Series) -> tuple[IntArray, IntArray]:
    """Birth year and month·100 + day of full birth dates."""
    series = pd.to_datetime(pd.Series(dates))
    birth_year = np.asarray(series.dt.year, dtype=np.int64)
    monthday = np.asarray(series.dt.month * 100 + series.dt.day, dtype=np.int64)
    return birth_year, monthday


def fit_rule(table: pd.DataFrame, year: int) -> IdealPhaseRule:
    """Learn the rule of ``year`` from its rows' birth dates and recorded Fase Ideal.

    Rows with a full birth date are used; a year that only records the birth year (2022) is fit
    with ages counted on 31/12, which is how that sheet counts them.
    """
    rows = table[(table["ano"] == year) & table["fase_ideal"].notna()]
    dated = rows[rows["data_nascimento"].notna()]
    target = dated["fase_ideal"].to_numpy(dtype=np.int64)
    if len(dated) >= _MIN_ROWS:
        birth_year, monthday = birth_arrays(dated["data_nascimento"])
        days = [(m, d) for m in range(1, 13) for d in range(1, _DAYS_IN_MONTH[m - 1] + 1)]
    else:
        yearly = rows[rows["ano_nascimento"].notna()]
        if len(yearly) < _MIN_ROWS:
            raise DefasagemError(
                f"{year}: poucas linhas com nascimento e Fase Ideal ({len(yearly)}) para "
                "aprender a regra da Fase Ideal"
            )
        birth_year = yearly["ano_nascimento"].to_numpy(dtype=np.int64)
        monthday = np.full(len(yearly), 1231, dtype=np.int64)
        target = yearly["fase_ideal"].to_numpy(dtype=np.int64)
        days = [(12, 31)]
    best: IdealPhaseRule | None = None
    for month, day in days:
        probe = IdealPhaseRule(year, month, day, tuple(range(len(PHASES))), 0.0, len(target))
        ages = probe.ages(year, birth_year, monthday)
        lowest = _best_bands(ages, target)
        agreement = float(
            (np.searchsorted(np.asarray(lowest), ages, side="right") == target).mean()
        )
        if best is None or agreement > best.agreement:
            best = IdealPhaseRule(year, month, day, lowest, agreement, len(target))
    assert best is not None
    return best


def _best_bands(ages: IntArray, target: IntArray) -> tuple[int, ...]:
    """For each Fase k, the lowest age that best separates Fase ≥ k from Fase < k."""
    candidates = np.arange(int(ages.min()), int(ages.max()) + 2)
    at_least = ages[None, :] >= candidates[:, None]
    lowest = []
    for phase in PHASES:
        hits = (at_least == (target >= phase)[None, :]).sum(axis=1)
        lowest.append(int(candidates[int(np.argmax(hits))]))
    return tuple(int(a) for a in np.maximum.accumulate(lowest))


RULE_FILE_HEADER = """\
# Regra da Fase Ideal da Associação Passos Mágicos (política da ONG, não dado de aluno).
# Fase Ideal = quantas das idades mínimas abaixo o aluno já completou no dia de referência
# (dia/mês) do ano da avaliação; abaixo da primeira idade, ALFA (Fase 0).
# Quando a ONG mudar a regra, edite este arquivo e use-o com --rule (train ou predict).
"""


def rule_to_toml(rule: IdealPhaseRule) -> str:
    """The rule as the TOML table kept in configs/ (and in each model bundle)."""
    ages = ", ".join(str(a) for a in rule.lowest_age)
    return (
        RULE_FILE_HEADER
        + f"learned_from = {rule.learned_from}  # ano cujas linhas ensinaram a regra\n"
        + f"reference_month = {rule.reference_month}\n"
        + f"reference_day = {rule.reference_day}\n"
        + f"lowest_age = [{ages}]  # idade mínima das Fases 1 a 8\n"
        + f"agreement = {rule.agreement:.4f}  # parcela das linhas reproduzidas pela regra\n"
        + f"rows = {rule.rows}\n"
    )


RULE_FILE_WHAT = "arquivo da regra da Fase Ideal"


def read_rule_file(path: Path) -> IdealPhaseRule:
    """Read a rule table written by :func:`rule_to_toml` (or edited by an operator)."""
    return _rule_from(read_toml(path, RULE_FILE_WHAT), str(path))


def parse_rule(content: bytes, name: str) -> IdealPhaseRule:
    """A rule table sent as bytes (an upload); errors name ``name``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DefasagemError(f"{name}: {RULE_FILE_WHAT} não está em UTF-8.") from None
    return _rule_from(parse_toml(text, name, RULE_FILE_WHAT), name)


def _rule_from(data: dict[str, Any], name: str) -> IdealPhaseRule:
    try:
        return IdealPhaseRule.from_dict(data)
    except DefasagemError as exc:
        raise DefasagemError(f"{name}: {exc}") from None
