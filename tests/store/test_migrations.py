"""Migrations on both databases: an empty one reaches the newest schema, running them twice is
harmless, and a database made by the first migration upgrades with its data kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect, select

from defasagem.errors import DefasagemError
from defasagem.store.database import database_url, make_engine
from defasagem.store.migrate import current, head, upgrade
from defasagem.store.tables import followups


def test_an_empty_database_reaches_the_newest_schema(database_engine: Engine) -> None:
    engine = database_engine
    assert current(engine) is None
    assert upgrade(engine) == head()
    assert {"followups", "followup_events"} <= set(inspect(engine).get_table_names())
    # Again: nothing to do, nothing lost.
    assert upgrade(engine) == head()


def test_data_written_at_the_first_migration_is_kept(database_engine: Engine) -> None:
    engine = database_engine
    upgrade(engine, "0001")
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(followups).values(
                ra="RA-1", ano=2025, intervention="reforço escolar", responsible="Ana",
                start_date=dt.date(2026, 3, 2), status="planejado", note="", version=1,
                updated_by="ana", updated_at=now,
            )
        )  # fmt: skip
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(select(followups.c.ra, followups.c.intervention)).all()
    assert rows == [("RA-1", "reforço escolar")]


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(database_url(tmp_path))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "defasagem.sqlite3").exists()


def test_the_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFASAGEM_DATABASE_URL", "postgresql://u:segredo@db/defasagem")
    assert database_url(tmp_path) == "postgresql://u:segredo@db/defasagem"
    assert database_url(tmp_path, "sqlite:///x.sqlite3") == "sqlite:///x.sqlite3"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u:segredo@db/x", "banco 'mysql' não suportado"),
        ("não é um endereço", "endereço de banco inválido"),
    ],
)
def test_an_unsupported_url_is_named_without_its_password(url: str, message: str) -> None:
    with pytest.raises(DefasagemError, match=message) as error:
        make_engine(url)
    assert "segredo" not in str(error.value)


def test_an_unreachable_postgresql_is_a_clear_error(tmp_path: Path) -> None:
    engine = make_engine(f"postgresql://u@/x?host={tmp_path}&port=1")
    with pytest.raises(DefasagemError, match="banco de dados inacessível"):
        upgrade(engine)
    with pytest.raises(DefasagemError, match="banco de dados inacessível"):
        current(engine)
