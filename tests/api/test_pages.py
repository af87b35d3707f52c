"""The coordinators' pages through Flask's test client: upload, ranked list, filters, student,
downloads identical to `defasagem predict`, model page, and every upload error as a 4xx page."""

from __future__ import annotations

import datetime as dt
import html
import io
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.cli import main
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.predict import score_year
from defasagem.store.lists import TTL_SECONDS
from defasagem.store.service import Store
from defasagem.store.tables import scored_lists

FOLLOWUP_COLUMNS = ["Acompanhado", "Intervenções", "Situações", "Responsáveis", "Início"]


def app_store(client: FlaskClient) -> Store:
    store = client.application.extensions["defasagem_store"]
    assert isinstance(store, Store)
    return store


@pytest.fixture
def settings(synthetic_bundle: Path, tmp_path: Path) -> ApiSettings:
    return ApiSettings(synthetic_bundle, tmp_path / "logs", max_upload=2 * 1024 * 1024)


@pytest.fixture
def client(settings: ApiSettings) -> FlaskClient:
    return create_app(settings).test_client()


def upload(client: FlaskClient, content: bytes, name: str) -> tuple[int, str, str | None]:
    answer = client.post(
        "/pontuar",
        data={"arquivo": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


def alert(page: str) -> str:
    found = re.search(r'role="alert">(.*?)</p>', page, re.S)
    assert found is not None, page
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


@pytest.fixture
def result_url(client: FlaskClient, synthetic_workbook: Path) -> str:
    status, _, location = upload(client, synthetic_workbook.read_bytes(), "pede.xlsx")
    assert status == 303
    assert location is not None
    return location


def test_home_has_a_labelled_upload_form_and_the_menu(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<label for="arquivo">' in page
    assert 'id="arquivo" name="arquivo" type="file"' in page
    for link in ('href="/"', 'href="/modelo"', 'href="/monitoring"', 'href="/docs"'):
        assert link in page
    assert "http://" not in page.split("<main")[0]  # no external asset in the head


def test_an_upload_gives_the_ranked_list_and_is_not_kept(
    client: FlaskClient, result_url: str, settings: ApiSettings, synthetic_result: IngestResult
) -> None:
    page = client.get(result_url).get_data(as_text=True)
    scored = score_year(load_bundle(settings.model_dir), synthetic_result.table)
    total = len(scored.table)
    capacity = -(-total // 5)
    assert f"Mostrando {capacity} de {total} alunos." in page
    ras = re.findall(r"/aluno/([^\"]+)\"", page)
    assert ras == list(scored.table["ra"][:capacity])
    # Band in text, not colour alone.
    assert re.search(r'class="faixa faixa-alto">alto<', page)
    # Only the scored list is kept (in the database), never the spreadsheet.
    assert not [p for p in settings.logs_dir.rglob("*") if p.suffix in {".xlsx", ".csv"}]
    with app_store(client).lists.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(scored_lists)).scalar() == 1


def test_filters_narrow_the_list(client: FlaskClient, result_url: str) -> None:
    everyone = client.get(f"{result_url}?n=").get_data(as_text=True)
    total = int(re.findall(r"Mostrando (\d+) de", everyone)[0])
    phase_3_high = client.get(f"{result_url}?n=&fase=3&faixa=alto").get_data(as_text=True)
    shown = int(re.findall(r"Mostrando (\d+) de", phase_3_high)[0])
    assert 0 < shown < total
    rows = phase_3_high.split("<tbody>")[1].split("</tr>")[:-1]
    assert all("<td>3</td>" in row and ">alto<" in row for row in rows)
    top_ten = client.get(f"{result_url}?n=10&so=1").get_data(as_text=True)
    assert "Mostrando 10 de" in top_ten
    # A filter without "só os N prioritários" lists the whole group, marking the priority.
    medium = client.get(f"{result_url}?n=10&faixa=m%C3%A9dio").get_data(as_text=True)
    assert int(re.findall(r"Mostrando (\d+) de", medium)[0]) > 10
    assert "entre os 10 prioritários" in medium
    # Nonsense in the query string is ignored, not an error.
    assert client.get(f"{result_url}?n=abc&fase=x&faixa=zzz").status_code == 200


def test_downloads_match_defasagem_predict(
    client: FlaskClient,
    result_url: str,
    synthetic_workbook: Path,
    synthetic_bundle: Path,
    tmp_path: Path,
) -> None:
    for suffix in (".xlsx", ".csv"):
        expected = tmp_path / f"esperado{suffix}"
        args = ["predict", "--model", str(synthetic_bundle), "--data", str(synthetic_workbook)]
        assert main([*args, "--out", str(expected)]) == 0
        answer = client.get(f"{result_url}/lista{suffix}")
        assert answer.status_code == 200
        assert f'filename="risco_2024{suffix}"' in answer.headers["Content-Disposition"]
        if suffix == ".csv":
            got = pd.read_csv(io.BytesIO(answer.data), sep=";", decimal=",", dtype=str)
            want = pd.read_csv(expected, sep=";", decimal=",", dtype=str)
        else:
            sheets = pd.read_excel(io.BytesIO(answer.data), sheet_name=None)
            assert list(sheets) == list(pd.read_excel(expected, sheet_name=None))
            got, want = sheets["Risco 2024"], pd.read_excel(expected)
        # The same list as `defasagem predict`, then the follow-up columns (none recorded yet).
        pd.testing.assert_frame_equal(got[list(want.columns)], want)
        assert list(got.columns[len(want.columns) :]) == FOLLOWUP_COLUMNS
        assert set(got["Acompanhado"]) == {"não"}


def test_student_page_shows_reasons_indicators_and_glossary(
    client: FlaskClient, result_url: str
) -> None:
    page = client.get(result_url).get_data(as_text=True)
    ra = re.findall(r"/aluno/([^\"]+)\"", page)[0]
    detail = client.get(f"{result_url}/aluno/{ra}")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert f"<h1>Aluno {ra}</h1>" in text
    assert "Por que este risco" in text
    assert "IEG (engajamento)" in text
    assert "alunos)</td>" in text  # the Fase's quartiles and how many students
    assert "<dt>IPV</dt>" in text
    assert client.get(f"{result_url}/aluno/RA-nao-existe").status_code == 404


def test_unknown_or_expired_results_are_404_pages(
    client: FlaskClient, result_url: str, settings: ApiSettings
) -> None:
    missing = client.get("/resultado/AAAAAAAAAAAAAAAAAAAAAA")
    assert missing.status_code == 404
    assert "envie de novo" in missing.get_data(as_text=True)
    assert client.get("/resultado/../../etc").status_code == 404
    lists = app_store(client).lists
    lists.ttl = -1  # two hours later, in this worker
    assert client.get(result_url).status_code == 404
    lists.ttl = TTL_SECONDS
    with lists.engine.begin() as connection:
        connection.execute(
            update(scored_lists).values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=TTL_SECONDS + 60)
            )
        )
    # In another replica, which reads the row.
    assert create_app(settings).test_client().get(result_url).status_code == 404
    # Retention: the next save deletes it (the store's tests save again; here, the pruning).
    assert lists.prune() == 1
    with lists.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(scored_lists)).scalar() == 0


def test_model_page_in_plain_words(client: FlaskClient) -> None:
    page = client.get("/modelo").get_data(as_text=True)
    assert "quem está atrasado agora estará atrasado no ano que vem" in page
    assert 'src="/modelo/figura/calibracao.png"' in page
    assert "Alarmes falsos" in page
    figure = client.get("/modelo/figura/calibracao.png")
    assert figure.status_code == 200
    assert figure.mimetype == "image/png"
    assert client.get("/modelo/figura/model.joblib").status_code == 404


def workbook_without(synthetic_workbook: Path, *columns: str) -> bytes:
    book = openpyxl.load_workbook(synthetic_workbook)
    sheet = book["PEDE2024"]
    for name in columns:
        header = [c.value for c in sheet[1]]
        sheet.delete_cols(header.index(name) + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "status", "message"),
    [
        (b"%PDF-1.4", "relatorio.pdf", 415, "tipo de arquivo não aceito (.pdf)"),
        (b"", "vazio.csv", 422, "vazio.csv: o arquivo está vazio"),
        (b"RA;Nome\n1;x\n", "outra.csv", 422, "não é uma exportação PEDE"),
        (b"x" * (3 * 1024 * 1024), "grande.csv", 413, "passa do limite de 2 MB"),
    ],
)
def test_upload_errors_are_4xx_pages_in_portuguese(
    client: FlaskClient, content: bytes, name: str, status: int, message: str
) -> None:
    got, page, _ = upload(client, content, name)
    assert got == status
    assert message in alert(page)
    assert 'id="arquivo"' in page  # the form is still there


def test_a_spreadsheet_missing_columns_names_them(
    client: FlaskClient, synthetic_workbook: Path
) -> None:
    status, page, _ = upload(client, workbook_without(synthetic_workbook, "IEG", "Fase"), "x.xlsx")
    assert status == 422
    assert "faltam colunas obrigatórias: Fase, IEG" in alert(page)


def test_no_file_and_no_model(client: FlaskClient, tmp_path: Path) -> None:
    answer = client.post("/pontuar", data={}, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert "escolha um arquivo" in alert(answer.get_data(as_text=True))
    broken = create_app(ApiSettings(tmp_path / "nada", tmp_path / "logs")).test_client()
    assert "O modelo não está carregado" in broken.get("/").get_data(as_text=True)
    status, page, _ = upload(broken, b"RA\n1\n", "a.csv")
    assert status == 503
    assert "o modelo não está carregado" in alert(page)
    assert broken.get("/modelo").status_code == 503


def test_odd_queries_and_unknown_pages_answer_in_portuguese(
    client: FlaskClient, result_url: str
) -> None:
    for query in ("?n=²&fase=²", f"?n={'9' * 5000}", "?fase=-1&turma=%00"):
        assert client.get(f"{result_url}{query}").status_code == 200
    missing = client.get(f"{result_url}/nada/aqui")
    assert missing.status_code == 404
    assert "página não encontrada" in alert(missing.get_data(as_text=True))
    wrong_method = client.get("/pontuar")
    assert wrong_method.status_code == 405
    assert "use o formulário da página" in alert(wrong_method.get_data(as_text=True))
    figure = client.get("/modelo/figura/nada.png")
    assert "figura não encontrada: nada.png" in alert(figure.get_data(as_text=True))


def test_a_corrupt_stored_result_is_a_404_not_a_500(
    client: FlaskClient, result_url: str, settings: ApiSettings
) -> None:
    token = result_url.rsplit("/", 1)[1]
    with app_store(client).lists.engine.begin() as connection:
        connection.execute(update(scored_lists).values(payload=b"lixo"))
    # Another replica (it has not seen the list, so it reads the row).
    assert create_app(settings).test_client().get(result_url).status_code == 404
    assert client.get(result_url).status_code == 200  # this one still has it in memory
    assert token


def test_when_results_cannot_be_kept_the_page_says_so(
    synthetic_bundle: Path, synthetic_workbook: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("não é pasta", encoding="utf-8")
    settings = ApiSettings(
        synthetic_bundle, tmp_path / "logs", database=f"sqlite:///{blocker}/banco.sqlite3"
    )
    client = create_app(settings).test_client()
    status, page, _ = upload(client, synthetic_workbook.read_bytes(), "pede.xlsx")
    assert status == 503
    assert "não foi possível guardar a lista pontuada" in alert(page)


def test_a_very_long_file_name_is_fine(client: FlaskClient, synthetic_workbook: Path) -> None:
    status, _, location = upload(client, synthetic_workbook.read_bytes(), "a" * 300 + ".xlsx")
    assert status == 303
    assert location is not None


def test_figures_and_the_report_load_with_relative_folders(
    synthetic_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `make demo` passes relative folders; Flask would look for them inside the package.
    monkeypatch.chdir(tmp_path)
    relative = Path(os.path.relpath(synthetic_bundle, tmp_path))
    settings = ApiSettings(relative, Path("logs"), reports=Path("relatorios"))
    client = create_app(settings).test_client()
    assert client.get("/modelo/figura/roc.png").status_code == 200
    Path("relatorios").mkdir()
    Path("relatorios/drift_report.html").write_text("<html></html>", encoding="utf-8")
    assert client.get("/monitoring/relatorio").status_code == 200


def test_the_redirect_after_an_upload_is_in_portuguese(
    client: FlaskClient, synthetic_workbook: Path
) -> None:
    _, page, location = upload(client, synthetic_workbook.read_bytes(), "pede.xlsx")
    assert 'lang="pt-BR"' in page
    assert f'href="{location}"' in page


def post_with_rule(
    client: FlaskClient, workbook: bytes, choice: str, rule: tuple[bytes, str] | None
) -> tuple[int, str, str | None]:
    data: dict[str, object] = {"arquivo": (io.BytesIO(workbook), "pede.xlsx"), "regra": choice}
    if rule is not None:
        data["arquivo_regra"] = (io.BytesIO(rule[0]), rule[1])
    answer = client.post("/pontuar", data=data, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True), answer.headers.get("Location")


def test_the_coordinator_can_score_with_the_rule_the_ngo_decided(
    client: FlaskClient, settings: ApiSettings, synthetic_workbook: Path
) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'name="regra" type="radio" value="aprendida" checked' in page
    assert '<label for="arquivo_regra">' in page
    assert 'href="/modelo/regra.toml"' in page
    download = client.get("/modelo/regra.toml")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    learned = download.get_data(as_text=True)
    assert learned == (settings.model_dir / "ideal_phase_rule.toml").read_text(encoding="utf-8")
    # The NGO moves every minimum age one year up: more students are ahead of their ideal phase.
    ages = re.search(r"lowest_age = \[([^\]]*)\]", learned)
    assert ages is not None
    later = ", ".join(str(int(a) + 1) for a in ages.group(1).split(","))
    # Saved by a Windows editor: with a UTF-8 byte-order mark.
    decided = learned.replace(ages.group(0), f"lowest_age = [{later}]").encode("utf-8-sig")
    workbook = synthetic_workbook.read_bytes()
    status, _, default = post_with_rule(client, workbook, "aprendida", None)
    assert status == 303
    assert default is not None
    status, _, ruled = post_with_rule(client, workbook, "arquivo", (decided, "regra_2025.toml"))
    assert status == 303
    assert ruled is not None
    default_page = client.get(default).get_data(as_text=True)
    ruled_page = client.get(ruled).get_data(as_text=True)
    assert "Fase Ideal do ano seguinte pela regra aprendida das linhas de 2024" in default_page
    assert "pela regra do arquivo de regra informado" in ruled_page

    # A later rule lowers next year's ideal phase: the list's risks go down.
    def mean_risk(page: str) -> float:
        values = re.findall(r"(\d+) %</td>", page)
        return sum(int(v) for v in values) / len(values)

    assert mean_risk(ruled_page) < mean_risk(default_page)


@pytest.mark.parametrize(
    ("choice", "rule", "status", "message"),
    [
        ("arquivo", None, 400, "campo arquivo_regra: escolha o arquivo .toml"),
        ("outra", None, 400, "campo regra: valor desconhecido (outra)"),
        ("aprendida", (b"x = 1", "r.toml"), 400, "um arquivo de regra foi anexado"),
        ("arquivo", (b"PK", "pede.xlsx"), 400, "pede.xlsx não é um arquivo de regra (.toml)"),
        (
            "arquivo",
            (b"lowest_age = [", "r.toml"),
            422,
            "r.toml: arquivo da regra da Fase Ideal em TOML inválido",
        ),
        (
            "arquivo",
            (b"\xff\xfe", "r.toml"),
            422,
            "r.toml: arquivo da regra da Fase Ideal não está em UTF-8",
        ),
        (
            "arquivo",
            (b"learned_from = 2024\n", "r.toml"),
            422,
            "r.toml: regra de Fase Ideal inválida: falta o campo 'lowest_age'",
        ),
    ],
)
def test_a_bad_rule_choice_or_file_is_named(
    client: FlaskClient,
    synthetic_workbook: Path,
    choice: str,
    rule: tuple[bytes, str] | None,
    status: int,
    message: str,
) -> None:
    got, page, _ = post_with_rule(client, synthetic_workbook.read_bytes(), choice, rule)
    assert got == status
    assert message in alert(page)


def test_model_page_shows_the_fairness_audit_gender_and_rule(client: FlaskClient) -> None:
    page = client.get("/modelo").get_data(as_text=True)
    assert "Ordenação no grupo (ROC-AUC)" in page
    assert "Fase 0–2" in page
    assert "novos (sem avaliação no ano anterior)" in page
    assert "de 0,8–1,25" in page
    assert "senão a regra do modelo (de 2024)" in page
    assert ("O gênero entra no cálculo" in page) != ("O gênero não entra no cálculo" in page)
