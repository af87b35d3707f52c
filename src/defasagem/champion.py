"""Promote a model version to champion, or roll back to the previous one, on record.

Used by ``defasagem models`` and by the admin page: the version must load (a verified bundle),
the reason is required, and the change is recorded in the database in the same step that moves
the models folder's pointer (:class:`~defasagem.store.promotions.PromotionStore`).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error
from defasagem.modeling import versions
from defasagem.modeling.bundle import load_bundle
from defasagem.store.promotions import (
    PROMOTION,
    ROLLBACK,
    Promotion,
    PromotionStore,
    check_reason,
    rollback_target,
)

# The lock file of the models folder (hidden: not a version, not foreign to check_models_folder).
LOCK = ".troca.trava"


def _champion_of(models: Path, expected: str | None = None) -> str:
    name = versions.champion(models) if models.is_dir() else None
    if name is None:
        raise DefasagemError(
            f"{models}: não é uma pasta de modelos (sem versão atual); treine uma com: "
            f"defasagem train --data ARQUIVO --out {models}"
        )
    if expected is not None and expected != name:
        raise DefasagemError(
            f"a versão atual mudou para {name} enquanto você decidia (a página mostrava "
            f"{expected or 'outra'}); confira a página de novo antes de trocar."
        )
    return name


def promote(
    models: Path,
    version: str,
    *,
    who: str,
    reason: str,
    promotions: PromotionStore,
    expected: str | None = None,
) -> Promotion:
    """Make ``version`` the champion; the record says who, when and why. ``expected`` is the
    champion the person saw (a page's form): a change by someone else meanwhile is refused."""
    check_reason(reason)
    with _one_change_at_a_time(models):
        current = _champion_of(models, expected)
        path = versions.version_path(models, version)
        if version == current:
            raise DefasagemError(f"{version} já é a versão atual; nada mudou.")
        load_bundle(path)  # a bundle that would not load is never promoted
        return _switch(models, PROMOTION, version, current, who, reason, promotions)


def rollback(
    models: Path,
    *,
    who: str,
    reason: str,
    promotions: PromotionStore,
    expected: str | None = None,
) -> Promotion:
    """Return to the champion before the last promotion not yet undone."""
    check_reason(reason)
    with _one_change_at_a_time(models):
        current = _champion_of(models, expected)
        target = rollback_target(promotions.history(), current)
        load_bundle(versions.version_path(models, target))
        return _switch(models, ROLLBACK, target, current, who, reason, promotions)


@contextmanager
def _one_change_at_a_time(models: Path) -> Iterator[None]:
    """An exclusive lock on the models folder: two people (or a page and a shell) promoting at
    once are served one after the other, each from the state the other left."""
    if not models.is_dir():
        yield
        return
    try:
        handle = (models / LOCK).open("a")
    except OSError as exc:
        raise DefasagemError(
            f"{models}: não foi possível travar a pasta de modelos ({describe_os_error(exc)})."
        ) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _switch(
    models: Path,
    action: str,
    version: str,
    current: str,
    who: str,
    reason: str,
    promotions: PromotionStore,
) -> Promotion:
    try:
        return promotions.record(
            action=action,
            version=version,
            previous=current,
            who=who,
            reason=reason,
            switch=lambda: versions.set_champion(models, version),
        )
    except BaseException as exc:
        # Whatever stopped the commit after the pointer moved (the database, an interrupt):
        # put it back, so what is served is always what the record says.
        if versions.champion(models) == version:
            versions.set_champion(models, current)
        if isinstance(exc, DefasagemError | KeyboardInterrupt | SystemExit):
            raise
        raise DefasagemError(
            f"a troca de versão não foi registrada ({type(exc).__name__}); nada mudou."
        ) from None
