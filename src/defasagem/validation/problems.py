"""pydantic's validation errors → the API's 422 body: every problem with the field path, the
value sent and the reason, in Portuguese (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

_REASONS = {
    "missing": "campo obrigatório ausente",
    "extra_forbidden": "campo desconhecido",
    "float_type": "deve ser um número (sem aspas; verdadeiro/falso não é número)",
    "int_type": "deve ser um número inteiro (sem aspas)",
    "int_from_float": "deve ser um número inteiro",
    "string_type": "deve ser texto",
    "bool_type": "deve ser verdadeiro ou falso",
    "date_type": "deve ser uma data no formato AAAA-MM-DD",
    "date_parsing": "data inválida (use AAAA-MM-DD)",
    "date_from_datetime_parsing": "data inválida (use AAAA-MM-DD)",
    "date_from_datetime_inexact": "data com horário (use só AAAA-MM-DD)",
    "list_type": "deve ser uma lista",
    "model_type": "deve ser um objeto JSON com os campos do aluno",
    "model_attributes_type": "deve ser um objeto JSON com os campos do aluno",
    "json_invalid": "o corpo não é JSON válido",
    "json_type": "o corpo não é JSON válido",
    "string_too_short": "texto vazio",
    "string_too_long": "texto longo demais",
}
_MAX_SHOWN = 120


def reason(error: Mapping[str, Any]) -> str:
    """The Portuguese reason of one pydantic error."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in ("greater_than_equal", "greater_than"):
        return f"deve ser no mínimo {_num(ctx.get('ge', ctx.get('gt')))}"
    if kind in ("less_than_equal", "less_than"):
        return f"deve ser no máximo {_num(ctx.get('le', ctx.get('lt')))}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", '"').replace(" or ", " ou ")
        return f"valor não aceito; use {expected}"
    if kind == "too_short":
        return "a lista está vazia"
    if kind == "consistencia":
        return str(error.get("msg", "valor inconsistente"))
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "valor inválido")))
    return _REASONS.get(kind, "valor inválido")


def _num(value: Any) -> str:
    """``10.0`` → ``"10"``, ``10.05`` → ``"10,05"``."""
    return f"{float(value):g}".replace(".", ",") if isinstance(value, int | float) else str(value)


def field_path(location: tuple[Any, ...]) -> str:
    """``("students", 3, "ieg")`` → ``"students[3].ieg"``; the body itself is ``"corpo"``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "corpo"


def _shown(value: Any) -> Any:
    """The value sent, as JSON-safe and short."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…"


def problems(exc: ValidationError) -> list[dict[str, Any]]:
    """Every problem of a validation error, in order."""
    out = []
    for error in exc.errors(include_url=False):
        item: dict[str, Any] = {"campo": field_path(tuple(error["loc"])), "motivo": reason(error)}
        # A rule across fields (loc empty) names its fields in the reason; the whole body as
        # "value" would only repeat the request.
        if error["type"] != "missing" and not (error["type"] == "value_error" and not error["loc"]):
            item["valor"] = _shown(error.get("input"))
        out.append(item)
    return out
