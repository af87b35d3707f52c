"""Scored lists in the database, by unguessable token, for two hours.

Any replica (and any worker) that receives the token shows, filters and exports the list.
Lists are immutable once saved, so each process keeps the few it opened last in memory and
reads the database again only for a list it has not seen.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
import secrets
import zlib
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from defasagem.predict import ScoredYear
from defasagem.store.database import as_utc
from defasagem.store.faults import translated
from defasagem.store.tables import scored_lists

TTL_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
_CACHED = 8


@dataclass(frozen=True)
class StoredResult:
    """What a result page needs: the ranked year, the model that made it, the file's name."""

    scored: ScoredYear
    model_version: str
    filename: str
    created: float


class ListStore:
    """Scored lists in the ``scored_lists`` table."""

    def __init__(self, engine: Engine, ttl: float = TTL_SECONDS) -> None:
        self.engine = engine
        self.ttl = ttl
        self._recent: OrderedDict[str, StoredResult] = OrderedDict()

    def save(self, result: StoredResult) -> str:
        """Keep ``result``; return its token. Expired lists are deleted first (one transaction)."""
        token = secrets.token_urlsafe(16)
        payload = zlib.compress(pickle.dumps(result.scored, protocol=5), 1)
        with translated(), self.engine.begin() as connection:
            connection.execute(delete(scored_lists).where(scored_lists.c.created_at < self._cut()))
            connection.execute(
                insert(scored_lists).values(
                    token=token,
                    created_at=dt.datetime.fromtimestamp(result.created, dt.UTC),
                    year=result.scored.year,
                    model_version=result.model_version[:80],
                    filename=result.filename[:255],
                    students=len(result.scored.table),
                    payload=payload,
                )
            )
        self._remember(token, result)
        return token

    def load(self, token: str, now: float | None = None) -> StoredResult | None:
        """The list of ``token``, or None when it is unknown or expired."""
        if not _TOKEN.match(token):
            return None
        moment = dt.datetime.now(dt.UTC).timestamp() if now is None else now
        kept = self._recent.get(token)
        if kept is not None:
            if moment - kept.created <= self.ttl:
                self._recent.move_to_end(token)
                return kept
            del self._recent[token]
            return None
        with translated(), self.engine.connect() as connection:
            row = connection.execute(
                select(scored_lists).where(scored_lists.c.token == token)
            ).first()
        if row is None:
            return None
        created = as_utc(row.created_at).timestamp()
        if moment - created > self.ttl:
            return None
        try:
            scored = pickle.loads(zlib.decompress(row.payload))  # our own rows only
        except Exception:  # a row from an older version of the classes: as good as expired
            return None
        if not isinstance(scored, ScoredYear):
            return None
        result = StoredResult(scored, row.model_version, row.filename, created)
        self._remember(token, result)
        return result

    def prune(self) -> int:
        """Delete expired lists; return how many."""
        with translated(), self.engine.begin() as connection:
            gone = connection.execute(
                delete(scored_lists).where(scored_lists.c.created_at < self._cut())
            )
        return int(gone.rowcount or 0)

    def _cut(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.ttl)

    def _remember(self, token: str, result: StoredResult) -> None:
        self._recent[token] = result
        self._recent.move_to_end(token)
        while len(self._recent) > _CACHED:
            self._recent.popitem(last=False)
