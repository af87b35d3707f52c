"""gunicorn over the Flask app factory: each worker builds its own app (and loads the bundle)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from defasagem.api.settings import ApiSettings


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn configured from arguments instead of a config file or the command line."""

    def __init__(self, settings: ApiSettings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options (bind, workers, timeout...)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The WSGI app of one worker, imported after the fork (and after the metrics folder
        is set)."""
        from defasagem.api.app import create_app  # noqa: PLC0415

        keep_freed_memory()
        app = create_app(self.settings)
        # The model, pandas and Evidently are loaded for good: out of the garbage collector's
        # sight, a 1,000-student batch no longer pays full collections over them (~15 % faster).
        gc.collect()
        gc.freeze()
        return app


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 64 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Let glibc reuse freed memory for large arrays instead of mapping fresh pages each time.

    By default an array over 128 KB is a new ``mmap``, and touching it costs a page fault per
    4 KB: a 1,000-student batch allocates ~20 MB of short-lived arrays and spent a third of its
    model time faulting pages in. Returns whether the C library accepted it (glibc only; on
    other systems nothing changes).
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    # A freed block stays in the heap (up to twice the threshold) for the next request.
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(
        mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD)
    )


def _child_exit(_server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess  # noqa: PLC0415

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def serve(settings: ApiSettings, *, host: str, port: int, workers: int) -> None:
    """Run gunicorn until interrupted.

    Prometheus' multiprocess folder is set (fresh) before any worker imports the metrics.
    """
    folder = Path(tempfile.mkdtemp(prefix="defasagem-metricas-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    Server(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "timeout": 60,
            "graceful_timeout": 10,
            # Workers load the bundle after the fork: a broken bundle keeps /ready at 503.
            "preload_app": False,
            "accesslog": "-",
            "errorlog": "-",
            "child_exit": _child_exit,
            # gunicorn's control socket is one path per user: two servers (tests, blue/green
            # deploys) would take it from each other, and stopping one deletes the other's.
            "control_socket_disable": True,
        },
    ).run()
