"""Realistic traffic for the API, built from a PEDE export, with optional injected drift.

The requests are the students of one year of the file, as a client would send them (the API's
field names; the previous year's values as ``*_anterior``), sampled with a fixed seed. Drift
kinds change what a real shift would change:

- ``engagement``: IEG falls (by 3 points, never below 0), as when a cohort disengages;
- ``missing``: 40 % of the indicators and grades arrive empty, as from a half-filled sheet;
- ``new-category``: half of the students come from an institution type never seen in training.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from defasagem.errors import DefasagemError
from defasagem.records import year_records
from defasagem.validation.problems import problems
from defasagem.validation.record_schema import StudentRecord

DRIFT_KINDS = ("engagement", "missing", "new-category")
INDICATORS = ("iaa", "ieg", "ips", "ida", "ipp", "ipv", "inde", "nota_mat", "nota_port", "nota_ing")
NEW_INSTITUTION = "Escola Técnica Federal (ensino profissionalizante)"
# Whole numbers the schema types as int (a strict schema refuses 3.0 for 3).
_INTEGERS = frozenset(
    {
        "ano", "fase", "fase_ideal", "defasagem", "idade", "ano_nascimento", "ano_ingresso",
        "n_avaliacoes", "fase_anterior", "defasagem_anterior",
    }
)  # fmt: skip


def requests_of_year(
    table: pd.DataFrame, year: int | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The students of ``year`` (default: the latest) as JSON-ready API records, and why the
    rest were left out: rows the API's schema refuses (Fase 8, a Defasagem that disagrees with
    Fase − Fase Ideal...) would only make the simulated traffic fail."""
    year = int(table["ano"].max()) if year is None else year
    if not (table["ano"] == year).any():
        years = ", ".join(str(int(y)) for y in sorted(table["ano"].unique()))
        raise DefasagemError(f"--year {year}: o arquivo traz os anos {years}.")
    out, left_out = [], []
    for ra, record in year_records(table, year).items():
        request = {
            name: _plain(name, record.get(name))
            for name in StudentRecord.model_fields
            if record.get(name) is not None
        }
        try:
            StudentRecord.model_validate_json(json.dumps(request))
        except ValidationError as exc:
            left_out.append(f"{ra}: {'; '.join(p['motivo'] for p in problems(exc))}")
            continue
        out.append(request)
    if not out:
        raise DefasagemError(f"{year}: nenhum aluno do arquivo forma um pedido válido para a API.")
    return out, left_out


def _plain(name: str, value: Any) -> Any:
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()[:10]
    if isinstance(value, np.generic):
        value = value.item()
    if name in _INTEGERS and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def check_drift_kind(drift: str | None) -> None:
    """Refuse an unknown drift kind, naming the known ones."""
    if drift is not None and drift not in DRIFT_KINDS:
        raise DefasagemError(f"--drift {drift}: use um de {', '.join(DRIFT_KINDS)}.")


def sample(
    records: Sequence[dict[str, Any]], n: int, drift: str | None, seed: int
) -> list[dict[str, Any]]:
    """``n`` records drawn with replacement (each a fresh copy), with ``drift`` injected."""
    check_drift_kind(drift)
    rng = np.random.default_rng(seed)
    picked = [dict(records[i]) for i in rng.integers(0, len(records), size=n)]
    for number, record in enumerate(picked):
        record["ra"] = f"SIM-{seed}-{number}"  # never a real student's RA in simulated traffic
        if drift == "engagement" and record.get("ieg") is not None:
            record["ieg"] = round(max(0.0, float(record["ieg"]) - 3.0), 3)
        elif drift == "missing":
            for name in INDICATORS:
                if rng.random() < 0.4:
                    record.pop(name, None)
        elif drift == "new-category" and rng.random() < 0.5:
            record["instituicao_ensino"] = NEW_INSTITUTION
    return picked


@dataclass
class SendResult:
    """What the server answered."""

    sent: int = 0
    scored: int = 0
    refused: int = 0
    first_error: str | None = None
    statuses: dict[int, int] = field(default_factory=dict)


def send(
    url: str,
    records: Sequence[dict[str, Any]],
    *,
    batch: int,
    token: str | None = None,
    progress: Callable[[int], None] = lambda _: None,
) -> SendResult:
    """POST the records to ``url``/predict, ``batch`` at a time (1 = one student per request)."""
    try:
        parts = urllib.parse.urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        valid = False
    if not valid:
        raise DefasagemError(f"--url {url}: esperado um endereço como http://localhost:8000.")
    path = parts.path.rstrip("/") + "/predict"
    result = SendResult()
    for chunk in _chunks(records, batch):
        body = chunk[0] if batch == 1 else {"students": list(chunk)}
        status, answer = _post(parts, path, body, token)
        if status == 401:  # every later request would be refused too
            raise DefasagemError(
                "a API recusou o acesso (401): informe um token válido com --token ou "
                f"DEFASAGEM_API_TOKEN ({answer[:200]})."
            )
        result.sent += len(chunk)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if status == 200:
            result.scored += len(chunk)
        else:
            result.refused += len(chunk)
            result.first_error = result.first_error or f"status {status}: {answer[:500]}"
        progress(len(chunk))
    return result


def _chunks(records: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def _post(
    parts: urllib.parse.SplitResult, path: str, body: Any, token: str | None
) -> tuple[int, str]:
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname or "", parts.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request("POST", path, json.dumps(body, ensure_ascii=False).encode(), headers)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    except (OSError, http.client.HTTPException) as exc:
        raise DefasagemError(
            f"--url: não foi possível falar com {parts.scheme}://{parts.netloc} "
            f"({type(exc).__name__}: {exc}); o servidor está no ar? (defasagem serve)"
        ) from None
    finally:
        connection.close()
