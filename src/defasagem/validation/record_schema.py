"""The API's request schema: one student's year-t record with the canonical field names.

Strict on purpose (DESIGN §4): unknown fields are refused, a boolean or a quoted number is not a
number, indicators live in 0–10, ages and years must be possible. Fase and Fase Ideal accept the
labels the spreadsheets use (``ALFA``, ``FASE 3``, ``3A``, ``3``). Every field the model can do
without may be null or absent, and is reported back as imputed.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from defasagem.data.values import BadValueError, ColumnContext, _parse_fase, _parse_fase_ideal

# Indicators are 0–10, but the NGO's own sheets hold 10.002 (IAA) and 10.01 (IPV) from rounding
# in their formulas (PROFILE §2): a real student must never be refused for that.
INDICATOR_MAX = 10.05
Indicator = Annotated[float, Field(ge=0, le=INDICATOR_MAX)]
Grade = Annotated[float, Field(ge=0, le=10)]
Year = Annotated[int, Field(ge=2000, le=2100)]
MIN_AGE, MAX_AGE = 4, 30
FIRST_SCORED, LAST_SCORED = 0, 7


def _phase(value: Any, parse: Any, label: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{label} deve ser um número de 0 a 8 ou um rótulo como ALFA ou FASE 3")
    return _known_phase(value, parse, label)


@functools.lru_cache(maxsize=1024)
def _known_phase(value: int | str, parse: Any, label: str) -> int:
    # A batch repeats the same few labels: parse each once (errors are not cached).
    try:
        phase = parse(value, ColumnContext(label))
    except BadValueError as exc:
        raise ValueError(str(exc)) from None
    if phase is None:
        raise ValueError(f"{label} vazia")
    return int(phase)


class StudentRecord(BaseModel):
    """One student at the end of year ``ano`` (canonical field names of the PEDE table)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    ra: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    ano: Year
    fase: int | str = Field(description="Fase em t: 0 (ALFA) a 7, ou o rótulo da planilha")
    fase_ideal: int | str | None = None
    defasagem: Annotated[int, Field(ge=-8, le=8)] | None = None
    idade: Annotated[int, Field(ge=MIN_AGE, le=MAX_AGE)] | None = None
    data_nascimento: dt.date | None = None
    ano_nascimento: Annotated[int, Field(ge=1970, le=2100)] | None = None
    genero: Literal["Feminino", "Masculino"] | None = None
    ano_ingresso: Year | None = None
    instituicao_ensino: Annotated[str, Field(max_length=200)] | None = None
    n_avaliacoes: Annotated[int, Field(ge=0, le=10)] | None = None
    iaa: Indicator | None = None
    ieg: Indicator | None = None
    ips: Indicator | None = None
    ida: Indicator | None = None
    ipp: Indicator | None = None
    ipv: Indicator | None = None
    inde: Indicator | None = None
    nota_mat: Grade | None = None
    nota_port: Grade | None = None
    nota_ing: Grade | None = None
    fase_anterior: int | str | None = None
    defasagem_anterior: Annotated[int, Field(ge=-8, le=8)] | None = None
    iaa_anterior: Indicator | None = None
    ieg_anterior: Indicator | None = None
    ips_anterior: Indicator | None = None
    ida_anterior: Indicator | None = None
    ipv_anterior: Indicator | None = None
    inde_anterior: Indicator | None = None

    @field_validator("fase", mode="before")
    @classmethod
    def _fase(cls, value: Any) -> int:
        phase = _phase(value, _parse_fase, "Fase")
        if not FIRST_SCORED <= phase <= LAST_SCORED:
            raise ValueError(
                "só alunos da Fase 0 (ALFA) a 7 são pontuados (a Fase 8, universitária, não "
                "fica defasada)"
            )
        return phase

    @field_validator("fase_anterior", mode="before")
    @classmethod
    def _fase_anterior(cls, value: Any) -> int | None:
        return None if value is None else _phase(value, _parse_fase, "Fase")

    @field_validator("fase_ideal", mode="before")
    @classmethod
    def _fase_ideal(cls, value: Any) -> int | None:
        return None if value is None else _phase(value, _parse_fase_ideal, "Fase Ideal")

    @model_validator(mode="after")
    def _consistent(self) -> StudentRecord:
        problems: list[tuple[str, str, Any]] = []
        if self.ano_ingresso is not None and self.ano_ingresso > self.ano:
            problems.append(("ano_ingresso", "posterior ao ano da avaliação", self.ano_ingresso))
        born = self.data_nascimento.year if self.data_nascimento else self.ano_nascimento
        if born is not None and not MIN_AGE <= self.ano - born <= MAX_AGE:
            field = "data_nascimento" if self.data_nascimento else "ano_nascimento"
            shown = self.data_nascimento.isoformat() if self.data_nascimento else born
            problems.append(
                (field, f"idade impossível em {self.ano} ({self.ano - born} anos)", shown)
            )
        if (
            self.data_nascimento is not None
            and self.ano_nascimento is not None
            and self.data_nascimento.year != self.ano_nascimento
        ):
            problems.append(
                ("ano_nascimento", "diferente do ano de data_nascimento", self.ano_nascimento)
            )
        if (
            self.defasagem is not None
            and isinstance(self.fase_ideal, int)
            and self.defasagem != int(self.fase) - self.fase_ideal
        ):
            problems.append(("defasagem", "deve ser fase − fase_ideal", self.defasagem))
        if problems:
            # One located error per field, like the per-field checks (never "the whole body").
            raise ValidationError.from_exception_data(
                "StudentRecord",
                [
                    InitErrorDetails(
                        type=PydanticCustomError("consistencia", reason), loc=(field,), input=value
                    )
                    for field, reason, value in problems
                ],
            )
        return self

    def record(self) -> dict[str, Any]:
        """The validated values for the scorer, Defasagem derived when Fase Ideal is known."""
        # The fields are plain values already (no nested models): a copy of the instance's
        # dict is model_dump's result at a tenth of its cost, which a 5,000-student batch feels.
        data = dict(self.__dict__)
        if data["defasagem"] is None and data["fase_ideal"] is not None:
            data["defasagem"] = data["fase"] - data["fase_ideal"]
        if data["ano_nascimento"] is None and self.data_nascimento is not None:
            data["ano_nascimento"] = self.data_nascimento.year
        return data


OPTIONAL = tuple(name for name in StudentRecord.model_fields if name not in ("ano", "fase", "ra"))


class Batch(BaseModel):
    """``{"students": [...]}``: several records in one request."""

    model_config = ConfigDict(extra="forbid", strict=True)

    students: Annotated[list[StudentRecord], Field(min_length=1)]
