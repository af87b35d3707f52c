"""Every change of the champion model, in the database: who, when, why, from which version.

The record and the switch go together: the row is inserted in a transaction that commits only
after the models folder's pointer has moved, so a promotion that could not be recorded did not
happen, and one that happened is on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from defasagem.errors import DefasagemError
from defasagem.store.database import as_utc
from defasagem.store.faults import translated
from defasagem.store.tables import model_promotions

PROMOTION = "promocao"
ROLLBACK = "reversao"
ACTIONS = {PROMOTION: "promoção", ROLLBACK: "reversão"}
MAX_REASON = 500


@dataclass(frozen=True)
class Promotion:
    """One change of champion."""

    id: int
    at: dt.datetime
    who: str
    action: str
    version: str
    previous: str | None
    reason: str

    @property
    def action_text(self) -> str:
        """``"promoção"`` or ``"reversão"``."""
        return ACTIONS.get(self.action, self.action)


def check_reason(reason: str) -> str:
    """The reason, trimmed; a Portuguese error naming the field when it is empty or too long."""
    text = " ".join(reason.split())
    if not text:
        raise DefasagemError("motivo: obrigatório (diga por que a versão muda).")
    if len(text) > MAX_REASON:
        raise DefasagemError(f"motivo: no máximo {MAX_REASON} caracteres (tem {len(text)}).")
    return text


class PromotionStore:
    """The ``model_promotions`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(
        self,
        *,
        action: str,
        version: str,
        previous: str | None,
        who: str,
        reason: str,
        switch: Callable[[], None],
    ) -> Promotion:
        """Insert the change and call ``switch`` (which moves the pointer) before committing:
        if ``switch`` fails nothing is recorded; if the commit fails, ``switch`` has happened
        and the caller must undo it (the error says the database refused)."""
        at = dt.datetime.now(dt.UTC)
        values = {
            "at": at,
            "who": who[:120],
            "action": action,
            "version": version,
            "previous": previous,
            "reason": check_reason(reason),
        }
        with translated(), self.engine.begin() as connection:
            new_id = connection.execute(
                insert(model_promotions).values(**values)
            ).inserted_primary_key
            switch()
        assert new_id is not None
        return Promotion(id=int(new_id[0]), **values)  # type: ignore[arg-type]

    def history(self) -> list[Promotion]:
        """Every change, oldest first."""
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(select(model_promotions).order_by(model_promotions.c.id))
            return [
                Promotion(
                    id=row.id,
                    at=as_utc(row.at),
                    who=row.who,
                    action=row.action,
                    version=row.version,
                    previous=row.previous,
                    reason=row.reason,
                )
                for row in rows
            ]


def rollback_target(history: list[Promotion], current: str) -> str:
    """The champion before the last promotion not yet undone.

    The history is replayed as a stack: a promotion pushes its version, a rollback pops one, so
    two rollbacks in a row go two promotions back (never back and forth between two versions).
    """
    if not history:
        raise DefasagemError(
            "nada a desfazer: nenhuma promoção registrada (a versão atual é a primeira)."
        )
    stack = [history[0].previous] if history[0].previous else []
    for event in history:
        if event.action == PROMOTION:
            stack.append(event.version)
        elif stack:
            stack.pop()
    if not stack or stack[-1] != current:
        raise DefasagemError(
            f"a versão atual ({current}) não é a da última promoção registrada; escolha a "
            "versão com: defasagem models promote VERSÃO"
        )
    if len(stack) < 2:
        raise DefasagemError(
            f"nada a desfazer: {current} é a primeira versão registrada (sem anterior)."
        )
    return str(stack[-2])
