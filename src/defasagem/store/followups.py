"""Follow-up records (acompanhamentos): whom the team follows, how, and every change made.

A record belongs to a student (RA) and the year of the list that flagged them, not to one
upload, so it outlives the two-hour list. Each change is one transaction that writes the
record and an event with who, when and the whole new record: nothing is overwritten without a
trace. ``version`` counts the changes; an edit names the version it started from, and a stale
edit is refused with the current record (:class:`FollowupConflictError`), never applied over it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error
from defasagem.store.database import as_utc
from defasagem.store.faults import translated
from defasagem.store.tables import followup_events, followups

STATUSES = ("planejado", "em andamento", "concluído", "não realizado")
MAX_NOTE = 2000
MAX_TEXT = 120


@dataclass(frozen=True)
class FollowupDraft:
    """The fields a person fills in (already validated by :func:`parse_draft`)."""

    intervention: str
    responsible: str
    start_date: dt.date
    status: str
    note: str


@dataclass(frozen=True)
class Followup:
    """A stored record at its current version."""

    id: int
    ra: str
    ano: int
    intervention: str
    responsible: str
    start_date: dt.date
    status: str
    note: str
    version: int
    updated_by: str
    updated_at: dt.datetime

    def summary(self) -> str:
        """One line for a list cell or a message."""
        return (
            f"{self.intervention} ({self.status}; {self.responsible}, desde "
            f"{self.start_date.strftime('%d/%m/%Y')})"
        )


@dataclass(frozen=True)
class FollowupEvent:
    """One change of a record: the version it made, by whom and when."""

    followup_id: int
    version: int
    action: str
    who: str
    at: dt.datetime
    record: dict[str, Any]


class FollowupError(DefasagemError):
    """A follow-up form that cannot be saved as sent (a 400 naming the field)."""


class FollowupConflictError(DefasagemError):
    """The record changed since the form was opened, or already exists: ``current`` is it."""

    def __init__(self, message: str, current: Followup) -> None:
        super().__init__(message)
        self.current = current


class FollowupNotFoundError(DefasagemError):
    """No record with that id."""


def parse_draft(form: Mapping[str, str], interventions: Iterable[str]) -> FollowupDraft:
    """The form's fields as a draft; a Portuguese :class:`FollowupError` names the first bad one."""
    for field in ("intervencao", "responsavel", "inicio", "situacao", "nota"):
        allowed_breaks = "\n\r\t" if field == "nota" else ""
        if any(_is_control(ch) and ch not in allowed_breaks for ch in form.get(field, "")):
            raise FollowupError(f"campo {field}: tem caracteres de controle; digite só texto.")
    allowed = tuple(interventions)
    intervention = form.get("intervencao", "").strip()
    if intervention not in allowed:
        raise FollowupError(
            f"campo intervencao: {_shown(intervention) or 'vazio'} não é uma intervenção da "
            f"lista ({', '.join(allowed)})."
        )
    responsible = " ".join(form.get("responsavel", "").split())
    if not responsible:
        raise FollowupError("campo responsavel: diga quem é responsável pelo acompanhamento.")
    if len(responsible) > MAX_TEXT:
        raise FollowupError(f"campo responsavel: no máximo {MAX_TEXT} caracteres.")
    start = form.get("inicio", "").strip()
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        raise FollowupError(
            f"campo inicio: {_shown(start) or 'vazio'} não é uma data (use o calendário, "
            "ou AAAA-MM-DD)."
        ) from None
    if not 2000 <= start_date.year <= dt.date.today().year + 2:
        raise FollowupError(f"campo inicio: o ano {start_date.year} está fora do esperado.")
    status = form.get("situacao", "").strip()
    if status not in STATUSES:
        raise FollowupError(
            f"campo situacao: {_shown(status) or 'vazio'} não é uma situação "
            f"({', '.join(STATUSES)})."
        )
    note = form.get("nota", "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise FollowupError(f"campo nota: no máximo {MAX_NOTE} caracteres (há {len(note)}).")
    return FollowupDraft(intervention, responsible, start_date, status, note)


def _is_control(ch: str) -> bool:
    return ord(ch) < 32 or 127 <= ord(ch) < 160


def _shown(text: str) -> str:
    return repr(text[:60]) if text else ""


class FollowupStore:
    """Follow-up records and their events in the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, ra: str, ano: int, draft: FollowupDraft, who: str) -> Followup:
        """A new record (version 1); the same intervention twice for a student and year is a
        :class:`FollowupConflictError` with the existing one."""
        now = dt.datetime.now(dt.UTC)
        values = {**asdict(draft), "ra": ra, "ano": ano, "version": 1}
        values.update(updated_by=who, updated_at=now)
        try:
            with translated(), self.engine.begin() as connection:
                created = connection.execute(
                    insert(followups).values(**values)
                ).inserted_primary_key
                assert created is not None
                record = Followup(id=int(created[0]), **values)
                connection.execute(insert(followup_events).values(**_event(record, "criado")))
        except IntegrityError:
            existing = self._find(ra, ano, draft.intervention)
            if existing is None:  # pragma: no cover - a unique violation implies the row exists
                raise
            raise FollowupConflictError(
                f"o aluno {ra} já tem {draft.intervention} em {ano} (versão {existing.version}, "
                f"por {existing.updated_by}); edite esse acompanhamento em vez de criar outro.",
                existing,
            ) from None
        return record

    def update(self, record_id: int, version: int, draft: FollowupDraft, who: str) -> Followup:
        """Apply ``draft`` to the record if it is still at ``version``; else
        :class:`FollowupConflictError` with the current record (nothing is written)."""
        now = dt.datetime.now(dt.UTC)
        changes = {**asdict(draft), "version": version + 1, "updated_by": who, "updated_at": now}
        try:
            with translated(), self.engine.begin() as connection:
                done = connection.execute(
                    update(followups)
                    .where(followups.c.id == record_id, followups.c.version == version)
                    .values(**changes)
                )
                if done.rowcount == 1:
                    row = connection.execute(
                        select(followups).where(followups.c.id == record_id)
                    ).one()
                    record = _record(row)
                    connection.execute(insert(followup_events).values(**_event(record, "alterado")))
                    return record
        except IntegrityError:  # renamed to an intervention the student already has that year
            raise FollowupError(
                f"campo intervencao: o aluno já tem {draft.intervention} neste ano; edite esse "
                "acompanhamento."
            ) from None
        current = self.get(record_id)
        raise FollowupConflictError(
            f"outra pessoa alterou este acompanhamento enquanto você editava: ele está na versão "
            f"{current.version} ({current.summary()}, por {current.updated_by} em "
            f"{local_time(current.updated_at)}); a sua edição partiu da versão {version} e não foi "
            "gravada. Confira a versão atual e envie de novo.",
            current,
        )

    def get(self, record_id: int) -> Followup:
        """The record ``record_id`` (:class:`FollowupNotFoundError` if there is none)."""
        with translated(), self.engine.connect() as connection:
            row = connection.execute(select(followups).where(followups.c.id == record_id)).first()
        if row is None:
            raise FollowupNotFoundError(f"acompanhamento {record_id} não encontrado.")
        return _record(row)

    def of_year(self, ano: int) -> dict[str, list[Followup]]:
        """The year's records by RA (what a list shows beside each student)."""
        found: dict[str, list[Followup]] = defaultdict(list)
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(
                select(followups).where(followups.c.ano == ano).order_by(followups.c.id)
            )
            for row in rows:
                found[row.ra].append(_record(row))
        return dict(found)

    def of_student(self, ra: str) -> list[Followup]:
        """Every record of ``ra``, newest year first."""
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(
                select(followups)
                .where(followups.c.ra == ra)
                .order_by(followups.c.ano.desc(), followups.c.id)
            ).all()
        return [_record(row) for row in rows]

    def all(self, ano: int | None = None) -> list[Followup]:
        """Every record (of ``ano`` only, when given), by year and RA."""
        query = select(followups).order_by(followups.c.ano.desc(), followups.c.ra, followups.c.id)
        if ano is not None:
            query = query.where(followups.c.ano == ano)
        with translated(), self.engine.connect() as connection:
            return [_record(row) for row in connection.execute(query)]

    def events(self, record_ids: Iterable[int] | None = None) -> list[FollowupEvent]:
        """The audit trail (of ``record_ids`` only, when given), oldest first."""
        query = select(followup_events).order_by(followup_events.c.id)
        if record_ids is not None:
            query = query.where(followup_events.c.followup_id.in_(list(record_ids)))
        with translated(), self.engine.connect() as connection:
            return [
                FollowupEvent(
                    row.followup_id, row.version, row.action, row.who, as_utc(row.at), row.record
                )
                for row in connection.execute(query)
            ]

    def years(self) -> list[int]:
        """The years that have records, newest first."""
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(
                select(followups.c.ano).distinct().order_by(followups.c.ano.desc())
            )
            return [int(value) for (value,) in rows]

    def _find(self, ra: str, ano: int, intervention: str) -> Followup | None:
        with translated(), self.engine.connect() as connection:
            row = connection.execute(
                select(followups).where(
                    followups.c.ra == ra,
                    followups.c.ano == ano,
                    followups.c.intervention == intervention,
                )
            ).first()
        return None if row is None else _record(row)


def _record(row: Row[Any]) -> Followup:
    values = dict(row._mapping)
    values["updated_at"] = as_utc(values["updated_at"])
    return Followup(**values)


def _event(record: Followup, action: str) -> dict[str, Any]:
    snapshot = asdict(record)
    snapshot["start_date"] = record.start_date.isoformat()
    snapshot["updated_at"] = record.updated_at.isoformat(timespec="seconds")
    return {
        "followup_id": record.id,
        "version": record.version,
        "action": action,
        "who": record.updated_by,
        "at": record.updated_at,
        "record": snapshot,
    }


def local_time(moment: dt.datetime) -> str:
    """A moment as Brazilians read it (Brasília time, which has had no daylight saving since
    2019)."""
    return moment.astimezone(BRASILIA).strftime("%d/%m/%Y %H:%M")


BRASILIA = dt.timezone(dt.timedelta(hours=-3), "BRT")


DEFAULT_INTERVENTIONS = (
    "reforço escolar",
    "acompanhamento psicopedagógico",
    "acompanhamento psicológico",
    "conversa com a família",
    "mentoria",
)


def load_interventions(path: Path) -> tuple[str, ...]:
    """The intervention list of a TOML file (``intervencoes = [...]``), checked by name."""
    try:
        content = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise DefasagemError(f"{path}: não foi possível ler ({describe_os_error(exc)}).") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DefasagemError(f"{path}: não é um TOML válido ({exc}).") from None
    found = content.get("intervencoes")
    if not isinstance(found, list) or not found:
        raise DefasagemError(f'{path}: falta a lista intervencoes = ["...", ...].')
    names: list[str] = []
    for position, name in enumerate(found, start=1):
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_TEXT:
            raise DefasagemError(
                f"{path}: intervencoes, item {position}: use um texto de 1 a {MAX_TEXT} caracteres."
            )
        if name.strip() in names:
            raise DefasagemError(f"{path}: intervencoes: {name.strip()!r} aparece duas vezes.")
        names.append(name.strip())
    return tuple(names)
