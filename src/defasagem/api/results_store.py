"""Scored uploads kept for a short while, so any gunicorn worker can show, filter and export them.

A result lists children by risk: it lives only under an unguessable token, in a folder of the
server, and is deleted after :data:`TTL_SECONDS` (checked at every new upload). The uploaded
spreadsheet itself is never kept; only the scored list is.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import joblib

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error
from defasagem.predict import ScoredYear

TTL_SECONDS = 2 * 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SUFFIX = ".joblib"


@dataclass(frozen=True)
class StoredResult:
    """What a result page needs: the ranked year, the model that made it, the file's name."""

    scored: ScoredYear
    model_version: str
    filename: str
    created: float


class ResultsStore:
    """Results on disk, by token."""

    def __init__(self, folder: Path, ttl: float = TTL_SECONDS) -> None:
        self.folder = folder
        self.ttl = ttl

    def save(self, result: StoredResult) -> str:
        """Keep ``result``; return its token. Expired results are deleted first."""
        token = secrets.token_urlsafe(16)
        path = self.folder / f"{token}{_SUFFIX}"
        tmp = path.with_suffix(".tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.prune()
            joblib.dump(result, tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise DefasagemError(
                f"não foi possível guardar a lista pontuada ({describe_os_error(exc)})."
            ) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        return token

    def load(self, token: str) -> StoredResult | None:
        """The result of ``token``, or None when it is unknown or expired."""
        self.prune()
        if not _TOKEN.match(token):
            return None
        path = self.folder / f"{token}{_SUFFIX}"
        if not path.is_file():
            return None
        try:
            result = joblib.load(path)
        except Exception:  # a corrupt file, or one from an older version of the classes
            path.unlink(missing_ok=True)
            return None
        return result if isinstance(result, StoredResult) else None

    def prune(self) -> int:
        """Delete expired results; return how many."""
        removed = 0
        now = time.time()
        for path in [*self.folder.glob(f"*{_SUFFIX}"), *self.folder.glob("*.tmp")]:
            try:
                if now - path.stat().st_mtime > self.ttl:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed
