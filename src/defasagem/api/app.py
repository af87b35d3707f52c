"""The Flask app factory: thin routes over the schemas, the scorer and the prediction log."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from flask import Flask, Response, g, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from defasagem.api import auth, cycle_pages, followup_pages, metrics, monitoring, pages
from defasagem.api.docs import docs_page
from defasagem.api.model_holder import ModelHolder
from defasagem.api.openapi import openapi_document
from defasagem.api.responses import page_error
from defasagem.api.settings import ApiSettings
from defasagem.errors import DefasagemError
from defasagem.features import DESCRIPTIONS
from defasagem.modeling.bundle import Bundle
from defasagem.monitoring.prediction_log import PredictionLog, log_key
from defasagem.predict import ScoredRecord, score_records
from defasagem.store.faults import StoreUnavailableError
from defasagem.store.service import Store
from defasagem.validation.problems import problems
from defasagem.validation.record_schema import OPTIONAL, Batch, StudentRecord


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    try:
        text = orjson.dumps(body, default=str)
    except TypeError:  # an integer beyond 64 bits echoed back in an error: the slow encoder
        text = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
    return Response(text, status=status, mimetype="application/json", headers=headers)


def create_app(settings: ApiSettings) -> Flask:
    """The API. A bundle that fails to load leaves the server alive and ``/ready`` at 503."""
    here = Path(__file__).parent
    app = Flask(
        "defasagem", static_folder=str(here / "static"), template_folder=str(here / "templates")
    )
    # The larger limit for the whole app; /predict lowers it to max_body per request.
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_body, settings.max_upload)
    log = PredictionLog(settings.logs_dir)
    try:
        log.key = None if settings.raw_ra else log_key(settings.logs_dir, settings.log_key)
    except DefasagemError as exc:  # the server stays up, /ready says why
        holder = ModelHolder(settings.model_dir, failed=str(exc))
    else:  # a bundle that fails to load leaves the holder's problem set, the server alive
        holder = ModelHolder(settings.model_dir, on_switch=_announce)
    store = _open_store(app, settings)

    _install_hooks(app, settings)
    _protect(app, settings)

    _docs_routes(app, settings)
    monitoring.register(app, settings, lambda: holder.bundle, _json, store)
    pages.register(app, settings, lambda: holder.bundle, lambda: holder.problem, store)
    followup_pages.register(app, settings, store)
    cycle_pages.register(app, settings, store)

    @app.get("/health")
    def health() -> Response:
        return _json({"status": "ok"})

    @app.get("/ready")
    def ready() -> Response:
        bundle: Bundle | None = holder.bundle
        if bundle is None:
            return _json({"status": "indisponível", "motivo": holder.problem}, 503)
        if (problem := store.problem()) is not None:
            return _json({"status": "indisponível", "motivo": problem}, 503)
        body = {"status": "pronto", "versao_modelo": bundle.version, "banco": "ok"}
        if holder.switch_problem is not None:  # still serving the previous version
            body["aviso"] = f"a versão atual da pasta não carregou: {holder.switch_problem}"
        return _json(body)

    @app.get("/model")
    def model() -> Response:
        bundle: Bundle | None = holder.bundle
        if bundle is None:
            return _json({"erro": holder.problem}, 503)
        metadata = {k: v for k, v in bundle.metadata.items() if k != "training_config"}
        return _json({"metadata": metadata, "metrics": bundle.metrics})

    @app.post("/predict")
    def predict() -> Response:
        bundle: Bundle | None = holder.bundle
        if bundle is None:
            return _json({"erro": holder.problem}, 503)
        if not request.is_json:
            return _json({"erro": "envie JSON com o cabeçalho Content-Type: application/json"}, 415)
        body = request.get_data(cache=False)
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            return _json(
                {"erros": [{"campo": "corpo", "motivo": "o corpo não é JSON válido"}]}, 400
            )
        is_batch = isinstance(parsed, dict) and "students" in parsed
        students = parsed.get("students") if is_batch else None
        if isinstance(students, list) and len(students) > settings.max_batch:
            limit = f"no máximo {settings.max_batch} alunos por pedido (recebidos {len(students)})"
            return _json({"erros": [{"campo": "students", "motivo": limit}]}, 413)
        try:
            records = (
                Batch.model_validate_json(body).students
                if is_batch
                else [StudentRecord.model_validate_json(body)]
            )
        except ValidationError as exc:
            return _json({"erros": problems(exc)}, 422)
        inputs = [r.record() for r in records]
        results = _score_and_log(bundle, inputs, log, g.request_id)
        header = {"request_id": g.request_id, "versao_modelo": bundle.version}
        if is_batch:
            return _json({**header, "alunos": results})
        return _json({**header, **results[0]})

    return app


def _announce(previous: Bundle | None, bundle: Bundle) -> None:
    """The Prometheus gauge follows the version being served."""
    if previous is not None:
        metrics.MODEL.labels(versao=previous.version).set(0)
    metrics.MODEL.labels(versao=bundle.version).set(1)


def _docs_routes(app: Flask, settings: ApiSettings) -> None:
    """The API's documentation (built once) and the Prometheus metrics."""

    @app.get("/metrics")
    def prometheus() -> Response:
        text, content_type = metrics.exposition(settings.reports_dir)
        return Response(text, mimetype=content_type.split(";")[0])

    page = docs_page(document := openapi_document())

    @app.get("/openapi.json")
    def openapi() -> Response:
        return _json(document)

    @app.get("/docs")
    def docs() -> Response:
        return Response(page, mimetype="text/html")


def _open_store(app: Flask, settings: ApiSettings) -> Store:
    """Lists and follow-ups: a database that is down keeps /predict working and /ready at 503."""
    store = Store(settings.database_url)
    if (problem := store.start()) is not None:
        app.logger.error("banco de dados indisponível: %s", problem)
    app.extensions["defasagem_store"] = store
    return store


def _install_hooks(app: Flask, settings: ApiSettings) -> None:
    """Request ids, metrics of every request, and JSON errors in Portuguese (never a trace)."""

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if 0 < len(given) <= 64 and given.isprintable() else uuid.uuid4().hex
        g.started = time.perf_counter()
        # Without access control (tests, --no-auth) everyone edits as "local"; the guard of
        # defasagem.api.auth sets both from the login or the token when it is on.
        g.client, g.can_edit = "local", settings.auth is None
        g.can_admin = settings.auth is None
        if request.path == "/predict":
            request.max_content_length = settings.max_body
        elif request.path == "/pontuar":
            request.max_content_length = settings.max_upload

    @app.after_request
    def _echo_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.update(security_headers(request.path))
        if request.path.startswith(PRIVATE_PREFIXES):  # named children: never in a cache
            response.headers["Cache-Control"] = "no-store"
        # Known routes only as labels: a scan of random URLs must not grow the metrics.
        endpoint = request.url_rule.rule if request.url_rule is not None else "desconhecida"
        metrics.REQUESTS.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        metrics.LATENCY.labels(endpoint=endpoint).observe(
            time.perf_counter() - g.get("started", time.perf_counter())
        )
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        messages = {
            404: "rota não encontrada",
            405: "método não permitido nesta rota",
            413: f"corpo grande demais (máximo de {settings.max_body // (1024 * 1024)} MB)",
        }
        code = exc.code or 500
        if code == 413 and request.path == "/pontuar":  # the upload page, not JSON
            limit = settings.max_upload // (1024 * 1024)
            page = app.config["UPLOAD_ERROR_PAGE"]
            return page(f"o arquivo passa do limite de {limit} MB.", 413)  # type: ignore[no-any-return]
        if _is_page():
            # Werkzeug's own descriptions are English: only ours (set by abort) are shown.
            own = exc.description if exc.description != type(exc).description else None
            texts = {
                404: "página não encontrada",
                405: "use o formulário da página",
                413: "o formulário enviado é grande demais",
            }
            message = own or texts.get(code, messages.get(code, "erro"))
            return page_error(message, code)
        return _json({"erro": messages.get(code, exc.description or "erro")}, code)

    @app.errorhandler(StoreUnavailableError)
    def _store_down(exc: StoreUnavailableError) -> Response:  # full disk, PostgreSQL down...
        app.logger.error("banco de dados indisponível: %s", exc)
        if _is_page():
            return page_error(str(exc), 503)
        return _json({"erro": str(exc)}, 503, {"Retry-After": "30"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:  # never a stack trace to the client
        app.logger.exception("erro inesperado")
        if _is_page():
            return page_error("erro interno do servidor; tente de novo", 500)
        return _json({"erro": "erro interno; o pedido não foi pontuado"}, 500)


# No inline script or style on our pages; Evidently's self-contained report is the exception
# (its scripts are inline), so it gets its own policy, still with no network access.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
CSP_EVIDENTLY = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; frame-ancestors 'none'"
)


_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts, and no
    # address (a result token included) is ever sent to another site.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Built once: every answer, the single /predict included, only copies them.
_HEADERS_EVIDENTLY = {**_HEADERS, "Content-Security-Policy": CSP_EVIDENTLY}


def security_headers(path: str) -> dict[str, str]:
    """The headers every answer carries."""
    return _HEADERS_EVIDENTLY if path == "/monitoring/relatorio" else _HEADERS


PRIVATE_PREFIXES = ("/resultado/", "/login", "/acompanhamentos", "/desfechos", "/modelos")

# The pages a person opens in a browser: their errors are pages too, not JSON.
PAGE_PREFIXES = (
    "/pontuar", "/resultado/", "/modelo", "/monitoring", "/login", "/sair", "/acompanhamentos",
    "/desfechos",
)  # fmt: skip


def _protect(app: Flask, settings: ApiSettings) -> None:
    """Access control, when configured (see :mod:`defasagem.api.auth`)."""
    app.jinja_env.globals["csrf_input"] = lambda: ""
    if settings.auth is None:
        return
    try:
        auth.install(app, settings.auth, json_error=_json, is_page=_is_page)
    except DefasagemError as exc:  # an unreadable access folder must lock, not open, the doors
        _lock_out(app, str(exc))


def _lock_out(app: Flask, problem: str) -> None:
    """Access control that cannot be read refuses everything but the liveness check."""

    @app.before_request
    def _refuse() -> Response | None:
        if request.path == "/health":  # alive, but /ready says it cannot serve
            return None
        return _json({"erro": f"controle de acesso indisponível: {problem}"}, 503)


def _is_page() -> bool:
    path = request.path
    return path == "/" or path.startswith(PAGE_PREFIXES)


def _score_and_log(
    bundle: Bundle, inputs: list[dict[str, Any]], log: PredictionLog, request_id: str
) -> list[dict[str, Any]]:
    """Score the validated records, append them to the log (durably), then build the answer:
    a record is logged before its response can exist."""
    scored = score_records(bundle, inputs)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    log.append(
        {
            "request_id": request_id,
            "horario": now,
            "versao_modelo": bundle.version,
            "entrada": log.private(record),
            "variaveis": result.features,
            "probabilidade": result.probability,
            "faixa": result.band,
        }
        for record, result in zip(inputs, scored, strict=True)
    )
    for band, count in Counter(result.band for result in scored).items():
        metrics.PREDICTIONS.labels(faixa=band).inc(count)
    ranks = _ranks([s.probability for s in scored])
    return [
        _result(record, result, rank, len(scored))
        for record, result, rank in zip(inputs, scored, ranks, strict=True)
    ]


def _ranks(probabilities: list[float]) -> list[int]:
    order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
    ranks = [0] * len(probabilities)
    for position, index in enumerate(order, start=1):
        ranks[index] = position
    return ranks


def _result(record: dict[str, Any], scored: ScoredRecord, rank: int, total: int) -> dict[str, Any]:
    out: dict[str, Any] = {} if record["ra"] is None else {"ra": record["ra"]}
    out.update(
        probabilidade=round(scored.probability, 6),
        faixa=scored.band,
        sinalizado=scored.flagged,
        posicao=rank,
        total=total,
        motivos=[
            {
                "variavel": r.feature,
                "descricao": DESCRIPTIONS[r.feature],
                "valor": r.shown_value,
                "contribuicao": round(r.contribution, 4),
                "texto": r.text,
            }
            for r in scored.reasons
        ],
        # Fields the model did without (a Defasagem derived from Fase Ideal is not imputed).
        imputados=[name for name in OPTIONAL if record[name] is None],
    )
    return out
