"""How long a drift report takes over N logged predictions (the drift issue: seconds, not
minutes), split into reading the log and the Evidently run plus writing the files.

    .venv/bin/python benchmarks/drift.py --model PASTA [PLANILHA] [--n 1000] [--repeat 3]

The predictions are scored through the API (in-process) from the latest year of PLANILHA, or
of a synthetic workbook when none is given, into a temporary log folder.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.data.ingest import ingest_files
from defasagem.data.synth import write_synthetic_workbook
from defasagem.modeling.bundle import load_bundle
from defasagem.monitoring.drift import compute_drift
from defasagem.monitoring.prediction_log import read_log
from defasagem.monitoring.simulator import requests_of_year, sample
from timing import median_seconds


def main() -> None:
    """Print the median seconds of a full report and of reading the log alone."""
    parser = argparse.ArgumentParser(description="Mede o relatório de drift.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("workbook", nargs="?", type=Path, help="planilha PEDE (opcional)")
    parser.add_argument("--n", type=int, default=1000, help="previsões no log")
    parser.add_argument("--repeat", type=int, default=3, help="execuções (mediana)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = args.workbook
        if workbook is None:
            workbook = folder / "pede.xlsx"
            write_synthetic_workbook(workbook, seed=42)
        records, _ = requests_of_year(ingest_files([workbook]).table)
        logs = folder / "logs"
        client = create_app(ApiSettings(args.model, logs)).test_client()
        students = sample(records, args.n, None, 42)
        for start in range(0, args.n, 500):
            client.post("/predict", json={"students": students[start : start + 500]})
        bundle = load_bundle(args.model)
        reading = median_seconds(lambda: read_log(logs), args.repeat)
        report = median_seconds(
            lambda: compute_drift(bundle, logs, folder / "out", min_rows=1), args.repeat
        )
    print(f"{args.n} previsões no log, mediana de {args.repeat} execuções:")
    print(f"  ler o log:                {reading:6.2f} s")
    print(f"  relatório completo:       {report:6.2f} s (HTML do Evidently + drift.json)")


if __name__ == "__main__":
    main()
