"""Prometheus metrics of the API: requests and latency by endpoint and status, predictions by
band, the model version.

Under gunicorn every worker is a process, so the server sets ``PROMETHEUS_MULTIPROC_DIR``
before the workers start and ``/metrics`` adds up every worker's values (prometheus_client's
multiprocess mode); in a single process (tests, ``flask run``) the default registry is used.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from defasagem.monitoring.drift import read_summary

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


class DriftCollector(Collector):
    """The latest drift report's figures, read from ``drift.json`` at each scrape: any worker
    (or ``defasagem drift`` run from a shell) may have written it."""

    def __init__(self, reports_dir: Path) -> None:
        self.reports_dir = reports_dir

    def collect(self) -> Iterator[Metric]:
        """Nothing until a report exists."""
        summary = read_summary(self.reports_dir)
        if summary is None:
            return
        figures = (
            ("defasagem_drift_share", "Parcela das variáveis com drift.", summary["share_drifted"]),
            ("defasagem_drift_features", "Variáveis com drift.", summary["n_drifted"]),
            ("defasagem_drift_dataset", "Drift do conjunto (1 = sim).", summary["dataset_drift"]),
            (
                "defasagem_drift_report_timestamp_seconds",
                "Momento do último relatório de drift (Unix, UTC).",
                dt.datetime.fromisoformat(summary["computed_at"]).timestamp(),
            ),
            ("defasagem_drift_rows", "Previsões no último relatório.", summary["window"]["n"]),
        )
        for name, text, value in figures:
            yield GaugeMetricFamily(name, text, value=float(value))


def exposition(reports_dir: Path) -> tuple[bytes, str]:
    """The metrics text and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest()
    drift = CollectorRegistry()
    drift.register(DriftCollector(reports_dir))
    return text + generate_latest(drift), CONTENT_TYPE_LATEST
