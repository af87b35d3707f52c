"""The one object the web layer holds: the database, its lists and its follow-up records.

A server must start even when its database is down (the model still answers ``/predict``), so
the schema is prepared lazily: at start-up, again at most every few seconds while it fails, and
``/ready`` reports the reason in the meantime.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from defasagem.errors import DefasagemError
from defasagem.store.database import make_engine
from defasagem.store.faults import StoreUnavailableError, describe, translated
from defasagem.store.followups import FollowupStore
from defasagem.store.lists import TTL_SECONDS, ListStore
from defasagem.store.migrate import prepare
from defasagem.store.promotions import PromotionStore
from defasagem.store.year_lists import YearListStore

RETRY_SECONDS = 5.0
# Below this much free space beside a SQLite file, /ready reports the disk as full: a list of
# a few thousand students takes about a megabyte, and SQLite needs room for its journal.
MIN_FREE_BYTES = 32 * 1024 * 1024


class Store:
    """Lists and follow-ups over one engine, migrated to the newest schema on first use."""

    def __init__(self, url: str, ttl: float = TTL_SECONDS) -> None:
        self.url = url
        self.ttl = ttl
        self._engine: Engine | None = None
        self._lists: ListStore | None = None
        self._followups: FollowupStore | None = None
        self._promotions: PromotionStore | None = None
        self._year_lists: YearListStore | None = None
        self._problem: str | None = "banco de dados ainda não preparado"
        self._tried = float("-inf")
        self._lock = threading.Lock()

    def start(self) -> str | None:
        """Prepare the database now; the problem, in Portuguese, or None when it is ready."""
        with self._lock:
            self._prepare()
        return self._problem

    @property
    def lists(self) -> ListStore:
        """The scored lists (:class:`StoreUnavailableError` while the database is down)."""
        self._ready()
        assert self._lists is not None
        return self._lists

    @property
    def followups(self) -> FollowupStore:
        """The follow-up records (:class:`StoreUnavailableError` while the database is down)."""
        self._ready()
        assert self._followups is not None
        return self._followups

    @property
    def promotions(self) -> PromotionStore:
        """The changes of champion model (:class:`StoreUnavailableError` while down)."""
        self._ready()
        assert self._promotions is not None
        return self._promotions

    @property
    def year_lists(self) -> YearListStore:
        """The lists of each year and their outcomes (:class:`StoreUnavailableError` while
        down)."""
        self._ready()
        assert self._year_lists is not None
        return self._year_lists

    def problem(self) -> str | None:
        """Why the database cannot serve now (one trivial query), or None."""
        try:
            self._ready()
            assert self._engine is not None
            with translated(), self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DefasagemError as exc:
            return str(exc)
        return self._disk_problem()

    def _disk_problem(self) -> str | None:
        """A SQLite file's disk nearly full (PostgreSQL reports its own at the next write)."""
        assert self._engine is not None
        database = self._engine.url.database
        if self._engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        try:
            free = shutil.disk_usage(Path(database).parent).free
        except OSError:
            return None
        if free >= MIN_FREE_BYTES:
            return None
        return (
            f"o disco do banco de dados está cheio (restam {free // (1024 * 1024)} MB em "
            f"{Path(database).parent}); libere espaço para gravar listas e acompanhamentos."
        )

    def dispose(self) -> None:
        """Close the pooled connections (before a fork, at the end of a test)."""
        if self._engine is not None:
            self._engine.dispose()

    def _ready(self) -> None:
        if self._problem is None:
            return
        with self._lock:
            if self._problem is not None and time.monotonic() - self._tried >= RETRY_SECONDS:
                self._prepare()
        if self._problem is not None:
            raise StoreUnavailableError(self._problem)

    def _prepare(self) -> None:
        self._tried = time.monotonic()
        try:
            if self._engine is None:
                self._engine = make_engine(self.url)
            prepare(self._engine)
        except DefasagemError as exc:
            self._problem = str(exc)
            return
        except SQLAlchemyError as exc:  # anything else the driver says: never a dead worker
            self._problem = describe(exc)
            return
        self._lists = ListStore(self._engine, self.ttl)
        self._followups = FollowupStore(self._engine)
        self._promotions = PromotionStore(self._engine)
        self._year_lists = YearListStore(self._engine)
        self._problem = None
