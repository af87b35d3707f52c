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


def best_of(send: Callable[[], object], repeats: int, n: int) -> float:
    """Microseconds per request, the best of ``repeats`` runs of ``n`` (after a warm-up)."""
    for _ in range(n // 2):
        send()
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(n):
            send()
        best = min(best, (time.perf_counter() - started) / n)
    return best * 1e6


def main() -> None:
    """Print /health and a single /predict, open and behind a Bearer token, and the difference."""
    parser = argparse.ArgumentParser(description="Custo do controle de acesso por pedido.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("--n", type=int, default=500, help="pedidos por rodada")
    args = parser.parse_args()
    body = json.dumps(STUDENT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        access = AccessStore(folder / "acesso")
        token = access.add_token("benchmark")
        figures: dict[str, tuple[float, float]] = {}
        for label, auth, headers in (
            ("aberto", None, {}),
            ("com token", AuthSettings(folder / "acesso"), {"Authorization": f"Bearer {token}"}),
        ):
            settings = ApiSettings(args.model, folder / f"logs-{len(figures)}", auth=auth)
            client = create_app(settings).test_client()
            health = best_of(partial(client.get, "/health"), 5, args.n)
            single = best_of(
                partial(
                    client.post,
                    "/predict",
                    data=body,
                    content_type="application/json",
                    headers=headers,
                ),
                5,
                args.n,
            )
            figures[label] = (health, single)
            print(f"{label:10s} GET /health {health:7.0f} µs   POST /predict {single:7.0f} µs")
    (h0, p0), (h1, p1) = figures["aberto"], figures["com token"]
    print(f"custo do acesso: /health +{h1 - h0:.0f} µs, /predict +{p1 - p0:.0f} µs "
          f"({100 * (p1 - p0) / p0:+.1f} %)")  # fmt: skip


if __name__ == "__main__":
    main()
