"""The real server: `defasagem serve` starts gunicorn with 2 workers and answers over HTTP."""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from http.client import HTTPException
from pathlib import Path
from typing import Any

import pytest

from defasagem.monitoring.prediction_log import read_log
from servers import Running, running_server


def call(
    url: str,
    body: dict[str, Any] | None = None,
    request_id: str | None = None,
    token: str | None = None,
) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if request_id:
        headers["X-Request-ID"] = request_id
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def server(synthetic_bundle: Path, tmp_path: Path) -> Iterator[Running]:
    with running_server(synthetic_bundle, tmp_path) as running:
        yield running


def test_gunicorn_serves_health_ready_predict_and_logs_each_student(server: Running) -> None:
    url, logs, token = server.url, server.logs, server.token
    assert call(f"{url}/health") == (200, {"status": "ok"})
    status, ready = call(f"{url}/ready")
    assert status == 200
    assert ready["status"] == "pronto"
    student = {"ano": 2024, "fase": "2A", "ieg": 4.0, "data_nascimento": "2014-02-03"}
    # Without the token nothing is scored, in any worker.
    refused = [call(f"{url}/predict", student) for _ in range(4)]
    assert {status for status, _ in refused} == {401}
    assert "Bearer" in refused[0][1]["erro"]
    statuses = [call(f"{url}/predict", student, token=token)[0] for _ in range(20)]
    assert statuses == [200] * 20
    status, problems = call(f"{url}/predict", {"ano": 2024}, token=token)
    assert status == 422
    assert problems["erros"][0]["campo"] == "fase"
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode("utf-8")
    # Both workers' counts add up (prometheus multiprocess mode).
    bands = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("defasagem_predictions_total{")
    ]
    assert sum(bands) == 20
    logged = read_log(logs)
    assert len(logged) == 20
    assert logged["request_id"].is_unique
    assert "entrada_ra" in logged.columns
    assert logged["entrada_ra"].isna().all()  # no RA sent, none logged


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text(encoding="ascii")
    return [int(pid) for pid in children.split()]


def test_a_worker_killed_mid_run_loses_no_answered_prediction(server: Running) -> None:
    """2,000 requests from 8 clients; one worker gets SIGKILL half-way. Every request answered
    200 is in the log exactly once (the record is fsync-ed before the answer)."""
    url, logs, master = server.url, server.logs, server.pid
    student = {"ano": 2024, "fase": 3, "ieg": 5.0, "ida": 6.0, "data_nascimento": "2013-01-02"}
    answered: list[str] = []
    failed = 0

    def send(i: int) -> tuple[str, int]:
        request_id = f"carga-{i}"
        try:
            return request_id, call(f"{url}/predict", student, request_id, server.token)[0]
        except (OSError, HTTPException):
            # The killed worker's connection: refused, reset, or cut after the headers
            # (IncompleteRead). A cut answer was not received, so it does not count as answered.
            return request_id, 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, i) for i in range(2000)]
        for done, future in enumerate(as_completed(futures)):
            if done == 700:
                os.kill(workers_of(master)[0], signal.SIGKILL)
            request_id, status = future.result()
            if status == 200:
                answered.append(request_id)
            else:
                failed += 1
    assert len(answered) >= 1900
    counts = read_log(logs)["request_id"].value_counts()
    assert all(counts.get(request_id, 0) == 1 for request_id in answered)
    # gunicorn replaced the worker: the server still answers.
    assert call(f"{url}/ready")[0] == 200
