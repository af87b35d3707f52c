"""Prometheus metrics of the API: requests and latency by endpoint and status, predictions by
band, the model version.

Under gunicorn every worker is a process, so the server sets ``PROMETHEUS_MULTIPROC_DIR``
before the workers start and ``/metrics`` adds up every worker's values (prometheus_client's
multiprocess mode); in a single process (tests, ``flask run``) the default registry is used.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "defasagem_requests_total", "Pedidos HTTP por rota e status.", ["endpoint", "status"]
)
LATENCY = Histogram(
    "defasagem_request_seconds",
    "Duração dos pedidos HTTP por rota.",
    ["endpoint"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PREDICTIONS = Counter("defasagem_predictions_total", "Alunos pontuados por faixa.", ["faixa"])
MODEL = Gauge(
    "defasagem_model_info",
    "Versão do modelo carregado (valor 1).",
    ["versao"],
    multiprocess_mode="liveall",
)


def exposition() -> tuple[bytes, str]:
    """The metrics text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
