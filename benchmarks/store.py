"""What the database costs: the scored-list page and a follow-up write, on SQLite and on
PostgreSQL, as percentiles (Flask's test client, in this process: only server-side work).

    .venv/bin/python benchmarks/store.py --model out/demo/modelo [--data PLANILHA.xlsx]

For each database it measures, over the same scored list (the synthetic workbook by default):

- the list page (all students, with ``n=`` so none is hidden) as a worker serves it: the list in
  the worker's memory, one query for the year's follow-ups;
- the same page in a worker that has not seen the list yet (another replica): the list is read
  from the database and unpickled first;
- the two database calls alone (list read, follow-ups of the year);
- a follow-up write through the page's form (one transaction: the record and its event);
- ``/predict``, which never touches the database: the same with the database down.

PostgreSQL is a throwaway local cluster (``initdb``/``pg_ctl`` on a Unix socket, as the tests
start it) with ``fsync=off``, so its numbers are the protocol's cost, not a disk's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.data.ingest import ingest_files
from defasagem.data.synth import write_synthetic_workbook
from defasagem.modeling.bundle import load_bundle
from defasagem.predict import score_year
from defasagem.store.lists import StoredResult
from defasagem.store.service import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from databases import temporary_postgres  # the tests' cluster helper
from servers import FOLLOWUP_FORM as FORM

STUDENT = {"ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "ieg": 5.1, "ida": 4.2}


def timings(action: Callable[[], object], n: int) -> list[float]:
    """Milliseconds of each of ``n`` calls (after two warm-up calls)."""
    for _ in range(2):
        action()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        out.append((time.perf_counter() - started) * 1000)
    return out


def percentiles(values: list[float]) -> str:
    """p50 / p95 / p99 in milliseconds."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.2f}  p95 {cuts[94]:7.2f}  p99 {cuts[98]:7.2f} ms"


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind``."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'banco.sqlite3'}"
        return
    with temporary_postgres() as url:
        yield url


def measure(kind: str, model: Path, data: Path, n: int, followed: int) -> dict[str, list[float]]:
    """Every timing of one database kind."""
    bundle = load_bundle(model)
    scored = score_year(bundle, ingest_files([data]).table)
    ras = [str(ra) for ra in scored.table["ra"]]
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, database(kind, Path(tmp)) as url:
        settings = ApiSettings(model, Path(tmp) / "logs", database=url)
        app = create_app(settings)
        store: Store = app.extensions["defasagem_store"]
        client = app.test_client()
        token = store.lists.save(StoredResult(scored, bundle.version, data.name, time.time()))
        page = f"/resultado/{token}?n="
        # A realistic year: a few hundred students followed.
        for ra in ras[:followed]:
            answer = client.post(
                "/acompanhamentos/novo", data={"ra": ra, "ano": str(scored.year), **FORM}
            )
            assert answer.status_code == 303, answer.get_data(as_text=True)
        results["página da lista (lista na memória do worker)"] = timings(
            lambda: client.get(page), n
        )

        def cold_page() -> None:
            store.lists._recent.clear()  # as in a worker that never saw this list
            client.get(page)

        results["página da lista (lista lida do banco)"] = timings(cold_page, n)

        def cold_load() -> None:
            store.lists._recent.clear()
            store.lists.load(token)

        results["só o banco: ler a lista"] = timings(cold_load, n)
        results["só o banco: acompanhamentos do ano"] = timings(
            lambda: store.followups.of_year(scored.year), n
        )
        writes = iter(range(10**9))
        results["gravar um acompanhamento (formulário)"] = timings(
            lambda: client.post(
                "/acompanhamentos/novo",
                data={"ra": f"RA-B{next(writes)}", "ano": str(scored.year), **FORM},
            ),
            n,
        )
        body = json.dumps(STUDENT)
        results["/predict"] = timings(
            lambda: client.post("/predict", data=body, content_type="application/json"), n
        )
        store.dispose()
    return results


def predict_without_database(model: Path, n: int) -> list[float]:
    """``/predict`` with an unreachable database (it must not notice)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"postgresql://ninguem@/x?host={tmp}&port=1"
        client = create_app(ApiSettings(model, Path(tmp) / "logs", database=url)).test_client()
        body = json.dumps(STUDENT)
        return timings(
            lambda: client.post("/predict", data=body, content_type="application/json"), n
        )


def main() -> None:
    """Print the percentiles of each measure, per database."""
    parser = argparse.ArgumentParser(description="Custo do banco de dados nas páginas.")
    parser.add_argument("--model", type=Path, required=True, help="pasta do pacote do modelo")
    parser.add_argument("--data", type=Path, default=None, help="planilha PEDE a pontuar")
    parser.add_argument("--n", type=int, default=200, help="pedidos por medida")
    parser.add_argument("--followed", type=int, default=200, help="alunos com acompanhamento")
    parser.add_argument(
        "--kinds", default="sqlite,postgresql", help="bancos, separados por vírgula"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            data = Path(tmp) / "pede_sintetico.xlsx"
            write_synthetic_workbook(data, seed=42)
        for kind in args.kinds.split(","):
            print(f"\n{kind} ({args.n} pedidos por medida, {args.followed} acompanhados)")
            for label, values in measure(kind, args.model, data, args.n, args.followed).items():
                print(f"  {label:48s} {percentiles(values)}")
    print("\n/predict com o banco fora do ar")
    print(f"  {'/predict':48s} {percentiles(predict_without_database(args.model, args.n))}")


if __name__ == "__main__":
    main()
