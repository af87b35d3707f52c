"""What access control costs per request: the same app with and without it (Flask's test client,
in this process, so only the server-side work is measured).

    .venv/bin/python benchmarks/auth.py --model out/demo/modelo
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from defasagem.access import AccessStore
from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings, AuthSettings

STUDENT = {"ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "ieg": 5.1, "ida": 4.2}


def per_request(send: Callable[[], object], n: int) -> float:
    """Microseconds per request over ``n`` requests."""
    started = time.perf_counter()
    for _ in range(n):
        send()
    return (time.perf_counter() - started) / n * 1e6


def main() -> None:
    """Print /health and a single /predict, open and behind a Bearer token, and the difference."""
    parser = argparse.ArgumentParser(description="Custo do controle de acesso por pedido.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("--n", type=int, default=300, help="pedidos por rodada")
    parser.add_argument("--rounds", type=int, default=9, help="rodadas alternadas")
    args = parser.parse_args()
    body = json.dumps(STUDENT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        access = AccessStore(folder / "acesso")
        token = access.add_token("benchmark")
        senders: dict[str, list[Callable[[], object]]] = {}
        for label, auth, headers in (
            ("aberto", None, {}),
            ("com token", AuthSettings(folder / "acesso"), {"Authorization": f"Bearer {token}"}),
        ):
            settings = ApiSettings(args.model, folder / f"logs-{len(senders)}", auth=auth)
            client = create_app(settings).test_client()
            senders[label] = [
                partial(client.get, "/health"),
                partial(
                    client.post,
                    "/predict",
                    data=body,
                    content_type="application/json",
                    headers=headers,
                ),
            ]
        # Rounds alternate between the two apps, so a slower moment of the machine hits both;
        # the best round of each is kept.
        best = {label: [float("inf"), float("inf")] for label in senders}
        for _ in range(args.rounds):
            for label, sends in senders.items():
                for index, send in enumerate(sends):
                    best[label][index] = min(best[label][index], per_request(send, args.n))
        for label, (health, single) in best.items():
            print(f"{label:10s} GET /health {health:7.0f} µs   POST /predict {single:7.0f} µs")
        figures = {label: (values[0], values[1]) for label, values in best.items()}
    (h0, p0), (h1, p1) = figures["aberto"], figures["com token"]
    print(f"custo do acesso: /health +{h1 - h0:.0f} µs, /predict +{p1 - p0:.0f} µs "
          f"({100 * (p1 - p0) / p0:+.1f} %)")  # fmt: skip


if __name__ == "__main__":
    main()
