"""Latency and throughput of the real API server, against a reference server in the style most
public solutions use (Flask, a pandas DataFrame built per request, the same model).

    .venv/bin/python benchmarks/api.py --model PASTA [--requests N] [--concurrency C] [--rounds R]

A third server, the floor, does only the I/O a durable ``/predict`` cannot avoid (read the
body, append one log line per student with ``fdatasync``, answer as many bytes): its figures
bound what any implementation on this stack and machine can reach.

All servers run under gunicorn with 2 workers and are measured by the same client, in rounds
that alternate the scenarios (medians printed), one HTTP connection per request: ApacheBench
(``ab``, in C) when installed, else a Python thread pool (``--client python``). On a 2-core
machine the Python client takes CPU from the servers, which caps the faster server most, so
``ab`` measures the servers more faithfully. Printed: p50/p99 latency and requests/s for GET
/health, a single POST /predict and a 1,000-student batch, and the ratios the API issue asks
for.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from defasagem.access import AccessStore

STUDENT: dict[str, Any] = {
    "ra": "RA-1",
    "ano": 2024,
    "fase": 3,
    "fase_ideal": 4,
    "data_nascimento": "2011-05-20",
    "genero": "Feminino",
    "ieg": 5.1,
    "ida": 4.2,
    "ips": 6.0,
    "iaa": 8.0,
    "ipp": 6.5,
    "ipv": 6.9,
    "inde": 6.0,
    "fase_anterior": 2,
    "ieg_anterior": 7.9,
}

# The reference server: what a typical solution does per request (a DataFrame, the pipeline).
REFERENCE = """
import datetime as dt, json, sys
from pathlib import Path
import pandas as pd
from flask import Flask, request, jsonify
from gunicorn.app.base import BaseApplication
from defasagem.modeling.bundle import load_bundle
from defasagem.records import record_features

def create(model_dir):
    app = Flask("referencia")
    bundle = load_bundle(Path(model_dir))

    @app.post("/predict")
    def predict():
        data = request.get_json()
        data["data_nascimento"] = dt.date.fromisoformat(data["data_nascimento"])
        frame = pd.DataFrame([record_features(data, bundle.rule)])
        probability = float(bundle.model.predict_proba(frame)[0])
        return jsonify({"probabilidade": probability})

    return app

class App(BaseApplication):
    def __init__(self, model_dir, port):
        self.model_dir, self.port = model_dir, port
        super().__init__()
    def load_config(self):
        self.cfg.set("bind", f"127.0.0.1:{self.port}")
        self.cfg.set("workers", 2)
    def load(self):
        return create(self.model_dir)

App(sys.argv[1], int(sys.argv[2])).run()
"""


# The floor: Flask and gunicorn (2 workers) with only the I/O a durable /predict cannot avoid:
# read the body, append one log line per student (as long as ours) with fdatasync, answer as
# many bytes per student as ours. No validation, no model. What it reaches bounds what any
# /predict that logs durably can reach on this machine and stack.
FLOOR = """
import os, sys
import orjson
from flask import Flask, Response, request
from gunicorn.app.base import BaseApplication

FOLDER, PORT, LINE, ANSWER = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def create():
    app = Flask("piso")
    state = {}

    @app.post("/predict")
    def predict():
        if "fd" not in state:
            path = os.path.join(FOLDER, f"piso-{os.getpid()}.jsonl")
            state["fd"] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        body = orjson.loads(request.get_data())
        n = len(body["students"]) if "students" in body else 1
        os.write(state["fd"], (b"x" * (LINE - 1) + b"\\n") * n)
        os.fdatasync(state["fd"])
        return Response(b"y" * (ANSWER * n), mimetype="application/json")

    return app

class App(BaseApplication):
    def load_config(self):
        self.cfg.set("bind", f"127.0.0.1:{PORT}")
        self.cfg.set("workers", 2)
    def load(self):
        return create()

App().run()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"servidor não respondeu: {url}")


def wait_port(port: int) -> None:
    """Until the reference server accepts connections (it has no GET route)."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                time.sleep(2)  # the workers load the model after the master binds
                return
        time.sleep(0.2)
    raise SystemExit(f"servidor de referência não respondeu na porta {port}")


def request(url: str, body: bytes | None, token: str | None = None) -> float:
    """Seconds for one request (its status must be 200); plain http.client, the lightest
    client in the standard library, so the client costs as little CPU as possible."""
    parts = urllib.parse.urlsplit(url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request("POST" if body is not None else "GET", parts.path, body, headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise SystemExit(f"{url}: status {response.status}")
    return time.perf_counter() - started


def measure(send: Callable[[], float], n: int, concurrency: int) -> dict[str, float]:
    """p50/p99 latency (ms) and requests per second of ``n`` requests."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        latencies = sorted(pool.map(lambda _: send(), range(n)))
    wall = time.perf_counter() - started
    return {
        "p50": 1000 * statistics.median(latencies),
        "p99": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "rps": n / wall,
    }


def measure_ab(
    url: str, body: bytes | None, token: str | None, n: int, concurrency: int, folder: Path
) -> dict[str, float]:
    """The same figures from ApacheBench (p50/p99 in whole milliseconds, as ab prints them)."""
    command = ["ab", "-q", "-n", str(n), "-c", str(concurrency)]
    if body is not None:
        payload = folder / f"corpo-{len(body)}.json"
        payload.write_bytes(body)
        command += ["-p", str(payload), "-T", "application/json"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True
    ).stdout  # fmt: skip
    # Answers differ in length (probabilities, reasons): ab counts that as "failed", so only
    # the status is checked.
    refused = re.search(r"Non-2xx responses:\s+(\d+)", output)
    if refused:
        raise SystemExit(f"{url}: {refused.group(1)} respostas sem status 2xx")

    def figure(pattern: str) -> float:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise SystemExit(f"saída inesperada do ab:\n{output}")
        return float(found.group(1))

    return {
        "p50": figure(r"^\s+50%\s+(\d+)"),
        "p99": figure(r"^\s+99%\s+(\d+)"),
        "rps": figure(r"Requests per second:\s+([\d.]+)"),
    }


def sizes(url: str, body: bytes, token: str, folder: Path) -> tuple[int, int]:
    """Bytes per student of our log line and of our answer, from one real request."""
    asked = urllib.request.Request(
        url,
        body,
        {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(asked, timeout=30) as answer:
        length = len(answer.read())
    lines = [
        line
        for path in (folder / "logs").glob("predicoes-*.jsonl")
        for line in path.read_bytes().splitlines()
    ]
    return len(lines[-1]) + 1, length


def start_floor(folder: Path, port: int, size: tuple[int, int]) -> subprocess.Popen[bytes]:
    """The floor server (see FLOOR), writing lines and answers of ``size`` bytes per student."""
    script = folder / "floor.py"
    script.write_text(FLOOR, encoding="utf-8")
    (folder / "piso").mkdir()
    command = [sys.executable, str(script), str(folder / "piso"), str(port), *map(str, size)]
    return start(command, folder / "floor.log")


def start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)


def main() -> None:
    """Start both servers, measure, print the figures and the ratios."""
    parser = argparse.ArgumentParser(description="Mede a API contra um servidor de referência.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("--requests", type=int, default=2000, help="pedidos por cenário")
    parser.add_argument("--concurrency", type=int, default=8, help="clientes simultâneos")
    parser.add_argument("--rounds", type=int, default=3, help="rodadas alternadas (mediana)")
    parser.add_argument(
        "--client",
        choices=("ab", "python"),
        default="ab" if shutil.which("ab") else "python",
        help="cliente de carga [padrão: ab se instalado (apt-get install apache2-utils)]",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ours_port, ref_port = free_port(), free_port()
        # Ours runs as in production: every /predict carries and checks a Bearer token.
        access = AccessStore(folder / "acesso")
        token = access.add_token("benchmark")
        access.add_user("benchmark", secrets.token_urlsafe(12))
        ours = start(
            [sys.executable, "-m", "defasagem.cli", "serve", "--model", str(args.model),
             "--logs", str(folder / "logs"), "--port", str(ours_port), "--workers", "2",
             "--auth", str(folder / "acesso")],
            folder / "ours.log",
        )  # fmt: skip
        script = folder / "reference.py"
        script.write_text(REFERENCE, encoding="utf-8")
        reference = start(
            [sys.executable, str(script), str(args.model), str(ref_port)], folder / "ref.log"
        )
        servers = [ours, reference]
        try:
            base, ref = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{ref_port}"
            wait_ready(f"{base}/ready")
            wait_port(ref_port)
            one = json.dumps(STUDENT).encode("utf-8")
            batch = json.dumps({"students": [STUDENT] * 1000}).encode("utf-8")
            n, c = args.requests, args.concurrency
            floor_port = free_port()
            floor = start_floor(folder, floor_port, sizes(f"{base}/predict", one, token, folder))
            servers.append(floor)
            wait_port(floor_port)
            low = f"http://127.0.0.1:{floor_port}/predict"

            def run(url: str, body: bytes | None, key: str | None, count: int) -> dict[str, float]:
                if args.client == "ab":
                    return measure_ab(url, body, key, count, c, folder)
                return measure(lambda: request(url, body, key), count, c)

            # Rounds alternate the four scenarios: a machine that slows down for a while (other
            # tenants, CPU frequency) then weighs on all of them, not on one.
            rounds = [
                {
                    "health": run(f"{base}/health", None, None, n),
                    "single": run(f"{base}/predict", one, token, n),
                    "many": run(f"{base}/predict", batch, token, max(20, n // 50)),
                    "baseline": run(f"{ref}/predict", one, None, n),
                    "floor": run(low, one, None, n),
                    "floor_many": run(low, batch, None, max(20, n // 50)),
                }
                for _ in range(args.rounds)
            ]
        finally:
            for process in servers:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    median = {
        scenario: {
            figure: statistics.median(r[scenario][figure] for r in rounds)
            for figure in ("p50", "p99", "rps")
        }
        for scenario in rounds[0]
    }
    rows = [
        ("GET /health", median["health"]),
        ("POST /predict (1 aluno)", median["single"]),
        ("POST /predict (1.000 alunos)", median["many"]),
        ("referência: DataFrame por pedido", median["baseline"]),
        ("piso: só E/S durável, 1 aluno", median["floor"]),
        ("piso: só E/S durável, 1.000 alunos", median["floor_many"]),
    ]
    print(
        f"{n} pedidos por cenário (lote: {max(20, n // 50)}), {c} clientes ({args.client}), "
        f"2 processos; medianas de {args.rounds} rodadas alternadas"
    )
    for name, figures in rows:
        print(
            f"{name:36s} p50 {figures['p50']:8.2f} ms  p99 {figures['p99']:8.2f} ms  "
            f"{figures['rps']:8.1f} pedidos/s"
        )
    ratios = [
        ("p50 predict / p50 health:           ", "single", "p50", "health", "p50", "meta ≤ 3"),
        ("p50 lote de 1.000 / p50 1 aluno:     ", "many", "p50", "single", "p50", "meta ≤ 10"),
        ("vazão nossa / vazão da referência:   ", "single", "rps", "baseline", "rps", "meta ≥ 5"),
        ("piso: lote / 1 aluno (p50):          ", "floor_many", "p50", "floor", "p50", "limite"),
        ("piso: vazão / vazão da referência:   ", "floor", "rps", "baseline", "rps", "limite"),
    ]
    for label, top, top_figure, bottom, bottom_figure, goal in ratios:
        value = median[top][top_figure] / median[bottom][bottom_figure]
        each = [r[top][top_figure] / r[bottom][bottom_figure] for r in rounds]
        print(f"{label} {value:6.2f}x ({goal}; rodadas de {min(each):.2f}x a {max(each):.2f}x)")


if __name__ == "__main__":
    main()
