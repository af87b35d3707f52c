"""The prediction log: one JSON line per scored student, durable before the response is sent.

Each process appends to its own file (``predicoes-<pid>.jsonl``), so gunicorn workers never
interleave; a request's lines go out in one ``write`` and are ``fsync``-ed before the API answers.
A worker killed mid-write can leave a truncated last line, whose request never got its answer:
the export skips it. No names are ever logged; the RA only when the client sent it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error

PATTERN = "predicoes-*.jsonl"


class PredictionLog:
    """Appends records to this process's log file in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        # Reopened after a fork: each worker writes its own file.
        if self._fd is None or self._pid != os.getpid():
            self.folder.mkdir(parents=True, exist_ok=True)
            self._pid = os.getpid()
            path = self.folder / f"predicoes-{self._pid}.jsonl"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        return self._fd

    def append(self, records: Iterable[dict[str, Any]]) -> None:
        """Write every record as one line, in one write, and flush it to disk."""
        payload = b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in records)
        fd = self._descriptor()
        written = 0
        while written < len(payload):
            written += os.write(fd, payload[written:])
        os.fsync(fd)


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
