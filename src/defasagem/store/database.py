"""Which database, and an engine tuned for it.

SQLite (the embedded default, so ``make demo`` needs nothing else) runs in WAL mode, so readers
never wait for the writer, with foreign keys on and a busy timeout instead of an immediate
"database is locked". PostgreSQL (several replicas) is reached with psycopg 3.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error

URL_VARIABLE = "DEFASAGEM_DATABASE_URL"
SQLITE_FILE = "defasagem.sqlite3"
# Milliseconds a SQLite writer waits for another before giving up.
BUSY_TIMEOUT_MS = 10_000
# Seconds to reach a PostgreSQL server before calling it unreachable.
CONNECT_TIMEOUT_S = 5


def database_url(data_dir: Path, explicit: str | None = None) -> str:
    """``explicit``, else ``DEFASAGEM_DATABASE_URL``, else a SQLite file in ``data_dir``."""
    url = explicit or os.environ.get(URL_VARIABLE, "").strip()
    if url:
        return url
    return f"sqlite:///{(data_dir / SQLITE_FILE).resolve()}"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a URL that is not SQLite or PostgreSQL is refused by name."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DefasagemError(
            f"{URL_VARIABLE}: endereço de banco inválido ({_hidden(url)}); use "
            "postgresql://usuario:senha@servidor/banco ou sqlite:///caminho/arquivo.sqlite3."
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DefasagemError(
                    f"{parsed.database}: não foi possível criar a pasta do banco "
                    f"({describe_os_error(exc)})."
                ) from None
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(
            parsed.set(drivername="postgresql+psycopg"),
            pool_pre_ping=True,
            pool_size=5,
            # psycopg waits 130 s for a host that drops packets: a worker would miss
            # gunicorn's timeout, and a page its reader's patience.
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        )
    raise DefasagemError(
        f"{URL_VARIABLE}: banco {backend!r} não suportado (use PostgreSQL ou SQLite)."
    )


@contextmanager
def opened(data_dir: Path, explicit: str | None = None) -> Iterator[Engine]:
    """An engine for :func:`database_url`, disposed (its connections closed) at the end."""
    engine = make_engine(database_url(data_dir, explicit))
    try:
        yield engine
    finally:
        engine.dispose()


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _hidden(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "…"


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment as an aware UTC datetime (SQLite gives them back naive, PostgreSQL aware)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
