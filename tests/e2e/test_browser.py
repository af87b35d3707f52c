"""The pages in real headless Chromium against the real server (gunicorn, 2 workers), as a
coordinator uses them: upload, ranked list, filter, student, Excel download, a wrong file.

Screenshots go to ``test-artifacts/`` (or $DEFASAGEM_ARTIFACTS); they are not committed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from builders import as_version
from defasagem.cli import main
from servers import Running, running_server

CHROMIUM = os.environ.get("DEFASAGEM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("DEFASAGEM_ARTIFACTS", "test-artifacts"))

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None,
    reason=f"Chromium não encontrado em {CHROMIUM} (apt-get install chromium; .ci/run instala)",
)


@pytest.fixture(scope="module")
def site(synthetic_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The server over a models folder whose champion says it was trained before 2023->2024
    was known (see builders.as_version), so a list of 2023 is kept for its outcome."""
    folder = tmp_path_factory.mktemp("site")
    models = folder / "modelos"
    models.mkdir()
    as_version(
        synthetic_bundle, models, "20250101-100000", champion=True, trained_on=["2022->2023"]
    )
    with running_server(models, folder) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as engine:
        launched = engine.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def fresh_page(browser: Browser) -> Iterator[Page]:
    """A new browser profile: no session cookie."""
    context = browser.new_context(accept_downloads=True, locale="pt-BR")
    opened = context.new_page()
    yield opened
    context.close()


def log_in(p: Page, site: Running, password: str | None = None, user: str | None = None) -> None:
    p.get_by_label("Usuário").fill(user or site.user)
    p.get_by_label("Senha").fill(password or site.password)
    p.get_by_role("button", name="Entrar").click()


@pytest.fixture
def page(fresh_page: Page, site: Running) -> Page:
    """A coordinator's browser, logged in (the pages are closed to anyone else)."""
    fresh_page.goto(site.url)
    fresh_page.wait_for_url("**/login**")
    log_in(fresh_page, site)
    fresh_page.wait_for_url(f"{site.url}/")
    return fresh_page


def test_login_is_required_and_logout_closes_the_session(fresh_page: Page, site: Running) -> None:
    p = fresh_page
    p.goto(f"{site.url}/modelo")
    p.wait_for_url("**/login?next=/modelo")
    log_in(p, site, password="senha-errada-123")
    assert "usuário ou senha incorretos" in p.get_by_role("alert").inner_text()
    shot(p, "login-erro")
    log_in(p, site)
    p.wait_for_url(f"{site.url}/modelo")  # back where the coordinator wanted to go
    assert site.user in p.locator(".topo").inner_text()
    p.get_by_role("button", name="Sair").click()
    p.wait_for_url("**/login?saiu=1")
    assert "sessão encerrada" in p.locator("main").inner_text()
    p.goto(f"{site.url}/modelo")
    p.wait_for_url("**/login?next=/modelo")


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_upload_filter_open_a_student_and_download_excel(
    page: Page,
    site: Running,
    synthetic_workbook: Path,
    synthetic_bundle: Path,
    tmp_path: Path,
) -> None:
    p = page
    p.goto(site.url)
    p.get_by_label("Planilha da PEDE").set_input_files(str(synthetic_workbook))
    p.get_by_role("button", name="Enviar e pontuar").click()
    p.wait_for_url("**/resultado/**")
    rows = p.locator("#lista tbody tr")
    shown = rows.count()
    assert shown > 10
    assert "Mostrando" in p.locator("#contagem").inner_text()
    shot(p, "lista-ordenada", full_page=False)  # the README's picture

    # Filter: everyone in Fase 3 with a high band.
    p.get_by_label("Prioridade: os N alunos de maior risco").fill("")
    p.get_by_label("Fase", exact=True).select_option("3")
    p.get_by_label("Faixa").select_option("alto")
    p.get_by_role("button", name="Filtrar").click()
    p.wait_for_url("**faixa=alto**")
    filtered = p.locator("#lista tbody tr")
    assert filtered.count() > 0
    for cells in filtered.all():
        assert cells.locator("td").nth(2).inner_text() == "3"
        assert cells.locator("td").nth(5).inner_text() == "alto"
    shot(p, "lista-filtrada")

    # Open the first student.
    first = filtered.first.locator("td").nth(1).inner_text()
    filtered.first.get_by_role("link").click()
    p.wait_for_url(f"**/aluno/{first}")
    assert p.get_by_role("heading", level=1).inner_text() == f"Aluno {first}"
    assert p.get_by_role("heading", name="Glossário").is_visible()
    shot(p, "aluno")

    # Back to the list; download the Excel file and compare with `defasagem predict`.
    p.get_by_role("link", name="← Voltar à lista").click()
    with p.expect_download() as download:
        p.get_by_role("link", name="Excel (.xlsx)").click()
    saved = tmp_path / "baixado.xlsx"
    download.value.save_as(saved)
    expected = tmp_path / "predict.xlsx"
    args = ["predict", "--model", str(synthetic_bundle), "--data", str(synthetic_workbook)]
    assert main([*args, "--out", str(expected)]) == 0
    want = pd.read_excel(expected, sheet_name="Risco 2024")
    got = pd.read_excel(saved, sheet_name="Risco 2024")
    # The same list, then the follow-up columns the page adds.
    pd.testing.assert_frame_equal(got[list(want.columns)], want)
    assert "Acompanhado" in got.columns[len(want.columns) :]


def test_a_wrong_file_shows_the_error_and_the_page_stays_usable(
    page: Page, site: Running, tmp_path: Path, synthetic_workbook: Path
) -> None:
    wrong = tmp_path / "relatorio.pdf"
    wrong.write_bytes(b"%PDF-1.4 nada a ver")
    p = page
    p.goto(site.url)
    p.get_by_label("Planilha da PEDE").set_input_files(str(wrong))
    p.get_by_role("button", name="Enviar e pontuar").click()
    error = p.get_by_role("alert")
    error.wait_for()
    assert "tipo de arquivo não aceito (.pdf)" in error.inner_text()
    shot(p, "erro-arquivo")
    # Still usable: the right file now goes through.
    p.get_by_label("Planilha da PEDE").set_input_files(str(synthetic_workbook))
    p.get_by_role("button", name="Enviar e pontuar").click()
    p.wait_for_url("**/resultado/**")


def test_pages_fit_a_phone_and_work_with_the_keyboard(page: Page, site: Running) -> None:
    p = page
    p.set_viewport_size({"width": 375, "height": 740})
    p.goto(site.url)
    width = p.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    p.keyboard.press("Tab")
    focused = p.evaluate("document.activeElement.textContent")
    assert focused == "Pular para o conteúdo"
    shot(p, "celular")


def test_follow_ups_are_recorded_filtered_exported_and_read_only_for_readers(
    page: Page, browser: Browser, site: Running, synthetic_workbook: Path, tmp_path: Path
) -> None:
    p = page
    p.goto(site.url)
    p.get_by_label("Planilha da PEDE").set_input_files(str(synthetic_workbook))
    p.get_by_role("button", name="Enviar e pontuar").click()
    p.wait_for_url("**/resultado/**")
    list_url = p.url.split("?")[0]
    ras = [row.locator("td").nth(1).inner_text() for row in p.locator("#lista tbody tr").all()[:3]]
    plans = dict(zip(ras, ["reforço escolar", "mentoria", "conversa com a família"], strict=True))
    for number, (ra, intervention) in enumerate(plans.items()):
        p.locator("#lista").get_by_role("link", name=ra, exact=True).click()
        p.wait_for_url(f"**/aluno/{ra}")
        form = p.get_by_role("form", name="Registrar acompanhamento")
        form.get_by_label("Intervenção").select_option(intervention)
        form.get_by_label("Situação").select_option("em andamento")
        form.get_by_label("Responsável").fill(f"Educadora {number + 1}")
        form.get_by_label("Início").fill("2025-03-10")
        form.get_by_label("Observação").fill("combinado com a família")
        form.get_by_role("button", name="Registrar acompanhamento").click()
        p.wait_for_url(f"**/aluno/{ra}")
        assert f"{intervention} — em andamento" in p.locator("main").inner_text()
        if number == 0:
            shot(p, "acompanhamento-aluno")
        p.get_by_role("link", name="← Voltar à lista").click()
        p.wait_for_url(f"{list_url}")
    # Filter "acompanhados": exactly the three, with their interventions.
    p.get_by_label("Prioridade: os N alunos de maior risco").fill("")
    p.get_by_label("Mostrar só os N prioritários").uncheck()
    p.get_by_label("Acompanhamento", exact=True).select_option("sim")
    p.get_by_role("button", name="Filtrar").click()
    p.wait_for_url("**acomp=sim**")
    rows = p.locator("#lista tbody tr").all()
    shown = {
        row.locator("td").nth(1).inner_text(): row.locator("td").nth(7).inner_text() for row in rows
    }
    assert set(shown) == set(ras)
    assert all(plans[ra] in text for ra, text in shown.items())
    shot(p, "lista-acompanhados")
    with p.expect_download() as download:
        p.get_by_role("link", name="Excel (.xlsx)").click()
    saved = tmp_path / "acompanhados.xlsx"
    download.value.save_as(saved)
    table = pd.read_excel(saved, sheet_name="Risco 2024", dtype=str)
    marked = table[table["Acompanhado"] == "sim"]
    assert dict(zip(marked["RA"], marked["Intervenções"], strict=True)) == plans
    assert set(marked["Situações"]) == {"em andamento"}
    # A reader, in another browser profile, sees the same records and has nothing to edit with.
    reader_sees_but_cannot_edit(browser, site, list_url, ras)


def reader_sees_but_cannot_edit(
    browser: Browser, site: Running, list_url: str, ras: list[str]
) -> None:
    """The "leitura" user opens the followed students: the records, and no form."""
    reader = browser.new_context(locale="pt-BR")
    r = reader.new_page()
    r.goto(f"{list_url}?acomp=sim&n=")
    r.wait_for_url("**/login**")
    log_in(r, site, password=site.reader_password, user=site.reader)
    r.wait_for_url("**acomp=sim**")
    assert r.locator("#lista tbody tr").count() == 3
    r.locator("#lista").get_by_role("link", name=ras[0], exact=True).click()
    r.wait_for_url(f"**/aluno/{ras[0]}")
    assert "papel leitura" in r.locator("main").inner_text()
    assert r.get_by_role("button", name="Registrar acompanhamento").count() == 0
    assert r.get_by_text("Editar").count() == 0
    shot(r, "acompanhamento-leitura")
    reader.close()


def test_next_years_upload_shows_how_last_years_list_turned_out(
    page: Page, site: Running, synthetic_workbook: Path
) -> None:
    p = page
    p.goto(site.url)
    p.get_by_label("Planilha da PEDE").set_input_files(str(synthetic_workbook))
    p.get_by_label("Ano a pontuar (opcional)").fill("2023")
    p.get_by_role("button", name="Enviar e pontuar").click()
    p.wait_for_url("**/resultado/**")
    assert "alunos de 2023" in p.get_by_role("heading", level=1).inner_text()
    # The next year's export (the 2024 sheet) brings the outcome of the 2023 list.
    p.goto(site.url)
    p.get_by_label("Planilha da PEDE").set_input_files(str(synthetic_workbook))
    p.get_by_role("button", name="Enviar e pontuar").click()
    p.wait_for_url("**/resultado/**")
    p.get_by_role("link", name="veja como ela se saiu").click()
    p.wait_for_url("**/desfechos/2023")
    heading = p.get_by_role("heading", level=1).inner_text()
    assert heading == "Desfecho da lista de 2023 (defasagem em 2024)"
    metrics = p.locator("#metricas tbody tr")
    assert metrics.count() == 5
    first = metrics.first.locator("td")
    assert first.nth(0).inner_text().startswith("0,")  # realized ROC-AUC
    assert " a " in first.nth(1).inner_text()  # its interval
    assert "alunos" in first.nth(2).inner_text()  # its count
    assert " a " in first.nth(4).inner_text()  # the estimate's interval
    assert p.get_by_role("img", name="Risco previsto contra taxa observada, por decil").is_visible()
    assert "não mede o efeito" in p.locator("#aviso-causal").inner_text()
    shot(p, "desfecho")
    p.get_by_role("link", name="Desfechos", exact=True).click()
    p.wait_for_url("**/desfechos")
    assert "PEDE 2023" in p.locator("#desfechos").inner_text()
