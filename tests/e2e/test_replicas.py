"""The database shared by real servers (``defasagem serve``, gunicorn, 2 workers each):

- two servers on one PostgreSQL see the same lists and the same follow-up records;
- 2 workers × 8 clients write follow-ups while a worker is SIGKILLed: every acknowledged write
  is stored exactly once, with its audit event, and nothing half-written remains (on SQLite,
  where the two workers share one file; PostgreSQL's transactions are exercised by the store's
  tests and by the two servers)."""

from __future__ import annotations

import io
import os
import re
import signal
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from http.client import HTTPException
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from defasagem.store.database import make_engine
from defasagem.store.tables import followup_events, followups
from servers import FOLLOWUP_FORM as FORM
from servers import Running, http, running_server


@pytest.fixture
def two_servers(
    synthetic_bundle: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Running, Running]]:
    from databases import fresh_postgres_database  # noqa: PLC0415

    with ExitStack() as stack:
        url = stack.enter_context(fresh_postgres_database(request))
        first = stack.enter_context(running_server(synthetic_bundle, tmp_path / "a", database=url))
        second = stack.enter_context(running_server(synthetic_bundle, tmp_path / "b", database=url))
        yield first, second


def test_two_servers_on_one_postgresql_share_lists_and_follow_ups(
    two_servers: tuple[Running, Running], synthetic_workbook: Path
) -> None:
    a, b = two_servers
    status, headers, _ = http(
        f"{a.url}/pontuar", token=a.token, upload=("pede.xlsx", synthetic_workbook.read_bytes())
    )
    assert status == 303
    where = headers["Location"]
    # Scored on A, opened, filtered and downloaded on B.
    status, _, body = http(f"{b.url}{where}?n=&fase=3", token=b.token)
    assert status == 200
    ras = re.findall(r"/aluno/([^\"]+)\"", body.decode())
    assert ras
    assert all("<td>3</td>" in row for row in body.decode().split("<tbody>")[1].split("</tr>")[:-1])
    status, _, workbook = http(f"{b.url}{where}/lista.xlsx", token=b.token)
    assert status == 200
    found = re.search(r"alunos de (\d{4})</h1>", body.decode())
    assert found is not None
    year = int(found.group(1))
    table = pd.read_excel(io.BytesIO(workbook), sheet_name=f"Risco {year}", dtype=str)
    assert set(ras) <= set(table["RA"])
    # A follow-up written on B is seen on A (in the list, its filter and the student page).
    form = {"ra": ras[0], "ano": str(year), **FORM}
    assert http(f"{b.url}/acompanhamentos/novo", token=b.token, form=form)[0] == 303
    status, _, body = http(f"{a.url}{where}?n=&acomp=sim", token=a.token)
    assert status == 200
    assert re.findall(r"/aluno/([^\"]+)\"", body.decode()) == [ras[0]]
    student = http(f"{a.url}{where}/aluno/{ras[0]}", token=a.token)[2].decode()
    assert "mentoria — planejado" in student
    assert "por testes" in student  # the token's name, in the audit trail


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text(encoding="ascii")
    return [int(pid) for pid in children.split()]


def test_a_worker_killed_mid_write_loses_no_acknowledged_follow_up(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'banco.sqlite3'}"
    requests = 320
    with running_server(synthetic_bundle, tmp_path / "servidor", database=url) as server:

        def write(i: int) -> tuple[str, int]:
            ra = f"RA-K{i}"
            form = {"ra": ra, "ano": "2024", **FORM, "nota": f"escrita {i}"}
            try:
                status = http(
                    f"{server.url}/acompanhamentos/novo", token=server.token, form=form, timeout=20
                )[0]
            except (OSError, HTTPException):  # the killed worker's connection
                status = 0
            return ra, status

        acknowledged: list[str] = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(write, i) for i in range(requests)]
            for done, future in enumerate(as_completed(futures)):
                if done == requests // 3:
                    os.kill(workers_of(server.pid)[0], signal.SIGKILL)
                ra, status = future.result()
                if status == 303:
                    acknowledged.append(ra)
        assert len(acknowledged) >= requests * 0.9
        assert http(f"{server.url}/ready", token=server.token)[0] == 200  # a new worker took over
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(followups.c.ra, func.count()).group_by(followups.c.ra)
            ).all()
            created = connection.execute(
                select(followup_events.c.followup_id, func.count())
                .where(followup_events.c.action == "criado")
                .group_by(followup_events.c.followup_id)
            ).all()
            records = connection.execute(select(func.count()).select_from(followups)).scalar()
    finally:
        engine.dispose()
    counts: dict[str, int] = dict(stored)
    assert all(counts.get(ra) == 1 for ra in acknowledged)  # each acknowledged write, once
    # Nothing half-written: every record has exactly one creation event, and no event is lost.
    assert len(created) == records
    assert all(count == 1 for _, count in created)
