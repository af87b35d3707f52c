"""Follow-up records on SQLite and PostgreSQL: versions, conflicts, the audit trail, the
form's checks and the intervention list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from defasagem.errors import DefasagemError
from defasagem.store.faults import StoreUnavailableError
from defasagem.store.followups import (
    FollowupConflictError,
    FollowupDraft,
    FollowupError,
    FollowupNotFoundError,
    FollowupStore,
    load_interventions,
    parse_draft,
)
from defasagem.store.migrate import upgrade
from defasagem.store.tables import followup_events

INTERVENTIONS = ("reforço escolar", "mentoria")


@pytest.fixture
def store(database_engine: Engine) -> FollowupStore:
    upgrade(database_engine)
    return FollowupStore(database_engine)


def draft(**changes: object) -> FollowupDraft:
    values: dict[str, object] = {
        "intervention": "reforço escolar",
        "responsible": "Ana",
        "start_date": dt.date(2025, 3, 10),
        "status": "planejado",
        "note": "",
    }
    values.update(changes)
    return FollowupDraft(**values)  # type: ignore[arg-type]


def test_a_record_is_created_changed_and_every_version_is_kept(store: FollowupStore) -> None:
    created = store.create("RA-1", 2024, draft(), "ana")
    assert (created.version, created.updated_by) == (1, "ana")
    changed = store.update(created.id, 1, draft(status="em andamento", note="duas vezes"), "bia")
    assert (changed.version, changed.status, changed.updated_by) == (2, "em andamento", "bia")
    assert store.get(created.id) == changed
    events = store.events([created.id])
    assert [(e.version, e.action, e.who) for e in events] == [
        (1, "criado", "ana"),
        (2, "alterado", "bia"),
    ]
    assert events[0].record["status"] == "planejado"  # the first version is not overwritten
    assert events[1].record["note"] == "duas vezes"
    assert events[1].at.tzinfo is not None


def test_a_stale_edit_is_refused_with_the_current_version(store: FollowupStore) -> None:
    created = store.create("RA-1", 2024, draft(), "ana")
    store.update(created.id, 1, draft(status="em andamento"), "ana")
    with pytest.raises(FollowupConflictError, match="versão 2") as conflict:
        store.update(created.id, 1, draft(status="concluído"), "bia")
    assert conflict.value.current.status == "em andamento"
    assert "a sua edição partiu da versão 1 e não foi gravada" in str(conflict.value)
    assert store.get(created.id).status == "em andamento"
    assert len(store.events([created.id])) == 2


def test_the_same_intervention_twice_points_to_the_existing_record(store: FollowupStore) -> None:
    first = store.create("RA-1", 2024, draft(), "ana")
    with pytest.raises(FollowupConflictError, match="já tem reforço escolar em 2024") as error:
        store.create("RA-1", 2024, draft(responsible="Bia"), "bia")
    assert error.value.current.id == first.id
    # Another year, or another intervention, is another record.
    store.create("RA-1", 2025, draft(), "ana")
    second = store.create("RA-1", 2024, draft(intervention="mentoria"), "ana")
    with pytest.raises(FollowupError, match="já tem mentoria"):
        store.update(first.id, 1, draft(intervention="mentoria"), "ana")
    assert store.get(second.id).version == 1
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(followup_events)).scalar() == 3


def test_records_by_year_by_student_and_in_all(store: FollowupStore) -> None:
    store.create("RA-2", 2024, draft(), "ana")
    store.create("RA-1", 2024, draft(intervention="mentoria"), "ana")
    store.create("RA-1", 2023, draft(), "ana")
    assert sorted(store.of_year(2024)) == ["RA-1", "RA-2"]
    assert store.of_year(2022) == {}
    assert [(r.ano, r.intervention) for r in store.of_student("RA-1")] == [
        (2024, "mentoria"),
        (2023, "reforço escolar"),
    ]
    assert [r.ra for r in store.all(2024)] == ["RA-1", "RA-2"]
    assert len(store.all()) == 3
    assert store.years() == [2024, 2023]
    assert len(store.events()) == 3


def test_an_unknown_record_is_named(store: FollowupStore) -> None:
    with pytest.raises(FollowupNotFoundError, match="acompanhamento 99 não encontrado"):
        store.get(99)
    with pytest.raises(FollowupNotFoundError):
        store.update(99, 1, draft(), "ana")


FORM = {
    "intervencao": "mentoria",
    "responsavel": "  Ana   Souza ",
    "inicio": "2025-03-10",
    "situacao": "em andamento",
    "nota": "  conversa semanal\r\n",
}


def test_a_good_form_becomes_a_draft() -> None:
    parsed = parse_draft(FORM, INTERVENTIONS)
    assert parsed == FollowupDraft(
        "mentoria", "Ana Souza", dt.date(2025, 3, 10), "em andamento", "conversa semanal"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("intervencao", "yoga", "campo intervencao: 'yoga' não é uma intervenção da lista"),
        ("intervencao", "", "campo intervencao: vazio"),
        ("responsavel", "   ", "campo responsavel: diga quem é responsável"),
        ("responsavel", "x" * 121, "campo responsavel: no máximo 120"),
        ("inicio", "10/03/2025", "campo inicio: '10/03/2025' não é uma data"),
        ("inicio", "1990-01-01", "campo inicio: o ano 1990 está fora do esperado"),
        ("situacao", "talvez", "campo situacao: 'talvez' não é uma situação"),
        ("nota", "x" * 2001, "campo nota: no máximo 2000 caracteres"),
    ],
)
def test_a_bad_form_names_the_field(field: str, value: str, message: str) -> None:
    with pytest.raises(FollowupError, match=message):
        parse_draft({**FORM, field: value}, INTERVENTIONS)


def test_the_intervention_list_is_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "acompanhamento.toml"
    path.write_text('intervencoes = [" mentoria ", "reforço"]\n', encoding="utf-8")
    assert load_interventions(path) == ("mentoria", "reforço")
    shipped = Path(__file__).parents[2] / "configs" / "acompanhamento.toml"
    assert "reforço escolar" in load_interventions(shipped)
    for content, message in [
        ("intervencoes = [", "não é um TOML válido"),
        ("outra = 1", "falta a lista intervencoes"),
        ('intervencoes = ["a", 3]', "item 2"),
        ('intervencoes = ["a", "a"]', "'a' aparece duas vezes"),
    ]:
        path.write_text(content, encoding="utf-8")
        with pytest.raises(DefasagemError, match=message):
            load_interventions(path)
    with pytest.raises(DefasagemError, match="não foi possível ler"):
        load_interventions(tmp_path / "nada.toml")


def test_a_database_that_was_never_migrated_is_named_as_such(database_engine: Engine) -> None:
    with pytest.raises(StoreUnavailableError, match="rode 'defasagem db upgrade'"):
        FollowupStore(database_engine).of_year(2024)
