"""Promotions and rollbacks on SQLite and PostgreSQL: recorded with the switch, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from builders import as_version
from defasagem.champion import promote, rollback
from defasagem.errors import DefasagemError
from defasagem.modeling import versions
from defasagem.store.faults import StoreUnavailableError
from defasagem.store.migrate import upgrade
from defasagem.store.promotions import (
    PROMOTION,
    ROLLBACK,
    Promotion,
    PromotionStore,
    rollback_target,
)

A, B, C = "20240101-100000", "20250101-100000", "20260101-100000"


@pytest.fixture
def store(database_engine: Engine) -> PromotionStore:
    upgrade(database_engine)
    return PromotionStore(database_engine)


@pytest.fixture
def models(synthetic_bundle: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "modelos"
    folder.mkdir()
    as_version(synthetic_bundle, folder, A, champion=True)
    as_version(synthetic_bundle, folder, B)
    as_version(synthetic_bundle, folder, C)
    return folder


def test_promote_then_roll_back_twice_walks_back_through_the_history(
    store: PromotionStore, models: Path
) -> None:
    promote(models, B, who="ana", reason="melhor em 2024", promotions=store)
    promote(models, C, who="bia", reason="  retreino  de 2025 ", promotions=store)
    assert versions.champion(models) == C
    done = rollback(models, who="caio", reason="regressão", promotions=store)
    assert (done.version, done.previous, done.action) == (B, C, ROLLBACK)
    assert versions.champion(models) == B
    rollback(models, who="caio", reason="de volta à primeira", promotions=store)
    assert versions.champion(models) == A
    with pytest.raises(DefasagemError, match="nada a desfazer"):
        rollback(models, who="caio", reason="mais uma", promotions=store)
    history = store.history()
    assert [(e.action, e.previous, e.version, e.who) for e in history] == [
        (PROMOTION, A, B, "ana"),
        (PROMOTION, B, C, "bia"),
        (ROLLBACK, C, B, "caio"),
        (ROLLBACK, B, A, "caio"),
    ]
    assert history[1].reason == "retreino de 2025"
    assert history[0].at <= history[-1].at
    assert history[0].at.tzinfo is not None


def test_a_refused_promotion_changes_nothing(store: PromotionStore, models: Path) -> None:
    with pytest.raises(DefasagemError, match="motivo: obrigatório"):
        promote(models, B, who="ana", reason=" \t", promotions=store)
    with pytest.raises(DefasagemError, match="já é a versão atual"):
        promote(models, A, who="ana", reason="x", promotions=store)
    with pytest.raises(DefasagemError, match="no máximo 500"):
        promote(models, B, who="ana", reason="x" * 501, promotions=store)
    (models / C / "model.joblib").write_bytes(b"estragado")
    with pytest.raises(DefasagemError, match=r"model\.joblib foi alterado"):
        promote(models, C, who="ana", reason="x", promotions=store)
    assert versions.champion(models) == A
    assert store.history() == []


def test_a_switch_that_fails_leaves_no_record(store: PromotionStore) -> None:
    def broken() -> None:
        raise DefasagemError("disco cheio")

    with pytest.raises(DefasagemError, match="disco cheio"):
        store.record(action=PROMOTION, version=B, previous=A, who="ana", reason="x", switch=broken)
    assert store.history() == []


def test_a_database_that_refuses_the_record_puts_the_pointer_back(
    models: Path, tmp_path: Path
) -> None:
    class Refusing(PromotionStore):
        def record(self, **values: object) -> Promotion:
            values["switch"]()  # type: ignore[operator]
            raise StoreUnavailableError("o banco caiu")

        def history(self) -> list[Promotion]:
            return []

    with pytest.raises(StoreUnavailableError):
        promote(models, B, who="ana", reason="x", promotions=Refusing(None))  # type: ignore[arg-type]
    assert versions.champion(models) == A


def test_the_rollback_target_follows_the_stack_of_promotions() -> None:
    def event(action: str, previous: str, version: str) -> Promotion:
        return Promotion(0, None, "x", action, version, previous, "x")  # type: ignore[arg-type]

    history = [event(PROMOTION, A, B), event(PROMOTION, B, C)]
    assert rollback_target(history, C) == B
    with pytest.raises(DefasagemError, match="não é a da última promoção"):
        rollback_target(history, A)  # the pointer was moved behind the record's back
    with pytest.raises(DefasagemError, match="nenhuma promoção registrada"):
        rollback_target([], A)


def test_a_folder_that_is_not_a_models_folder_is_named(
    store: PromotionStore, synthetic_bundle: Path
) -> None:
    with pytest.raises(DefasagemError, match="não é uma pasta de modelos"):
        promote(synthetic_bundle, B, who="ana", reason="x", promotions=store)
