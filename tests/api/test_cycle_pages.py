"""The yearly cycle through the pages (Flask's test client, access control on): the outcome of
last year's list after an upload, and the model versions page (admin only; promotion and
rollback picked up by the running app without a restart)."""

from __future__ import annotations

import html
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from flask.testing import FlaskClient

from builders import as_version
from defasagem.access import AccessStore
from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings, AuthSettings
from defasagem.modeling import versions
from defasagem.modeling.comparison import paired_comparison

PASSWORD = "uma-senha-longa-7"
A, B = "20250101-100000", "20260101-100000"


@dataclass
class Site:
    app: Any
    models: Path

    def client(self, user: str) -> FlaskClient:
        client: FlaskClient = self.app.test_client()
        token = csrf(client.get("/login").get_data(as_text=True))
        answer = client.post(
            "/login", data={"usuario": user, "senha": PASSWORD, "csrf_token": token}
        )
        assert answer.status_code == 303
        return client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None, "a página não tem formulário com csrf_token"
    return found.group(1)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def site(synthetic_bundle: Path, tmp_path: Path) -> Iterator[Site]:
    models = tmp_path / "modelos"
    models.mkdir()
    # As if trained before 2023->2024 was known (see builders.as_version).
    as_version(synthetic_bundle, models, A, champion=True, trained_on=["2022->2023"])
    as_version(synthetic_bundle, models, B)
    rng = np.random.default_rng(0)
    risk = rng.uniform(size=300)
    labels = (rng.uniform(size=300) < risk).astype(int)
    report = paired_comparison(labels, risk * 0.5, risk, share=0.2, seed=1, n_boot=50)
    versions.write_comparison(
        models, B, {"challenger": B, "champion": A, "transition": "2023->2024", **report}
    )
    access = AccessStore(tmp_path / "acesso")
    access.add_user("admin", PASSWORD, role="administracao")
    access.add_user("coord", PASSWORD)
    access.add_user("leitor", PASSWORD, role="leitura")
    app = create_app(ApiSettings(models, tmp_path / "logs", auth=AuthSettings(access.folder)))
    yield Site(app, models)
    app.extensions["defasagem_store"].dispose()


def served(client: FlaskClient, version: str, seconds: float = 10) -> bool:
    """Whether the app serves ``version`` within ``seconds`` (its watcher polls every second)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.get("/ready").get_json().get("versao_modelo") == version:
            return True
        time.sleep(0.1)
    return False


def test_only_the_admin_sees_and_changes_the_versions(site: Site) -> None:
    admin = site.client("admin")
    page = admin.get("/modelos")
    assert page.status_code == 200
    shown = text_of(page.get_data(as_text=True))
    assert f"{A} atual (campeã)" in shown
    assert f"{B} desafiante" in shown
    assert f"Desafiante {B}" in shown
    assert "Diferença = desafiante − campeã" in shown
    assert "melhor" in shown
    assert 'href="/modelos"' in admin.get("/").get_data(as_text=True)
    for user in ("coord", "leitor"):
        other = site.client(user)
        refused = other.get("/modelos")
        assert refused.status_code == 403
        assert "só o papel administracao troca a versão" in text_of(refused.get_data(as_text=True))
        assert 'href="/modelos"' not in other.get("/").get_data(as_text=True)
        token = csrf(other.get("/").get_data(as_text=True))
        form = {"versao": B, "motivo": "x", "csrf_token": token}
        assert other.post("/modelos/promover", data=form).status_code == 403
    assert versions.champion(site.models) == A


def test_promote_and_roll_back_from_the_page_reach_the_running_app(site: Site) -> None:
    admin = site.client("admin")
    assert served(admin, A)
    token = csrf(admin.get("/modelos").get_data(as_text=True))
    missing = admin.post(
        "/modelos/promover", data={"versao": B, "motivo": " ", "csrf_token": token}
    )
    assert missing.status_code == 422
    assert "motivo: obrigatório" in text_of(missing.get_data(as_text=True))
    assert admin.post("/modelos/promover", data={"versao": B, "motivo": "x"}).status_code == 400
    done = admin.post(
        "/modelos/promover", data={"versao": B, "motivo": "melhor em 2024", "csrf_token": token}
    )
    assert done.status_code == 303
    assert versions.champion(site.models) == B
    assert served(admin, B)  # no restart
    back = admin.post("/modelos/reverter", data={"motivo": "regressão", "csrf_token": token})
    assert back.status_code == 303
    assert served(admin, A)
    history = text_of(admin.get("/modelos").get_data(as_text=True))
    assert f"reversão {B} {A} admin regressão" in history
    assert f"promoção {A} {B} admin melhor em 2024" in history
    again = admin.post("/modelos/reverter", data={"motivo": "de novo", "csrf_token": token})
    assert again.status_code == 422
    assert "nada a desfazer" in text_of(again.get_data(as_text=True))
    # A form that showed another champion (a second tab, a double click) is refused.
    stale = {"versao": B, "motivo": "x", "atual": B, "csrf_token": token}
    refused = admin.post("/modelos/promover", data=stale)
    assert refused.status_code == 422
    assert f"a versão atual mudou para {A}" in text_of(refused.get_data(as_text=True))
    assert versions.champion(site.models) == A


def test_a_single_bundle_server_explains_how_to_get_versions(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    app = create_app(ApiSettings(synthetic_bundle, tmp_path / "logs"))
    page = text_of(app.test_client().get("/modelos").get_data(as_text=True))
    assert "pacote de modelo único" in page
    assert "defasagem train --data ARQUIVO --out modelos" in page
    app.extensions["defasagem_store"].dispose()


def upload(client: FlaskClient, content: bytes, year: str = "") -> Any:
    token = csrf(client.get("/").get_data(as_text=True))
    return client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(content), "pede.xlsx"), "ano": year, "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_the_next_years_export_shows_how_last_years_list_turned_out(
    site: Site, synthetic_workbook: Path
) -> None:
    coord = site.client("coord")
    content = synthetic_workbook.read_bytes()
    assert "Nenhum desfecho medido ainda" in text_of(coord.get("/desfechos").get_data(as_text=True))
    first = upload(coord, content, "2023")
    assert first.status_code == 303
    page = coord.get(first.headers["Location"]).get_data(as_text=True)
    assert "alunos de 2023" in text_of(page)
    assert 'id="desfecho-anterior"' not in page
    second = upload(coord, content)  # the 2024 sheet: the outcome of the 2023 list
    page = coord.get(second.headers["Location"]).get_data(as_text=True)
    assert 'id="desfecho-anterior"' in page
    assert 'href="/desfechos/2023"' in page
    listed = text_of(coord.get("/desfechos").get_data(as_text=True))
    assert f"PEDE 2023 2024 {A}" in listed
    report = coord.get("/desfechos/2023")
    assert report.status_code == 200
    shown = text_of(report.get_data(as_text=True))
    assert "Desfecho da lista de 2023 (defasagem em 2024)" in shown
    assert re.search(r"ROC-AUC 0,\d{3} 0,\d{3} a 0,\d{3} \d+ alunos, \d+ defasados 0,\d{3}", shown)
    assert re.search(r"Precisão na capacidade \d+ % \d+ % a \d+ % \d+ de \d+", shown)
    assert "não mede o efeito da intervenção" in shown
    assert "<svg" in report.get_data(as_text=True)
    download = coord.get("/desfechos/2023.xlsx")
    assert download.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == [
        "Resumo", "Métricas", "Calibração por faixa", "Curva de calibração", "Grupos"
    ]  # fmt: skip
    monitoring = text_of(coord.get("/monitoring").get_data(as_text=True))
    assert "Lista guardada mais recente: desempenho estimado Lista de 2024" in monitoring
    missing = coord.get("/desfechos/2019")
    assert missing.status_code == 404
    assert "não há desfecho medido da lista de 2019" in text_of(missing.get_data(as_text=True))
    assert coord.get("/desfechos/2019.xlsx").status_code == 404


def test_a_bad_year_on_the_upload_form_is_named(site: Site, synthetic_workbook: Path) -> None:
    coord = site.client("coord")
    content = synthetic_workbook.read_bytes()
    bad = upload(coord, content, "20x3")
    assert bad.status_code == 400
    assert "campo ano" in text_of(bad.get_data(as_text=True))
    absent = upload(coord, content, "2019")
    assert absent.status_code == 422
    assert "não tem o ano 2019 para pontuar" in text_of(absent.get_data(as_text=True))


def test_a_readers_upload_never_replaces_the_list_a_year_is_measured_by(
    site: Site, synthetic_workbook: Path
) -> None:
    reader = site.client("leitor")
    answer = upload(reader, synthetic_workbook.read_bytes(), "2023")
    assert answer.status_code == 303
    page = text_of(reader.get(answer.headers["Location"]).get_data(as_text=True))
    assert "usuários com o papel leitura só consultam" in page
    store = site.app.extensions["defasagem_store"]
    assert store.year_lists.latest(2023) is None


def test_a_list_scored_by_a_model_that_saw_its_outcome_is_not_kept(
    synthetic_bundle: Path, synthetic_workbook: Path, tmp_path: Path
) -> None:
    app = create_app(ApiSettings(synthetic_bundle, tmp_path / "logs"))  # saw 2023->2024
    client = app.test_client()
    answer = client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(synthetic_workbook.read_bytes()), "p.xlsx"), "ano": "2023"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    page = text_of(client.get(answer.headers["Location"]).get_data(as_text=True))
    assert "já foi treinado com o que aconteceu no ano seguinte" in page
    assert app.extensions["defasagem_store"].year_lists.latest(2023) is None
    app.extensions["defasagem_store"].dispose()
