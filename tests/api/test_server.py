"""The real server: `defasagem serve` starts gunicorn with 2 workers and answers over HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from defasagem.monitoring.prediction_log import read_log


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def server(synthetic_bundle: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    logs = tmp_path / "logs"
    command = [
        sys.executable, "-m", "defasagem.cli", "serve", "--model", str(synthetic_bundle),
        "--logs", str(logs), "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if call(f"{url}/ready")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("o servidor não ficou pronto em 60 s")
    yield url, logs
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def test_gunicorn_serves_health_ready_predict_and_logs_each_student(server) -> None:  # type: ignore[no-untyped-def]
    url, logs = server
    assert call(f"{url}/health") == (200, {"status": "ok"})
    status, ready = call(f"{url}/ready")
    assert status == 200
    assert ready["status"] == "pronto"
    student = {"ano": 2024, "fase": "2A", "ieg": 4.0, "data_nascimento": "2014-02-03"}
    statuses = [call(f"{url}/predict", student)[0] for _ in range(20)]
    assert statuses == [200] * 20
    status, problems = call(f"{url}/predict", {"ano": 2024})
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
