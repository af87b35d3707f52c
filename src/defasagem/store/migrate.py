"""Schema migrations with Alembic, run from code (``defasagem db upgrade``, ``serve``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from defasagem.errors import DefasagemError

SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    return config


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
    except OperationalError as exc:
        raise DefasagemError(f"banco de dados inacessível: {_reason(exc)}") from None


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database to ``revision`` in one transaction; returns where it ended."""
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    except OperationalError as exc:
        raise DefasagemError(f"banco de dados inacessível: {_reason(exc)}") from None
    except SQLAlchemyError as exc:
        raise DefasagemError(f"a migração do banco falhou: {_reason(exc)}") from None
    reached = current(engine)
    assert reached is not None
    return reached


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first line, without SQLAlchemy's background link."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
