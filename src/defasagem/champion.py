"""Promote a model version to champion, or roll back to the previous one, on record.

Used by ``defasagem models`` and by the admin page: the version must load (a verified bundle),
the reason is required, and the change is recorded in the database in the same step that moves
the models folder's pointer (:class:`~defasagem.store.promotions.PromotionStore`).
"""

from __future__ import annotations

from pathlib import Path

from defasagem.errors import DefasagemError
from defasagem.modeling import versions
from defasagem.modeling.bundle import load_bundle
from defasagem.store.faults import StoreUnavailableError
from defasagem.store.promotions import (
    PROMOTION,
    ROLLBACK,
    Promotion,
    PromotionStore,
    check_reason,
    rollback_target,
)


def _champion_of(models: Path) -> str:
    name = versions.champion(models) if models.is_dir() else None
    if name is None:
        raise DefasagemError(
            f"{models}: não é uma pasta de modelos (sem versão atual); treine uma com: "
            f"defasagem train --data ARQUIVO --out {models}"
        )
    return name


def promote(
    models: Path, version: str, *, who: str, reason: str, promotions: PromotionStore
) -> Promotion:
    """Make ``version`` the champion; the record says who, when and why."""
    check_reason(reason)
    current = _champion_of(models)
    path = versions.version_path(models, version)
    if version == current:
        raise DefasagemError(f"{version} já é a versão atual; nada mudou.")
    load_bundle(path)  # a bundle that would not load is never promoted
    return _switch(models, PROMOTION, version, current, who, reason, promotions)


def rollback(models: Path, *, who: str, reason: str, promotions: PromotionStore) -> Promotion:
    """Return to the champion before the last promotion not yet undone."""
    check_reason(reason)
    current = _champion_of(models)
    target = rollback_target(promotions.history(), current)
    load_bundle(versions.version_path(models, target))
    return _switch(models, ROLLBACK, target, current, who, reason, promotions)


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
    except StoreUnavailableError:
        # The pointer moved but the record could not be committed: put it back, so what is
        # served is always what the record says.
        if versions.champion(models) == version:
            versions.set_champion(models, current)
        raise
