"""The monitoring page, the on-demand run and the drift figures in /metrics (issue 5)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from builders import log_traffic
from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.data.ingest import IngestResult
from defasagem.monitoring.drift import REPORT_JSON, exclusive_run
from defasagem.monitoring.simulator import requests_of_year, sample

JSON = {"Accept": "application/json"}


@pytest.fixture
def settings(synthetic_bundle: Path, tmp_path: Path) -> ApiSettings:
    return ApiSettings(synthetic_bundle, tmp_path / "logs", reports=tmp_path / "relatorios")


@pytest.fixture
def client(settings: ApiSettings) -> FlaskClient:
    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def students(synthetic_result: IngestResult) -> list[dict[str, Any]]:
    valid, _ = requests_of_year(synthetic_result.table)
    return sample(valid, 300, "engagement", 2)


def test_without_a_report_the_page_says_so_and_offers_a_run(client: FlaskClient) -> None:
    page = client.get("/monitoring")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Nenhum relatório calculado ainda" in text
    assert 'action="/monitoring/run"' in text
    assert client.get("/monitoring/relatorio").status_code == 404
    assert b"defasagem_drift_share" not in client.get("/metrics").data


def test_too_few_predictions_is_a_4xx_with_the_reason_and_the_page_stays_usable(
    client: FlaskClient,
) -> None:
    page = client.post("/monitoring/run")
    assert page.status_code == 422
    assert re.search(r'role="alert">.*só 0 predição', page.get_data(as_text=True), re.S)
    assert 'action="/monitoring/run"' in page.get_data(as_text=True)
    answer = client.post("/monitoring/run", headers=JSON)
    assert answer.status_code == 422
    assert "pelo menos 100" in answer.get_json(force=True)["erro"]


def test_a_run_fills_the_page_the_report_and_the_metrics(
    client: FlaskClient, settings: ApiSettings, students: list[dict[str, Any]]
) -> None:
    log_traffic(settings.model_dir, settings.logs_dir, students)
    run = client.post("/monitoring/run")
    assert run.status_code == 303
    assert run.headers["Location"].endswith("/monitoring")
    assert (settings.reports_dir / REPORT_JSON).is_file()
    text = client.get("/monitoring").get_data(as_text=True)
    assert "<strong>300</strong> previsões" in text
    # IEG fell: it is listed among the drifted features, first rows of the table.
    first_rows = text.split('id="variaveis"')[1].split("<tbody>")[1].split("</tr>")[:4]
    assert any("<code>ieg</code>" in row and "<strong>sim</strong>" in row for row in first_rows)
    report = client.get("/monitoring/relatorio")
    assert report.status_code == 200
    assert report.mimetype == "text/html"
    metrics = client.get("/metrics").get_data(as_text=True)
    drifted = re.search(r"^defasagem_drift_features (\S+)$", metrics, re.M)
    assert drifted is not None
    assert float(drifted.group(1)) >= 2
    assert re.search(r"^defasagem_drift_report_timestamp_seconds \d", metrics, re.M)
    answer = client.post("/monitoring/run", headers=JSON).get_json(force=True)
    assert "ieg" in answer["drifted_features"]
    # Beside the drift, the performance estimated from the window's probabilities alone.
    estimate = answer["performance_estimate"]
    assert estimate["n"] == 300
    low, high = estimate["roc_auc"]["ci"]
    assert 0.5 < low <= estimate["roc_auc"]["estimate"] <= high < 1
    assert 'id="estimativa"' in text
    assert "as probabilidades estão calibradas" in html.unescape(text)


def test_a_second_run_is_refused_while_one_is_running(
    client: FlaskClient, settings: ApiSettings
) -> None:
    with exclusive_run(settings.reports_dir):
        answer = client.post("/monitoring/run", headers=JSON)
        page = client.post("/monitoring/run")
    assert answer.status_code == 409
    assert "já está sendo calculado" in answer.get_json(force=True)["erro"]
    assert page.status_code == 409
    # The lock is released afterwards.
    assert client.post("/monitoring/run", headers=JSON).status_code == 422


def test_without_a_model_a_run_is_503(tmp_path: Path) -> None:
    client = create_app(ApiSettings(tmp_path / "sem-modelo", tmp_path / "logs")).test_client()
    assert client.post("/monitoring/run").status_code == 503
    assert client.get("/monitoring").status_code == 200
