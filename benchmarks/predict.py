"""What the reasons cost: scoring a year with exact per-student contributions, against the bare
calibrated probability of the same students.

    .venv/bin/python benchmarks/predict.py --model PASTA [PLANILHA] [--repeat N]

Without PLANILHA it scores $DEFASAGEM_PEDE_FILE, or a synthetic workbook of the default size.
The data is read once; each timing is the median of N runs over the latest year.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from defasagem.data.ingest import ingest_files
from defasagem.data.synth import write_synthetic_workbook
from defasagem.features import year_features
from defasagem.modeling.bundle import load_bundle
from defasagem.predict import score_year
from timing import median_seconds


def main() -> None:
    """Print the median time of the full scorer and of the bare probability, and their ratio."""
    parser = argparse.ArgumentParser(description="Mede a pontuação de um ano com motivos.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("workbook", nargs="?", type=Path, help="planilha .xlsx (opcional)")
    parser.add_argument("--repeat", type=int, default=7, help="execuções (mediana)")
    args = parser.parse_args()
    bundle = load_bundle(args.model)
    workbook = args.workbook or (
        Path(os.environ["DEFASAGEM_PEDE_FILE"]) if os.environ.get("DEFASAGEM_PEDE_FILE") else None
    )
    with tempfile.TemporaryDirectory() as tmp:
        if workbook is None:
            workbook = Path(tmp) / "sintetico.xlsx"
            write_synthetic_workbook(workbook)
        table = ingest_files([workbook]).table
    year = int(table["ano"].max())
    features = year_features(table, year, bundle.rule)
    features = features[features["fase"].between(0, 7)]
    full = median_seconds(lambda: score_year(bundle, table), args.repeat)
    bare = median_seconds(lambda: bundle.model.predict_proba(features), args.repeat)
    n = len(features)
    print(f"arquivo: {workbook.name}, {year}: {n} alunos (mediana de {args.repeat} execuções)")
    print(f"score_year (variáveis + probabilidade + motivos + ordem): {full * 1000:.0f} ms")
    print(f"só a probabilidade (variáveis prontas):                   {bare * 1000:.0f} ms")
    print(f"por aluno, completo:                                      {full / n * 1e6:.0f} µs")
    print(f"razão completo / só probabilidade:                        {full / bare:.1f}x")


if __name__ == "__main__":
    main()
