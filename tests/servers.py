"""Starting the real server (`defasagem serve`: gunicorn, 2 workers) from a test."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from defasagem.access import AccessStore


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Running:
    """A started server: where it answers, its log folder, its master pid and its access."""

    url: str
    logs: Path
    pid: int
    token: str
    user: str
    password: str

    @property
    def bearer(self) -> dict[str, str]:
        """The header of an authorized API call."""
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def running_server(model: Path, folder: Path) -> Iterator[Running]:
    """The server (with access control, as in production) on a free port until the block ends.

    One API token and one web user are created first, with random secrets."""
    port = free_port()
    logs = folder / "logs"
    access = AccessStore(folder / "acesso")
    token = access.add_token("testes")
    user, password = "coordenadora", secrets.token_urlsafe(12)
    access.add_user(user, password)
    command = [
        sys.executable, "-m", "defasagem.cli", "serve", "--model", str(model),
        "--logs", str(logs), "--port", str(port), "--workers", "2",
        "--auth", str(folder / "acesso"),
    ]  # fmt: skip
    # The server's output goes to a file: an unread pipe fills up and blocks gunicorn.
    with (folder / "servidor.log").open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMP_NUM_THREADS": "1"},
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(f"{url}/ready", process)
            yield Running(url, logs, process.pid, token, user, password)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("o servidor não ficou pronto em 60 s")
