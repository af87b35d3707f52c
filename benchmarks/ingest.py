"""How long ingestion takes, against a plain ``pandas.read_excel`` of the same workbook.

The reference only loads the cells (no header mapping, no repairs, no validation), so the ratio
says what all the checking costs on top of just opening the file.

    .venv/bin/python benchmarks/ingest.py [WORKBOOK] [--repeat N]

Without WORKBOOK it uses $DEFASAGEM_PEDE_FILE, or a synthetic workbook of the default size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd

from defasagem.data.ingest import ingest_files
from defasagem.data.synth import write_synthetic_workbook
from timing import median_seconds


def main() -> None:
    """Print the median wall time of each reader and their ratio."""
    parser = argparse.ArgumentParser(
        description="Mede a leitura completa de uma planilha PEDE contra pandas.read_excel."
    )
    parser.add_argument("workbook", nargs="?", type=Path, help="planilha .xlsx (opcional)")
    parser.add_argument("--repeat", type=int, default=5, help="execuções (mediana)")
    args = parser.parse_args()
    if args.workbook is not None and args.workbook.suffix.lower() != ".xlsx":
        parser.error("a comparação com pandas.read_excel só vale para uma planilha .xlsx")
    workbook = args.workbook or (
        Path(os.environ["DEFASAGEM_PEDE_FILE"]) if os.environ.get("DEFASAGEM_PEDE_FILE") else None
    )
    with tempfile.TemporaryDirectory() as tmp:
        if workbook is None:
            workbook = Path(tmp) / "sintetico.xlsx"
            write_synthetic_workbook(workbook)
        ours = median_seconds(lambda: ingest_files([workbook]), args.repeat)
        reference = median_seconds(
            lambda: pd.read_excel(workbook, sheet_name=None, engine="openpyxl"), args.repeat
        )
    print(f"arquivo: {workbook.name} (mediana de {args.repeat} execuções)")
    print(f"defasagem ingest (ler + reparar + validar): {ours:.2f} s")
    print(f"pandas.read_excel (só ler):                  {reference:.2f} s")
    print(f"razão ingest / read_excel:                   {ours / reference:.2f}x")


if __name__ == "__main__":
    main()
