"""The traffic simulator: valid requests from a PEDE export, deterministic sampling, the drift
kinds, and sending to a live server (real HTTP, in a thread)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from defasagem.data.ingest import IngestResult
from defasagem.errors import DefasagemError
from defasagem.monitoring.prediction_log import read_log
from defasagem.monitoring.simulator import (
    INDICATORS,
    NEW_INSTITUTION,
    requests_of_year,
    sample,
    send,
)
from defasagem.validation.record_schema import StudentRecord


@pytest.fixture(scope="module")
def records(synthetic_result: IngestResult) -> list[dict[str, Any]]:
    valid, _ = requests_of_year(synthetic_result.table)
    return valid


def test_requests_are_valid_for_the_api_and_say_who_was_left_out(
    synthetic_result: IngestResult,
) -> None:
    table = synthetic_result.table
    valid, left_out = requests_of_year(table)
    latest = int(table["ano"].max())
    assert all(r["ano"] == latest for r in valid)
    for record in valid:
        StudentRecord.model_validate_json(json.dumps(record))  # raises if the API would refuse
    beyond_phase_7 = int(((table["ano"] == latest) & (table["fase"] >= 8)).sum())
    assert sum("Fase 8" in reason for reason in left_out) == beyond_phase_7 > 0
    assert len(valid) + len(left_out) == int((table["ano"] == latest).sum())


def test_an_absent_year_is_a_clear_error(synthetic_result: IngestResult) -> None:
    with pytest.raises(DefasagemError, match=r"--year 1999: o arquivo traz os anos"):
        requests_of_year(synthetic_result.table, 1999)


def test_sampling_is_deterministic_and_never_changes_the_source(
    records: list[dict[str, Any]],
) -> None:
    before = json.dumps(records)
    first, second = sample(records, 50, "missing", 3), sample(records, 50, "missing", 3)
    assert first == second
    assert first != sample(records, 50, "missing", 4)
    assert json.dumps(records) == before
    assert len({r["ra"] for r in first}) == 50
    assert all(r["ra"].startswith("SIM-") for r in first)


def test_drift_kinds_change_what_they_say(records: list[dict[str, Any]]) -> None:
    plain = sample(records, 400, None, 5)
    engagement = sample(records, 400, "engagement", 5)
    for before, after in zip(plain, engagement, strict=True):
        if "ieg" in before:
            assert after["ieg"] == pytest.approx(max(0.0, before["ieg"] - 3.0), abs=1e-3)
    missing = sample(records, 400, "missing", 5)
    assert 0.5 < _filled(missing) / _filled(plain) < 0.7
    new = sample(records, 400, "new-category", 5)
    share = sum(r.get("instituicao_ensino") == NEW_INSTITUTION for r in new) / 400
    assert 0.4 < share < 0.6
    with pytest.raises(DefasagemError, match="--drift outra"):
        sample(records, 10, "outra", 5)


@pytest.mark.parametrize("batch", [1, 7])
def test_send_scores_every_student_through_the_real_http_api(
    live_api: tuple[str, Path], records: list[dict[str, Any]], batch: int
) -> None:
    url, logs = live_api
    seen: list[int] = []
    result = send(url, sample(records, 20, None, 1), batch=batch, progress=seen.append)
    assert (result.sent, result.scored, result.refused) == (20, 20, 0)
    assert sum(seen) == 20
    assert result.statuses == {200: -(-20 // batch)}
    assert len(read_log(logs)) == 20


def test_refused_requests_are_counted_with_the_first_error(
    live_api: tuple[str, Path], records: list[dict[str, Any]]
) -> None:
    url, _ = live_api
    bad = [{**r, "ieg": 11.0} for r in sample(records, 4, None, 1)]
    result = send(url, bad, batch=2)
    assert (result.scored, result.refused) == (0, 4)
    assert result.first_error is not None
    assert "ieg" in result.first_error
    assert result.statuses == {422: 2}


def test_a_wrong_or_unreachable_url_is_a_clear_error(records: list[dict[str, Any]]) -> None:
    for url in ("ftp://x", "http://localhost:abc", "http://[::1"):
        with pytest.raises(DefasagemError, match="esperado um endereço como"):
            send(url, records[:1], batch=1)
    with pytest.raises(DefasagemError, match=r"não foi possível falar com http://127\.0\.0\.1:9"):
        send("http://127.0.0.1:9", records[:1], batch=1)


def _filled(rows: list[dict[str, Any]]) -> int:
    return sum(name in r for r in rows for name in INDICATORS)
