"""Follow-up records through the pages (Flask's test client, access control on): record,
show, filter and export; roles; conflicts; bad forms; a full disk and a database that is down.

The list is saved straight into the app's database (the upload itself is tested elsewhere), so
each test starts from a scored list in a fresh app."""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from defasagem.access import AccessStore
from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings, AuthSettings
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.predict import ScoredYear, score_year
from defasagem.store import service
from defasagem.store.lists import StoredResult
from defasagem.store.service import Store
from defasagem.store.tables import followup_events, followups

PASSWORD = "uma-senha-longa-7"


@pytest.fixture(scope="module")
def scored(synthetic_bundle: Path, synthetic_result: IngestResult) -> ScoredYear:
    return score_year(load_bundle(synthetic_bundle), synthetic_result.table)


@dataclass
class World:
    app_client: Any
    store: Store
    token: str
    list_url: str
    ras: list[str]
    year: int
    api_token: str

    def client(self, user: str | None = None) -> FlaskClient:
        client: FlaskClient = self.app_client()
        if user is not None:
            form = csrf(client.get("/login").get_data(as_text=True))
            answer = client.post(
                "/login", data={"usuario": user, "senha": PASSWORD, "csrf_token": form}
            )
            assert answer.status_code == 303
        return client


@pytest.fixture
def world(synthetic_bundle: Path, scored: ScoredYear, tmp_path: Path) -> Iterator[World]:
    access = AccessStore(tmp_path / "acesso")
    access.add_user("coord", PASSWORD)
    access.add_user("leitor", PASSWORD, role="leitura")
    api_token = access.add_token("painel")
    settings = ApiSettings(
        synthetic_bundle,
        tmp_path / "logs",
        auth=AuthSettings(access.folder),
        interventions=("reforço escolar", "mentoria", "conversa com a família"),
    )
    app = create_app(settings)
    store = app.extensions["defasagem_store"]
    token = store.lists.save(StoredResult(scored, "v1", "pede.xlsx", time.time()))
    ras = [str(ra) for ra in scored.table["ra"]]
    yield World(app.test_client, store, token, f"/resultado/{token}", ras, scored.year, api_token)
    store.dispose()


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "a página não tem formulário com csrf_token"
    return found.group(1)


def alert(page: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def form(**changes: str) -> dict[str, str]:
    values = {
        "intervencao": "reforço escolar",
        "responsavel": "Ana",
        "inicio": "2025-03-10",
        "situacao": "planejado",
        "nota": "",
    }
    values.update(changes)
    return values


def record(
    world: World, client: FlaskClient, ra: str, **changes: str
) -> tuple[int, str, str | None]:
    """Post the student page's new-record form as a person would (CSRF from the page)."""
    page_url = f"{world.list_url}/aluno/{ra}"
    page = client.get(page_url).get_data(as_text=True)
    data = {"csrf_token": csrf(page), "ra": ra, "ano": str(world.year), "voltar": page_url}
    answer = client.post("/acompanhamentos/novo", data={**data, **form(**changes)})
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


def rows_of(page: str) -> list[str]:
    return page.split("<tbody>")[1].split("</tbody>", maxsplit=1)[0].split("</tr>")[:-1]


def test_a_coordinator_records_follow_ups_and_the_list_shows_and_filters_them(
    world: World,
) -> None:
    client = world.client("coord")
    chosen = {world.ras[0]: "reforço escolar", world.ras[3]: "mentoria", world.ras[7]: "mentoria"}
    for ra, intervention in chosen.items():
        status, _, location = record(world, client, ra, intervencao=intervention)
        assert status == 303
        assert location == f"{world.list_url}/aluno/{ra}"
    page = client.get(f"{world.list_url}?n=").get_data(as_text=True)
    assert "3 aluno(s) da lista têm acompanhamento registrado" in page
    first = next(row for row in rows_of(page) if f'/aluno/{world.ras[0]}"' in row)
    assert "reforço escolar (planejado; Ana, desde 10/03/2025)" in first
    followed = client.get(f"{world.list_url}?n=&acomp=sim").get_data(as_text=True)
    shown = re.findall(r"/aluno/([^\"]+)\"", followed)
    assert shown == [ra for ra in world.ras if ra in chosen]  # in risk order
    others = client.get(f"{world.list_url}?n=&acomp=nao").get_data(as_text=True)
    assert not set(re.findall(r"/aluno/([^\"]+)\"", others)) & set(chosen)
    assert f"Mostrando {len(world.ras) - 3} de" in others
    # The download has the follow-up columns, filled for these three only.
    answer = client.get(f"{world.list_url}/lista.xlsx")
    table = pd.read_excel(io.BytesIO(answer.data), sheet_name=f"Risco {world.year}", dtype=str)
    marked = table[table["Acompanhado"] == "sim"]
    assert dict(zip(marked["RA"], marked["Intervenções"], strict=True)) == chosen
    assert set(marked["Situações"]) == {"planejado"}
    assert set(marked["Responsáveis"]) == {"Ana"}
    assert set(marked["Início"]) == {"10/03/2025"}
    csv = client.get(f"{world.list_url}/lista.csv").get_data(as_text=True)
    assert "Acompanhado;Intervenções;Situações;Responsáveis;Início" in csv.splitlines()[0]


def test_the_student_page_shows_the_history_across_years_with_every_change(
    world: World,
) -> None:
    client = world.client("coord")
    ra = world.ras[1]
    older = world.store.followups.create(
        ra, world.year - 1, _draft("mentoria", "concluído"), "quem-foi"
    )
    assert record(world, client, ra, nota="duas vezes por semana")[0] == 303
    page = client.get(f"{world.list_url}/aluno/{ra}").get_data(as_text=True)
    assert f"{world.year + 1} (lista da PEDE {world.year}): reforço escolar — planejado" in page
    assert f"{world.year} (lista da PEDE {world.year - 1}): mentoria — concluído" in page
    assert "duas vezes por semana" in page
    assert "versão 1: criado por quem-foi" in page
    # The history page outlives the two-hour list.
    history = client.get(f"/acompanhamentos/aluno/{ra}").get_data(as_text=True)
    assert "mentoria — concluído" in history
    assert f'action="/acompanhamentos/{older.id}"' in history


def test_an_edit_is_kept_with_its_history_and_a_stale_one_is_a_conflict(world: World) -> None:
    ra = world.ras[2]
    created = world.store.followups.create(ra, world.year, _draft("mentoria"), "coord")
    first, second = world.client("coord"), world.client("coord")
    page_url = f"/acompanhamentos/aluno/{ra}"
    tokens = [csrf(c.get(page_url).get_data(as_text=True)) for c in (first, second)]
    edit = f"/acompanhamentos/{created.id}"
    common = {"versao": "1", "voltar": page_url, "intervencao": "mentoria"}
    ok = first.post(edit, data={**form(**common, situacao="em andamento"), "csrf_token": tokens[0]})
    assert ok.status_code == 303
    late = second.post(edit, data={**form(**common, situacao="concluído"), "csrf_token": tokens[1]})
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "ele está na versão 2" in alert(page)
    assert "não foi gravada" in alert(page)
    assert "Situação: em andamento" in page
    current = world.store.followups.get(created.id)
    assert (current.version, current.status) == (2, "em andamento")
    assert [e.action for e in world.store.followups.events([created.id])] == ["criado", "alterado"]


def test_a_reader_sees_the_records_but_cannot_change_them(world: World) -> None:
    ra = world.ras[0]
    created = world.store.followups.create(ra, world.year, _draft("mentoria"), "coord")
    reader = world.client("leitor")
    page = reader.get(f"{world.list_url}?n=&acomp=sim").get_data(as_text=True)
    assert "mentoria (planejado; Ana" in page
    student = reader.get(f"{world.list_url}/aluno/{ra}").get_data(as_text=True)
    assert "papel leitura" in student
    assert "Registrar acompanhamento</button>" not in student
    assert "Salvar alteração" not in student
    token = csrf(student)  # the logout form's: a valid token, to show the role is what refuses
    tries = [
        ("/acompanhamentos/novo", {"ra": ra, "ano": str(world.year), **form()}),
        (f"/acompanhamentos/{created.id}", {"versao": "1", **form(situacao="concluído")}),
    ]
    for url, data in tries:
        answer = reader.post(url, data={**data, "csrf_token": token})
        assert answer.status_code == 403
        assert "papel leitura" in alert(answer.get_data(as_text=True))
    assert world.store.followups.get(created.id).version == 1
    assert len(world.store.followups.all()) == 1


def test_writes_need_csrf_from_a_session_but_not_from_a_token(world: World) -> None:
    ra = world.ras[4]
    session = world.client("coord")
    forged = session.post(
        "/acompanhamentos/novo", data={"ra": ra, "ano": str(world.year), **form()}
    )
    assert forged.status_code == 400
    assert "proteção contra CSRF" in forged.get_data(as_text=True)
    scripted = world.client().post(
        "/acompanhamentos/novo",
        data={"ra": ra, "ano": str(world.year), **form()},
        headers={"Authorization": f"Bearer {world.api_token}"},
    )
    assert scripted.status_code == 303
    assert [r.updated_by for r in world.store.followups.all()] == ["painel"]


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"intervencao": "yoga"}, 400, "campo intervencao: 'yoga' não é uma intervenção da lista"),
        ({"inicio": "amanhã"}, 400, "campo inicio: 'amanhã' não é uma data"),
        ({"situacao": ""}, 400, "campo situacao: vazio"),
        ({"ra": ""}, 400, "campo ra: o RA do aluno falta"),
        ({"ra": "a/b"}, 400, "campo ra"),
        ({"ano": "dois mil"}, 400, "campo ano"),
    ],
)
def test_a_bad_form_is_a_page_naming_the_field(
    world: World, changes: dict[str, str], status: int, message: str
) -> None:
    data = {"ra": world.ras[5], "ano": str(world.year), **form(), **changes}
    answer = world.client().post(
        "/acompanhamentos/novo", data=data, headers={"Authorization": f"Bearer {world.api_token}"}
    )
    assert answer.status_code == status
    assert message in alert(answer.get_data(as_text=True))
    assert world.store.followups.all() == []


def test_edits_with_a_missing_version_or_an_unknown_record_are_named(world: World) -> None:
    created = world.store.followups.create(world.ras[0], world.year, _draft("mentoria"), "coord")
    headers = {"Authorization": f"Bearer {world.api_token}"}
    client = world.client()
    no_version = client.post(f"/acompanhamentos/{created.id}", data=form(), headers=headers)
    assert no_version.status_code == 400
    assert "campo versao" in alert(no_version.get_data(as_text=True))
    unknown = client.post("/acompanhamentos/999", data={"versao": "1", **form()}, headers=headers)
    assert unknown.status_code == 404
    assert "acompanhamento 999 não encontrado" in alert(unknown.get_data(as_text=True))
    # An intervention taken out of the list stays valid on the record that has it.
    old = world.store.followups.create(world.ras[1], world.year, _draft("tutoria"), "coord")
    kept = client.post(
        f"/acompanhamentos/{old.id}",
        data={"versao": "1", **form(intervencao="tutoria", situacao="concluído")},
        headers=headers,
    )
    assert kept.status_code == 303
    assert world.store.followups.get(old.id).status == "concluído"
    # A second record with the same intervention is refused with a link to the first.
    again = client.post(
        "/acompanhamentos/novo",
        data={"ra": world.ras[0], "ano": str(world.year), **form(intervencao="mentoria")},
        headers=headers,
    )
    assert again.status_code == 409
    assert "já tem mentoria" in alert(again.get_data(as_text=True))


def test_the_way_back_never_leaves_the_site(world: World) -> None:
    ra = world.ras[6]
    answer = world.client().post(
        "/acompanhamentos/novo",
        data={"ra": ra, "ano": str(world.year), "voltar": "https://outro.site/x", **form()},
        headers={"Authorization": f"Bearer {world.api_token}"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/acompanhamentos/aluno/{ra}"


def test_the_record_page_filters_and_exports_everything(world: World) -> None:
    ras = world.ras
    records = world.store.followups
    a = records.create(ras[0], world.year, _draft("mentoria"), "coord")
    records.update(a.id, 1, _draft("mentoria", "concluído"), "bia")
    records.create(ras[1], world.year - 1, _draft("reforço escolar"), "coord")
    client = world.client("leitor")  # reading and exporting are for every role
    page = client.get("/acompanhamentos").get_data(as_text=True)
    assert "2 acompanhamento(s)." in page
    assert "1 acompanhamento(s)." in client.get(f"/acompanhamentos?ano={world.year}").get_data(
        as_text=True
    )
    done = client.get("/acompanhamentos?situacao=conclu%C3%ADdo").get_data(as_text=True)
    assert "1 acompanhamento(s)." in done
    assert "2 acompanhamento(s)." in client.get("/acompanhamentos?situacao=x&ano=y").get_data(
        as_text=True
    )
    workbook = client.get("/acompanhamentos/registro.xlsx")
    assert workbook.headers["Cache-Control"] == "no-store"
    sheets = openpyxl.load_workbook(io.BytesIO(workbook.data)).sheetnames
    assert sheets == ["Acompanhamentos", "Histórico"]
    history = pd.read_excel(io.BytesIO(workbook.data), sheet_name="Histórico", dtype=str)
    assert list(history["Ação"]) == ["criado", "alterado", "criado"]
    assert list(history["Quem"]) == ["coord", "bia", "coord"]
    csv = client.get("/acompanhamentos/registro.csv").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 4  # the header and the three changes


def _draft(intervention: str, status: str = "planejado") -> Any:
    from defasagem.store.followups import parse_draft  # noqa: PLC0415

    return parse_draft(form(intervencao=intervention, situacao=status), [intervention])


# -- faults ----------------------------------------------------------------------------------
def test_a_full_disk_is_a_portuguese_503_and_nothing_stored_is_lost(
    synthetic_bundle: Path, scored: ScoredYear, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(ApiSettings(synthetic_bundle, tmp_path / "logs"))
    store: Store = app.extensions["defasagem_store"]
    client = app.test_client()
    kept = store.followups.create("RA-1", 2024, _draft("mentoria"), "ana")
    engine = store.followups.engine
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()

    # SQLite's own "database or disk is full": no page beyond those it has now.
    @event.listens_for(engine, "connect")
    def _no_room(connection: Any, _record: Any) -> None:
        connection.execute(f"PRAGMA max_page_count={pages}")

    engine.dispose()
    answers = [
        client.post(
            "/acompanhamentos/novo",
            data={"ra": f"RA-{n}", "ano": "2024", **form(nota="x" * 2000)},
        )
        for n in range(2, 12)
    ]
    refused = [a for a in answers if a.status_code != 303]
    assert refused, "o banco nunca encheu"
    assert {a.status_code for a in refused} == {503}
    message = alert(refused[0].get_data(as_text=True))
    assert "o disco do banco de dados está cheio; nada foi gravado" in message
    assert "Traceback" not in refused[0].get_data(as_text=True)
    # What was stored stays, and each acknowledged write is there with its event.
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(followups)).scalar()
        trail = connection.execute(select(func.count()).select_from(followup_events)).scalar()
    assert stored == trail == 1 + len(answers) - len(refused)
    assert store.followups.get(kept.id) == kept
    # /ready tells the operator when the disk beside a SQLite file runs out.
    assert client.get("/ready").status_code == 200
    monkeypatch.setattr(service, "MIN_FREE_BYTES", 1 << 62)
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "o disco do banco de dados está cheio" in ready.get_json()["motivo"]
    store.dispose()


def test_an_unreachable_postgresql_is_a_503_and_predict_still_answers(
    synthetic_bundle: Path, synthetic_workbook: Path, tmp_path: Path
) -> None:
    url = f"postgresql://ninguem:segredo@/x?host={tmp_path}&port=1"
    client = create_app(
        ApiSettings(synthetic_bundle, tmp_path / "logs", database=url)
    ).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "banco de dados inacessível" in ready.get_json()["motivo"]
    assert "segredo" not in ready.get_data(as_text=True)
    page = client.get("/acompanhamentos")
    assert page.status_code == 503
    assert "banco de dados inacessível" in alert(page.get_data(as_text=True))
    upload = client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(synthetic_workbook.read_bytes()), "pede.xlsx")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 503
    assert "não foi possível guardar a lista pontuada" in alert(upload.get_data(as_text=True))
    # The model does not need the database.
    student = {"ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "ieg": 5.1, "ida": 4.2}
    assert client.post("/predict", json=student).status_code == 200


def test_text_that_looks_like_a_formula_stays_text_in_every_export(world: World) -> None:
    ra = world.ras[0]
    headers = {"Authorization": f"Bearer {world.api_token}"}
    data = {"ra": ra, "ano": str(world.year), **form(responsavel='=HYPERLINK("x";"y")')}
    data["nota"] = "+55 11 9999"
    client = world.client()
    assert client.post("/acompanhamentos/novo", data=data, headers=headers).status_code == 303
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/acompanhamentos/registro.xlsx", headers=headers).data)
    )
    cells = [c.value for row in book["Acompanhamentos"].iter_rows(min_row=2) for c in row]
    assert '\'=HYPERLINK("x";"y")' in cells
    assert "'+55 11 9999" in cells
    assert all(c.data_type != "f" for row in book["Histórico"].iter_rows() for c in row)
    listed = openpyxl.load_workbook(
        io.BytesIO(client.get(f"{world.list_url}/lista.xlsx", headers=headers).data)
    )
    sheet = listed[f"Risco {world.year}"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    csv = client.get("/acompanhamentos/registro.csv", headers=headers).get_data(as_text=True)
    assert "\"'=HYPERLINK" in csv
    assert ";'+55 11 9999" in csv


def test_control_characters_spaces_in_an_ra_and_odd_ids(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.api_token}"}
    client = world.client()
    nul = client.post(
        "/acompanhamentos/novo",
        data={"ra": world.ras[0], "ano": str(world.year), **form(responsavel="Ana\x00")},
        headers=headers,
    )
    assert nul.status_code == 400
    assert "campo responsavel: tem caracteres de controle" in alert(nul.get_data(as_text=True))
    spaced = client.post(
        "/acompanhamentos/novo",
        data={"ra": "RA 12", "ano": str(world.year), **form(nota="linha 1\nlinha 2")},
        headers=headers,
    )
    assert spaced.status_code == 303
    assert [r.ra for r in world.store.followups.all()] == ["RA 12"]
    assert client.get("/acompanhamentos/aluno/RA%2012", headers=headers).status_code == 200
    assert client.get("/acompanhamentos/aluno/%00", headers=headers).status_code == 404
    huge = client.post("/acompanhamentos/99999999999999999999", data=form(), headers=headers)
    assert huge.status_code == 404


def test_a_save_after_the_list_expired_lands_on_the_history_not_on_a_404(world: World) -> None:
    ra = world.ras[0]
    back = f"{world.list_url}/aluno/{ra}"
    world.store.lists.ttl = -1  # the list expired while the form was open
    answer = world.client().post(
        "/acompanhamentos/novo",
        data={"ra": ra, "ano": str(world.year), "voltar": back, **form()},
        headers={"Authorization": f"Bearer {world.api_token}"},
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/acompanhamentos/aluno/{ra}"


def test_the_conflict_page_keeps_what_the_person_typed(world: World) -> None:
    created = world.store.followups.create(world.ras[0], world.year, _draft("mentoria"), "coord")
    world.store.followups.update(created.id, 1, _draft("mentoria", "concluído"), "bia")
    late = world.client().post(
        f"/acompanhamentos/{created.id}",
        data={"versao": "1", **form(intervencao="mentoria", nota="uma nota longa <b>sua</b>")},
        headers={"Authorization": f"Bearer {world.api_token}"},
    )
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "uma nota longa &lt;b&gt;sua&lt;/b&gt;</textarea>" in page


def test_a_file_that_is_not_a_database_keeps_the_server_up_and_says_so(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "defasagem.sqlite3").write_bytes(b"isto nao e um banco" * 400)
    client = create_app(ApiSettings(synthetic_bundle, logs)).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "não é um banco SQLite" in ready.get_json()["motivo"]
    student = {"ano": 2024, "fase": "FASE 3", "fase_ideal": 4, "ieg": 5.1, "ida": 4.2}
    assert client.post("/predict", json=student).status_code == 200
