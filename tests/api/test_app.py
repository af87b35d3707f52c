"""The API through Flask's test client: contracts, strict validation in Portuguese, the log."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import load_bundle
from defasagem.monitoring.prediction_log import log_key, pseudonym, read_log
from defasagem.predict import score_record
from defasagem.records import year_records

STUDENT: dict[str, Any] = {
    "ra": "RA-1",
    "ano": 2024,
    "fase": "FASE 3",
    "fase_ideal": 4,
    "data_nascimento": "2012-05-01",
    "genero": "Feminino",
    "ieg": 6.5,
    "ida": 4.0,
    "inde": 6.1,
    "fase_anterior": 2,
    "ieg_anterior": 7.5,
}


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def client(synthetic_bundle: Path, logs: Path) -> FlaskClient:
    app = create_app(ApiSettings(synthetic_bundle, logs, max_batch=50, max_body=200_000))
    return app.test_client()


def test_health_ready_and_model(client: FlaskClient, synthetic_bundle: Path) -> None:
    assert client.get("/health").get_json(force=True) == {"status": "ok"}
    version = load_bundle(synthetic_bundle).version
    assert client.get("/ready").get_json(force=True) == {
        "status": "pronto",
        "versao_modelo": version,
        "banco": "ok",
    }
    model = client.get("/model").get_json(force=True)
    assert model["metadata"]["model_version"] == version
    assert model["metrics"]["test_transition"] == "2023->2024"
    assert "training_config" not in model["metadata"]


def test_ready_is_503_with_the_reason_until_a_bundle_loads(tmp_path: Path) -> None:
    client = create_app(ApiSettings(tmp_path / "nada", tmp_path / "logs")).test_client()
    assert client.get("/health").status_code == 200
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "não existe" in ready.get_json(force=True)["motivo"]
    assert client.post("/predict", json=STUDENT).status_code == 503


def test_one_student_is_scored_with_band_rank_reasons_and_imputed_fields(
    client: FlaskClient, synthetic_bundle: Path, logs: Path
) -> None:
    response = client.post("/predict", json=STUDENT, headers={"X-Request-ID": "pedido-1"})
    assert response.status_code == 200
    body = response.get_json(force=True)
    assert response.headers["X-Request-ID"] == body["request_id"] == "pedido-1"
    assert 0 <= body["probabilidade"] <= 1
    assert body["faixa"] in ("alto", "médio", "baixo")
    assert body["posicao"] == body["total"] == 1
    assert body["ra"] == "RA-1"
    assert "ipp" in body["imputados"]
    assert "ieg" not in body["imputados"]
    assert "defasagem" not in body["imputados"]  # derived from Fase and Fase Ideal
    for reason in body["motivos"]:
        assert reason["contribuicao"] > 0
        assert reason["texto"].startswith(reason["descricao"])
    logged = read_log(logs)
    assert len(logged) == 1
    assert logged.loc[0, "request_id"] == "pedido-1"
    assert logged.loc[0, "entrada_ra"] == pseudonym(log_key(logs, None), "RA-1")
    assert logged.loc[0, "probabilidade"] == pytest.approx(body["probabilidade"], abs=1e-6)


def test_a_batch_is_ranked_and_matches_single_requests(
    client: FlaskClient, synthetic_result: IngestResult
) -> None:
    records = list(year_records(synthetic_result.table, 2024).values())[:20]
    keep = {*STUDENT, "idade", "ipp", "ips", "iaa", "defasagem_anterior", "ida_anterior"}
    students = [
        json.loads(json.dumps({k: v for k, v in r.items() if k in keep}, default=_plain))
        for r in records
        if 0 <= r["fase"] <= 7
    ]
    batch = client.post("/predict", json={"students": students})
    assert batch.status_code == 200, batch.get_json(force=True)
    results = batch.get_json(force=True)["alunos"]
    assert sorted(r["posicao"] for r in results) == list(range(1, len(students) + 1))
    ordered = sorted(results, key=lambda r: r["posicao"])
    assert [r["probabilidade"] for r in ordered] == sorted(
        (r["probabilidade"] for r in results), reverse=True
    )
    for student, result in zip(students[:5], results[:5], strict=False):
        single = client.post("/predict", json=student).get_json(force=True)
        assert single["probabilidade"] == result["probabilidade"]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value.item()


def test_the_api_scores_like_the_scorer(client: FlaskClient, synthetic_bundle: Path) -> None:
    from defasagem.validation.record_schema import StudentRecord  # noqa: PLC0415

    expected = score_record(
        load_bundle(synthetic_bundle),
        StudentRecord.model_validate_json(json.dumps(STUDENT)).record(),
    )
    assert client.post("/predict", json=STUDENT).get_json(force=True)[
        "probabilidade"
    ] == pytest.approx(expected.probability, abs=1e-6)


def test_every_problem_is_listed_in_portuguese_and_nothing_is_logged(
    client: FlaskClient, logs: Path
) -> None:
    bad = {
        "ano": 2024,
        "fase": 8,
        "ieg": True,
        "ida": 11,
        "iaa": "7",
        "idade": 100,
        "data_nascimento": "2012-13-01",
        "genero": "X",
        "foo": 1,
    }
    response = client.post("/predict", json=bad)
    assert response.status_code == 422
    by_field = {p["campo"]: p for p in response.get_json(force=True)["erros"]}
    assert set(by_field) == {
        "fase", "ieg", "ida", "iaa", "idade", "data_nascimento", "genero", "foo",
    }  # fmt: skip
    assert "Fase 8" in by_field["fase"]["motivo"]
    assert by_field["ieg"]["valor"] is True
    assert "número" in by_field["ieg"]["motivo"]
    assert by_field["ida"]["motivo"] == "deve ser no máximo 10,05"
    assert by_field["foo"]["motivo"] == "campo desconhecido"
    assert "Feminino" in by_field["genero"]["motivo"]
    assert not logs.exists() or read_log(logs).empty


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"students": []}, 422, "students"),
        ({"students": [{"ano": 2024}]}, 422, "students[0].fase"),
        ({"students": [STUDENT] * 51}, 413, "students"),
        ([STUDENT], 422, "corpo"),
        ({"ano": 2024, "fase": 3, "fase_ideal": 5, "defasagem": 1}, 422, "defasagem"),
        ({"ano": 2024, "fase": 3, "ano_ingresso": 2030}, 422, "ano_ingresso"),
        ({"ano": 2024, "fase": 3, "data_nascimento": "2023-01-01"}, 422, "data_nascimento"),
        (
            {"ano": 2024, "fase": 3, "ano_nascimento": 2010, "data_nascimento": "2011-01-01"},
            422,
            "ano_nascimento",
        ),
        ({"ano": 1900, "fase": 3}, 422, "ano"),
        ({"ano": 2024, "fase": "FASE X"}, 422, "fase"),
    ],
)
def test_bad_requests_get_a_4xx_naming_the_field(
    client: FlaskClient, body: object, status: int, field: str
) -> None:
    response = client.post("/predict", json=body)
    assert response.status_code == status
    assert field in [p["campo"] for p in response.get_json(force=True)["erros"]]


def test_wrong_content_oversized_bodies_and_unknown_routes_are_json_4xx(
    client: FlaskClient,
) -> None:
    assert client.post("/predict", data="{}", content_type="text/plain").status_code == 415
    invalid = client.post("/predict", data="{nope", content_type="application/json")
    assert invalid.status_code == 400
    assert invalid.get_json(force=True)["erros"][0]["motivo"] == "o corpo não é JSON válido"
    huge = client.post("/predict", data="x" * 300_000, content_type="application/json")
    assert huge.status_code == 413
    assert "corpo grande demais" in huge.get_json(force=True)["erro"]
    assert client.get("/nada").get_json(force=True) == {"erro": "rota não encontrada"}
    assert client.get("/predict").status_code == 405


def test_logs_export_writes_one_table(
    client: FlaskClient, logs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from defasagem.cli import main  # noqa: PLC0415

    client.post("/predict", json={"students": [STUDENT, {**STUDENT, "ra": None}]})
    # A line cut short by a killed worker is skipped, never half-read.
    with next(logs.glob("*.jsonl")).open("a", encoding="utf-8") as handle:
        handle.write('{"request_id": "cortado"')
    out = tmp_path / "log.parquet"
    assert main(["logs", "export", "--logs", str(logs), "--out", str(out)]) == 0
    assert "2 previsões gravadas" in capsys.readouterr().out
    assert main(["logs", "export", "--logs", str(tmp_path / "nada"), "--out", str(out)]) == 2
    shutil.rmtree(logs)


def test_prometheus_metrics_count_requests_bands_and_show_the_model(
    client: FlaskClient, synthetic_bundle: Path
) -> None:
    client.post("/predict", json=STUDENT)
    client.get("/nada/de/nada")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'defasagem_requests_total{endpoint="/predict",status="200"}' in text
    assert 'endpoint="desconhecida",status="404"' in text
    assert "defasagem_request_seconds_bucket" in text
    assert "defasagem_predictions_total{faixa=" in text
    version = load_bundle(synthetic_bundle).version
    assert f'defasagem_model_info{{versao="{version}"}} 1.0' in text


def test_the_spec_is_generated_and_its_example_is_scored(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json(force=True)
    assert spec["openapi"] == "3.1.0"
    assert {"/health", "/ready", "/predict", "/model", "/metrics"} <= set(spec["paths"])
    # The token is documented where it is required, and only there.
    scheme = spec["components"]["securitySchemes"]["token"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert spec["paths"]["/predict"]["post"]["security"] == [{"token": []}]
    assert "401" in spec["paths"]["/predict"]["post"]["responses"]
    assert "security" not in spec["paths"]["/health"]["get"]
    record = spec["components"]["schemas"]["StudentRecord"]
    assert record["required"] == ["ano", "fase"]
    assert record["additionalProperties"] is False
    assert all(p.get("description") for p in record["properties"].values())
    examples = spec["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    example = examples["examples"]["um_aluno"]["value"]
    assert set(example) == set(record["properties"])  # complete: every field filled
    response = client.post("/predict", json=example)
    assert response.status_code == 200
    assert response.get_json(force=True)["imputados"] == []
    batch = client.post("/predict", json=examples["examples"]["lote"]["value"])
    assert batch.status_code == 200


def test_the_docs_page_uses_only_local_assets(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'lang="pt-BR"' in html
    assert "<code>ieg</code>" in html
    assert "http://" not in html.replace("http://localhost:8000", "")
    assert "https://" not in html
    assert "<script" not in html
    css = client.get("/static/docs.css")
    assert css.status_code == 200
    assert css.mimetype == "text/css"


def test_an_integer_beyond_64_bits_is_refused_and_echoed(client: FlaskClient) -> None:
    huge = 2**70
    answer = client.post(
        "/predict", data=f'{{"ano": {huge}, "fase": 3}}', content_type="application/json"
    )
    assert answer.status_code == 422
    problem = answer.get_json(force=True)["erros"][0]
    assert problem["campo"] == "ano"
    assert problem["valor"] == huge


def test_a_gender_outside_the_list_is_explained_in_portuguese(client: FlaskClient) -> None:
    answer = client.post("/predict", json={"ano": 2024, "fase": 3, "genero": "Outro"})
    assert answer.status_code == 422
    problem = answer.get_json(force=True)["erros"][0]
    assert problem["campo"] == "genero"
    assert problem["motivo"] == 'valor não aceito; use "Feminino" ou "Masculino"'
