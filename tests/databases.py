"""Database fixtures: the store's tests run against SQLite in a temporary folder and a real
PostgreSQL server from the Debian package, created and started here (``initdb``, ``pg_ctl``) on
a Unix socket in a temporary folder, and stopped at the end. No mock database."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine

from defasagem.store.database import make_engine

POSTGRES_USER = "postgres"  # initdb refuses to run as root: the cluster belongs to this user


def postgres_binary(name: str) -> str:
    """``initdb``/``pg_ctl`` from PATH or from Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        pytest.fail(
            f"{name} não encontrado: instale o PostgreSQL (apt-get install postgresql); os "
            "testes do banco rodam contra ele de verdade."
        )
    return str(candidates[-1])


def _as_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", POSTGRES_USER, "--", *command]


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster listening only on a Unix socket: the URL of its
    ``postgres`` database (the benchmarks use it too)."""
    # Outside pytest's folder, which only root may enter: the cluster's owner must reach it.
    root = Path(tempfile.mkdtemp(prefix="defasagem-postgres-"))
    data, socket = root / "data", root / "socket"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, POSTGRES_USER)
        shutil.chown(socket, POSTGRES_USER)
        root.chmod(0o755)
    subprocess.run(
        _as_owner([postgres_binary("initdb"), "-D", str(data), "-A", "trust", "-U", "defasagem",
                   "-E", "UTF8", "--locale=C"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-k {socket} -c listen_addresses='' -c fsync=off -p 5432"
    pg_ctl = postgres_binary("pg_ctl")
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql://defasagem@/postgres?host={socket}&port=5432"
    finally:
        subprocess.run(
            _as_owner([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            check=False, capture_output=True,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The session's PostgreSQL cluster."""
    with temporary_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind (PostgreSQL: a fresh schema-less database per test)."""
    if request.param == "sqlite":
        created = make_engine(f"sqlite:///{tmp_path / 'banco.sqlite3'}")
        yield created
        created.dispose()
        return
    with fresh_postgres_database(request) as url:
        created = make_engine(url)
        try:
            yield created
        finally:
            created.dispose()


@contextmanager
def fresh_postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty database of the session's cluster, dropped at the end."""
    base = request.getfixturevalue("postgres_url")
    name = f"teste_{abs(hash(request.node.nodeid)) % 10**12}"
    admin = make_engine(base)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield base.replace("/postgres?", f"/{name}?")
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # FORCE: a connection the code under test left open must not fail the teardown.
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
