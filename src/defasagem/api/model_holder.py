"""The model a worker serves, following the champion of a models folder without a restart.

A promotion moves the folder's pointer; every worker notices within ``interval`` seconds and
loads the new version in a background thread, while requests go on with the version they
started with (a request holds its own reference to a bundle, so a switch never cuts one).
A version that fails to load is not served: the worker keeps the one it had and says why.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from defasagem.errors import DefasagemError
from defasagem.modeling import versions
from defasagem.modeling.bundle import Bundle, load_bundle

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0
RETRY_SECONDS = 30.0


class ModelHolder:
    """The served bundle (or why there is none) and, for a models folder, its watcher."""

    def __init__(
        self,
        folder: Path,
        *,
        interval: float = INTERVAL_SECONDS,
        on_switch: Callable[[Bundle | None, Bundle], None] | None = None,
        failed: str | None = None,
    ) -> None:
        """Load the bundle (or the champion of a models folder) and, for a models folder,
        start watching its pointer; ``failed`` gives the reason not to load anything."""
        self.folder = folder
        self.interval = interval
        self.bundle: Bundle | None = None
        self.problem: str | None = "modelo ainda não carregado"
        # Why the newest champion could not be loaded (the previous one is still served).
        self.switch_problem: str | None = None
        self._seen: str | None = None
        self._failed_name: str | None = None
        self._failed_at = float("-inf")
        self._on_switch = on_switch
        if failed is not None:
            self.problem = failed
            return
        self.refresh()
        if versions.is_registry(folder):
            threading.Thread(target=self._watch, name="defasagem-modelo", daemon=True).start()

    def refresh(self) -> bool:
        """Load the champion if it changed since the last look; whether the bundle changed.

        A version that failed to load is tried again every ``RETRY_SECONDS`` (a copy still
        being written, a library installed late), never given up silently.
        """
        try:
            name = versions.champion(self.folder)
        except DefasagemError as exc:
            self._failed(str(exc))
            return False
        if self.bundle is not None and name == self._seen:
            return False
        if name == self._failed_name and time.monotonic() - self._failed_at < RETRY_SECONDS:
            return False
        try:
            bundle = load_bundle(self.folder if name is None else self.folder / name)
        except DefasagemError as exc:
            self._failed(str(exc), name)
            return False
        except Exception as exc:  # any other failure of the load: the same, with its kind
            self._failed(f"erro inesperado ao carregar a versão ({type(exc).__name__})", name)
            return False
        previous, self.bundle, self._seen = self.bundle, bundle, name
        self.problem = self.switch_problem = self._failed_name = None
        if self._on_switch is not None:
            self._on_switch(previous, bundle)
        if previous is not None:
            log.info("modelo trocado: %s → %s", previous.version, bundle.version)
            _refreeze()
        return True

    def _failed(self, problem: str, name: str | None = None) -> None:
        self._failed_name, self._failed_at = name, time.monotonic()
        if self.bundle is None:
            self.problem = problem
            return
        # Keep serving what works; /ready and the log say why the switch did not happen.
        if problem != self.switch_problem:
            log.error(
                "a nova versão não foi carregada (segue a %s): %s", self.bundle.version, problem
            )
        self.switch_problem = problem

    def _watch(self) -> None:
        """Look at the pointer every ``interval`` seconds, for the life of the process."""
        while True:
            time.sleep(self.interval)
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any surprise
                log.exception("falha ao verificar a versão atual do modelo")


def _refreeze() -> None:
    """After a switch, let the collector see the old bundle again. The server freezes what it
    loaded at start (``gc.freeze``), and a frozen object is never collected: without this every
    promotion would keep the previous model in memory for good."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()
        gc.freeze()
