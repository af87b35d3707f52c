"""Schema migrations with Alembic, run from code (``defasagem db upgrade``, ``serve``)."""

from __future__ import annotations

import fcntl
import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error
from defasagem.store.faults import StoreUnavailableError, describe, reason

SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


@functools.cache
def head() -> str:
    """The newest migration."""
    found = ScriptDirectory.from_config(_config()).get_current_head()
    assert found is not None
    return found


def current(engine: Engine) -> str | None:
    """The migration the database is at (None: never migrated)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:  # down, a file that is not a database, no permission...
        raise StoreUnavailableError(describe(exc)) from None


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database to ``revision`` in one transaction; returns where it ended."""
    config = _config()
    try:
        with _one_migrator(engine), engine.begin() as connection:
            _lock_postgresql(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        raise StoreUnavailableError(describe(exc)) from None
    except SQLAlchemyError as exc:
        raise DefasagemError(f"a migração do banco falhou: {reason(exc)}") from None
    reached = current(engine)
    assert reached is not None
    return reached


def prepare(engine: Engine) -> str:
    """The database at the newest schema: migrated only when behind (one cheap read when not),
    so every server worker may call it at start-up."""
    found = current(engine)
    return found if found == head() else upgrade(engine)


# Any fixed number: every replica takes the same PostgreSQL advisory lock before migrating.
_MIGRATION_LOCK = 16_032_026


def _lock_postgresql(connection: Connection) -> None:
    """Two replicas starting together migrate one after the other (PostgreSQL); the second
    then finds nothing to do. The lock ends with the transaction."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


@contextmanager
def _one_migrator(engine: Engine) -> Iterator[None]:
    """For SQLite, a lock file beside the database plays the advisory lock's part (two
    workers of one server start at the same moment)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    try:
        descriptor = os.open(f"{database}.migracao.trava", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StoreUnavailableError(
            f"não foi possível preparar o banco em {database} ({describe_os_error(exc)})."
        ) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def require_head(engine: Engine, logs_dir: Path) -> None:
    """Refuse (in Portuguese, with the command that fixes it) a database not at the newest
    schema: a command that reads or writes records never migrates behind the server's back."""
    if current(engine) != head():
        raise DefasagemError(
            "o banco não está no esquema desta versão (ou ainda não existe); rode "
            f"'defasagem db upgrade --logs {logs_dir}' antes."
        )
