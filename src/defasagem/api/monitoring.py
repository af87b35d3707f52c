"""The drift pages: ``GET /monitoring``, ``POST /monitoring/run`` and the Evidently report.

A run takes a few seconds, so it runs inside the request. A lock file held for the run makes a
second run (from any gunicorn worker) answer 409 instead of computing the same report twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, render_template, request, send_file, url_for

from defasagem.api.responses import see_other
from defasagem.api.settings import ApiSettings
from defasagem.errors import DefasagemError
from defasagem.features import DESCRIPTIONS
from defasagem.modeling.bundle import Bundle
from defasagem.modeling.metrics import METRIC_TITLES, metric_text
from defasagem.monitoring.drift import (
    MIN_ROWS,
    REPORT_HTML,
    RunInProgressError,
    compute_drift,
    exclusive_run,
    read_summary,
)
from defasagem.monitoring.performance_estimate import ASSUMPTIONS, ESTIMATED
from defasagem.ptbr import number, percent
from defasagem.store.faults import StoreUnavailableError
from defasagem.store.service import Store

BAR_WIDTH = 160
# A run from the page covers the recent traffic: reading years of log would outlast a request.
PAGE_WINDOW = dt.timedelta(days=90)


def register(
    app: Flask,
    settings: ApiSettings,
    bundle_of: Callable[[], Bundle | None],
    as_json: Callable[[Any, int], Response],
    store: Store,
) -> None:
    """Add the monitoring routes to ``app``."""
    folder = settings.reports_dir

    def page(error: str | None = None, status: int = 200) -> Response:
        summary = read_summary(folder)
        try:
            stored = store.year_lists.latest()
        except StoreUnavailableError:  # the drift part of the page works without the database
            stored = None
        html = render_template(
            "monitoring.html",
            summary=_displayed(summary) if summary else None,
            rows=_rows(summary) if summary else [],
            error=error,
            min_rows=MIN_ROWS,
            estimate=(summary or {}).get("performance_estimate"),
            stored=stored,
            estimate_names=ESTIMATE_NAMES,
            assumptions=ASSUMPTIONS,
            shown=metric_text,
        )
        return Response(html, status=status, mimetype="text/html")

    @app.get("/monitoring")
    def monitoring() -> Response:
        return page()

    @app.get("/monitoring/relatorio")
    def monitoring_report() -> Response:
        path = folder / REPORT_HTML
        if not path.is_file():
            return page("nenhum relatório de drift calculado ainda.", 404)
        # Absolute: Flask resolves a relative path from the package, not the working folder.
        return send_file(path.resolve(), mimetype="text/html", max_age=0)

    @app.post("/monitoring/run")
    def monitoring_run() -> Response:
        wants_json = request.accept_mimetypes.best == "application/json" or request.is_json
        bundle = bundle_of()
        if bundle is None:
            message = "o modelo não está carregado; veja /ready"
            return as_json({"erro": message}, 503) if wants_json else page(message, 503)
        try:
            with exclusive_run(folder):
                if not settings.logs_dir.is_dir():  # created by the first prediction
                    raise DefasagemError(
                        f"só 0 predição(ões) no log; são necessárias pelo menos {MIN_ROWS} para "
                        "um relatório de drift confiável. Espere mais uso da API."
                    )
                since = dt.datetime.now(dt.UTC) - PAGE_WINDOW
                summary = compute_drift(bundle, settings.logs_dir, folder, since=since)
        except RunInProgressError as exc:
            return as_json({"erro": str(exc)}, 409) if wants_json else page(str(exc), 409)
        except DefasagemError as exc:
            return as_json({"erro": str(exc)}, 422) if wants_json else page(str(exc), 422)
        if wants_json:
            return as_json(summary, 200)
        return see_other(url_for("monitoring"))


ESTIMATE_NAMES = {key: METRIC_TITLES[key] for key in ESTIMATED}


def _displayed(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with the texts the page shows (decimal commas, dates without seconds)."""
    prediction = summary["prediction"]
    return {
        **summary,
        "computed_at_text": _moment(summary["computed_at"]),
        "share_text": percent(summary["share_drifted"]),
        "window": {
            **summary["window"],
            "first_text": _moment(summary["window"]["first"]),
            "last_text": _moment(summary["window"]["last"]),
        },
        "prediction": {**prediction, "statistic_text": _statistic(prediction["statistic"])},
    }


def _rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per feature, the largest change (relative to its threshold) first."""
    rows = []
    for name, entry in summary["features"].items():
        statistic, threshold = entry["statistic"], entry["threshold"]
        ratio = 0.0 if statistic is None else statistic / threshold
        # The threshold line sits at 40 % of the bar; the bar stops at 2.5× the threshold.
        rows.append(
            {
                **entry,
                "name": name,
                "description": DESCRIPTIONS.get(name, name),
                "ratio": ratio,
                "bar": round(min(ratio, 2.5) / 2.5 * BAR_WIDTH, 1),
                "mark": round(BAR_WIDTH * 0.4, 1),
                "statistic_text": _statistic(statistic),
                "threshold_text": _statistic(threshold),
                "missing_text": (
                    f"{percent(entry['missing_reference'])} → {percent(entry['missing_current'])}"
                ),
            }
        )
    return sorted(rows, key=lambda r: (not r["drifted"], -r["ratio"], r["name"]))


def _statistic(value: float | None) -> str:
    return "—" if value is None else number(value, 3)


def _moment(text: str) -> str:
    """``2026-11-28T13:05:00+00:00`` → ``28/11/2026 13:05``."""
    return f"{text[8:10]}/{text[5:7]}/{text[0:4]} {text[11:16]}"
