"""Starting the real server (`defasagem serve`: gunicorn, 2 workers) from a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(model: Path, folder: Path) -> Iterator[tuple[str, Path, int]]:
    """The server on a free port until the block ends: its URL, log folder and master pid."""
    port = free_port()
    logs = folder / "logs"
    command = [
        sys.executable, "-m", "defasagem.cli", "serve", "--model", str(model),
        "--logs", str(logs), "--port", str(port), "--workers", "2",
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
            yield url, logs, process.pid
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
