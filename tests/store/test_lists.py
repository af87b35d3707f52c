"""Scored lists in the database (SQLite and PostgreSQL): any process opens them by token, for
two hours, then they are pruned; a damaged row is as good as expired."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.predict import score_year
from defasagem.store.lists import ListStore, StoredResult
from defasagem.store.migrate import upgrade
from defasagem.store.tables import scored_lists


@pytest.fixture
def result(synthetic_bundle: Path, synthetic_result: IngestResult) -> StoredResult:
    bundle = load_bundle(synthetic_bundle)
    return StoredResult(
        score_year(bundle, synthetic_result.table), bundle.version, "a.xlsx", time.time()
    )


def rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(scored_lists)).scalar_one())


def test_a_list_saved_by_one_process_opens_in_another(
    database_engine: Engine, result: StoredResult
) -> None:
    upgrade(database_engine)
    token = ListStore(database_engine).save(result)
    other = ListStore(database_engine).load(token)  # a fresh store: it reads the row
    assert other is not None
    assert other.filename == "a.xlsx"
    assert other.model_version == result.model_version
    assert other.scored.table.equals(result.scored.table)
    assert abs(other.created - result.created) < 1e-3
    assert ListStore(database_engine).load("A" * 22) is None
    assert ListStore(database_engine).load("../../etc/passwd") is None


def test_an_old_list_expires_and_is_pruned(database_engine: Engine, result: StoredResult) -> None:
    upgrade(database_engine)
    lists = ListStore(database_engine)
    token = lists.save(result)
    assert lists.load(token, now=result.created + lists.ttl + 1) is None  # from memory
    with database_engine.begin() as connection:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=lists.ttl + 60)
        connection.execute(update(scored_lists).values(created_at=old))
    assert ListStore(database_engine).load(token) is None  # from the row
    # The next save deletes the expired list before keeping the new one.
    fresh = lists.save(result)
    assert rows(database_engine) == 1
    assert lists.load(fresh) is not None
    assert lists.prune() == 0


def test_a_damaged_row_is_as_good_as_expired(database_engine: Engine, result: StoredResult) -> None:
    upgrade(database_engine)
    token = ListStore(database_engine).save(result)
    with database_engine.begin() as connection:
        connection.execute(update(scored_lists).values(payload=b"lixo"))
    assert ListStore(database_engine).load(token) is None
