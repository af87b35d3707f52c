"""Starting the real server (`defasagem serve`: gunicorn, 2 workers) from a test."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPException, IncompleteRead
from pathlib import Path
from typing import Any

import pytest

from defasagem.access import AccessStore

# A follow-up form as the student page sends it (with ``ra`` and ``ano`` added).
FOLLOWUP_FORM = {
    "intervencao": "mentoria",
    "responsavel": "Ana",
    "inicio": "2025-03-10",
    "situacao": "planejado",
    "nota": "",
}


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
    # A second web user with the "leitura" role (reads, never writes).
    reader: str = "leitora"
    reader_password: str = ""

    @property
    def bearer(self) -> dict[str, str]:
        """The header of an authorized API call."""
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def running_server(
    model: Path, folder: Path, *, database: str | None = None, workers: int = 2
) -> Iterator[Running]:
    """The server (with access control, as in production) on a free port until the block ends.

    One API token, one coordinator and one reader are created first, with random secrets; the
    database is ``database`` (a URL), else the SQLite file in the logs folder."""
    port = free_port()
    logs = folder / "logs"
    access = AccessStore(folder / "acesso")
    token = access.add_token("testes")
    user, password = "coordenadora", secrets.token_urlsafe(12)
    access.add_user(user, password)
    reader, reader_password = "leitora", secrets.token_urlsafe(12)
    access.add_user(reader, reader_password, role="leitura")
    command = [
        sys.executable, "-m", "defasagem.cli", "serve", "--model", str(model),
        "--logs", str(logs), "--port", str(port), "--workers", str(workers),
        "--auth", str(folder / "acesso"),
        *(["--database", database] if database else []),
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
            yield Running(url, logs, process.pid, token, user, password, reader, reader_password)
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None  # a 303 is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirect())


def http(
    url: str,
    *,
    token: str,
    form: dict[str, str] | None = None,
    upload: tuple[str, bytes] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """One request with a bearer token: GET, or POST of a form (and a file as ``arquivo``).

    Returns the status, the headers and the body; redirects are not followed."""
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if upload is not None:
        boundary = secrets.token_hex(12)
        field = '--{}\r\nContent-Disposition: form-data; name="{}"\r\n\r\n{}\r\n'
        parts = [field.format(boundary, k, v).encode() for k, v in (form or {}).items()]
        name, content = upload
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="arquivo"; filename="{name}"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
        data = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return answer.status, dict(answer.headers), _body(answer)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), _body(error)


def _body(answer: Any) -> bytes:
    """The body, or what arrived of it: a server killed after sending the status line has
    still answered (our writes commit before the answer is built)."""
    try:
        return bytes(answer.read())
    except IncompleteRead as cut:
        return bytes(cut.partial)
    except (HTTPException, OSError):
        return b""


@contextmanager
def clients_asking(
    server: Running, student: dict[str, Any], clients: int = 4
) -> Iterator[list[tuple[float, int, str]]]:
    """``clients`` threads posting ``student`` to ``/predict`` until the block ends; the list
    fills with (monotonic time, status, model version or error name) of every answer. A refused
    or cut connection is status 0: a failed request."""
    answers: list[tuple[float, int, str]] = []
    stop = threading.Event()
    body = json.dumps(student).encode()

    def ask() -> None:
        while not stop.is_set():
            request = urllib.request.Request(
                f"{server.url}/predict",
                data=body,
                headers={"Content-Type": "application/json", **server.bearer},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    version = json.loads(answer.read())["versao_modelo"]
                    answers.append((time.monotonic(), answer.status, version))
            except (OSError, HTTPException) as exc:
                answers.append((time.monotonic(), 0, type(exc).__name__))

    threads = [threading.Thread(target=ask) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        yield answers
    finally:
        stop.set()
        for thread in threads:
            thread.join()
