"""What the yearly cycle costs, beside what it sits on, as percentiles (this process only).

    .venv/bin/python benchmarks/cycle.py --model out/demo/modelo [--data PLANILHA.xlsx] [--n 20]

On the latest year of the data (the synthetic workbook by default) and SQLite:

- scoring the year (``score_year``: features, probabilities, reasons), the reference;
- the estimate made when a list is scored (CBPE, 1,000 simulated outcomes);
- keeping the year's list (the estimate plus one row per student in the database);
- measuring the outcome of the previous year's list (bootstraps of every figure);
- a challenger-vs-champion comparison (1,000 paired resamples) on the same students;
- the model watcher's look at the champion pointer (each worker, once a second).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from defasagem.data.ingest import ingest_files
from defasagem.data.synth import write_synthetic_workbook
from defasagem.features import next_year_outcomes
from defasagem.modeling import versions
from defasagem.modeling.bundle import load_bundle
from defasagem.modeling.comparison import paired_comparison
from defasagem.monitoring.performance_estimate import estimate_performance
from defasagem.predict import score_year, up_to_year
from defasagem.store.database import make_engine
from defasagem.store.followups import FollowupStore
from defasagem.store.migrate import upgrade
from defasagem.store.year_lists import YearListStore
from defasagem.yearly_outcomes import Sources, keep_year_list, measure
from store import percentiles, timings


def main() -> None:
    """Print the percentiles of each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    bundle = load_bundle(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "pede.xlsx"
            write_synthetic_workbook(data, seed=42)
        table = ingest_files([data]).table
        latest = int(table["ano"].max())
        previous = up_to_year(table, latest - 1, data.name)
        scored = score_year(bundle, previous)
        engine = make_engine(f"sqlite:///{Path(tmp) / 'banco.sqlite3'}")
        upgrade(engine)
        lists = YearListStore(engine)
        sources = Sources(lists, FollowupStore(engine))
        probability = scored.table["probabilidade"].to_numpy()
        outcome = next_year_outcomes(table, latest - 1)
        measured = scored.table[scored.table["ra"].isin(outcome.index)]
        labels = outcome.reindex(measured["ra"]).to_numpy()
        rival = np.clip(measured["probabilidade"].to_numpy() * 0.9 + 0.05, 0, 1)

        steps = {
            f"pontuar {scored.year} ({len(scored.table)} alunos)": lambda: score_year(
                bundle, previous
            ),
            "estimativa ao pontuar (CBPE, 1.000 sorteios)": lambda: estimate_performance(
                probability, share=scored.share
            ),
            "guardar a lista do ano (estimativa + banco)": lambda: keep_year_list(
                lists, scored, model_version=bundle.version, filename=data.name, who="bench"
            ),
            f"medir o desfecho de {scored.year} ({len(measured)} alunos)": lambda: measure(
                table, scored.year, sources, share=scored.share, who="bench", filename="b"
            ),
            "comparar desafiante e campeã (1.000 reamostras)": lambda: paired_comparison(
                labels, measured["probabilidade"], rival, share=scored.share, seed=1
            ),
        }
        for name, action in steps.items():
            print(f"{name:52s} {percentiles(timings(action, args.n))}")
        pointer = timings(lambda: versions.champion(args.model), 2000)
        print(f"{'olhar o ponteiro da versão atual (por segundo)':52s} {percentiles(pointer)}")
        engine.dispose()


if __name__ == "__main__":
    main()
