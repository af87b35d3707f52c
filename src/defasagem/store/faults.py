"""Database failures in Portuguese: what the person reading the page or the log can act on.

Every store call goes through :func:`translated`, so the web layer only ever sees a
:class:`StoreUnavailableError` (a 503 page, never a trace) or a plain result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError, SQLAlchemyError

from defasagem.errors import DefasagemError

# Phrases of SQLite and PostgreSQL (and of the OS under them) that mean "no room to write".
_FULL = ("disk is full", "no space left", "disk full", "could not extend file", "diskfull")
# SQLite's message, and psycopg's class for a missing table ("relation ... does not exist"; a
# missing *database* is a connection failure, not this).
_MISSING_TABLE = ("no such table", "undefinedtable")


class StoreUnavailableError(DefasagemError):
    """The database cannot serve right now (unreachable, full, not migrated)."""


def reason(exc: BaseException) -> str:
    """The driver's first line, without SQLAlchemy's background link."""
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def describe(exc: SQLAlchemyError) -> str:
    """What went wrong, in words a coordinator or an operator can act on."""
    text = reason(exc)
    lowered = f"{text} {type(getattr(exc, 'orig', exc)).__name__}".lower()
    if any(phrase in lowered for phrase in _FULL):
        return (
            "o disco do banco de dados está cheio; nada foi gravado. Avise quem administra o "
            f"servidor ({text})."
        )
    if isinstance(exc, ProgrammingError | OperationalError) and any(
        phrase in lowered for phrase in _MISSING_TABLE
    ):
        return (
            "o banco de dados não está no esquema desta versão; rode 'defasagem db upgrade' "
            f"({text})."
        )
    if isinstance(exc, OperationalError | DBAPIError) and exc.connection_invalidated:
        return f"a conexão com o banco de dados caiu; tente de novo ({text})."
    if "file is not a database" in lowered:
        return f"o arquivo do banco de dados não é um banco SQLite (corrompido?): {text}"
    return f"banco de dados inacessível: {text}"


@contextmanager
def translated() -> Iterator[None]:
    """Turn a database failure into :class:`StoreUnavailableError` (the message in Portuguese)."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        raise StoreUnavailableError(describe(exc)) from None
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailableError(describe(exc)) from None
        raise
