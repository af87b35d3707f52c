"""The yearly cycle's pages: how last year's list turned out, and the model versions.

``/desfechos`` shows each measured year: realized figures beside the estimate made when the
list was scored, calibration by band and as a plot, followed and not followed. ``/modelos`` is
for the "administracao" role: the versions, each challenger against the champion, promotion and
rollback (recorded; every worker picks the new champion up within seconds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, g, render_template, request, url_for
from markupsafe import Markup

from defasagem.api.followup_pages import EXCEL, actor
from defasagem.api.responses import page_error, see_other
from defasagem.api.settings import ApiSettings
from defasagem.champion import promote, rollback
from defasagem.errors import DefasagemError
from defasagem.modeling import versions
from defasagem.modeling.comparison import METRIC_NAMES
from defasagem.modeling.metrics import ci_text, metric_text
from defasagem.monitoring.performance_estimate import ASSUMPTIONS
from defasagem.ptbr import number, percent
from defasagem.store.followups import local_time
from defasagem.store.service import Store
from defasagem.store.year_lists import OutcomeReport
from defasagem.yearly_outcomes import report_workbook, summary_rows

ADMIN_ONLY = (
    "só o papel administracao troca a versão do modelo. Peça a quem administra o servidor "
    "(defasagem users role NOME administracao)."
)


def can_admin() -> bool:
    """Whether this request may promote or roll back model versions."""
    return bool(g.get("can_admin", False))


def register(app: Flask, settings: ApiSettings, store: Store) -> None:
    """Add the outcome and model-version pages to ``app``."""
    app.jinja_env.globals.update(can_admin=can_admin)

    @app.get("/desfechos")
    def outcomes_page() -> Response:
        years = store.year_lists.report_years()
        reports = [store.year_lists.report(year) for year in years]
        html = render_template("outcomes.html", reports=[r for r in reports if r is not None])
        return Response(html, mimetype="text/html")

    def report_of(ano: int) -> OutcomeReport:
        found = store.year_lists.report(ano)
        if found is None:
            abort(404, f"não há desfecho medido da lista de {ano}")
        return found

    @app.get("/desfechos/<int(min=1900, max=2999):ano>")
    def outcome_page(ano: int) -> Response:
        found = report_of(ano)
        report = found.report
        html = render_template(
            "outcome.html",
            found=found,
            report=report,
            rows=[_shown(row) for row in summary_rows(report)],
            plot=calibration_svg(report["calibration_curve"]),
            assumptions=ASSUMPTIONS,
            percent=percent,
            number=number,
            interval=ci_text,
        )
        return Response(html, mimetype="text/html")

    @app.get("/desfechos/<int(min=1900, max=2999):ano>.xlsx")
    def outcome_download(ano: int) -> Response:
        response = Response(report_workbook(report_of(ano).report), mimetype=EXCEL)
        response.headers["Content-Disposition"] = f'attachment; filename="desfecho_{ano}.xlsx"'
        return response

    _version_routes(app, settings, store)


def _version_routes(app: Flask, settings: ApiSettings, store: Store) -> None:
    models = settings.model_dir

    def refuse() -> Response | None:
        if not can_admin():
            return page_error(ADMIN_ONLY, 403)
        return None

    @app.get("/modelos")
    def versions_page() -> Response:
        if (refused := refuse()) is not None:
            return refused
        return _versions_view(models, store)

    @app.post("/modelos/promover")
    def promote_version() -> Response:
        if (refused := refuse()) is not None:
            return refused
        try:
            promote(
                models,
                request.form.get("versao", ""),
                who=actor(),
                reason=request.form.get("motivo", ""),
                promotions=store.promotions,
                expected=request.form.get("atual") or None,
            )
        except DefasagemError as exc:
            return _versions_view(models, store, error=str(exc), status=422)
        return see_other(url_for("versions_page"))

    @app.post("/modelos/reverter")
    def rollback_version() -> Response:
        if (refused := refuse()) is not None:
            return refused
        try:
            rollback(
                models, who=actor(), reason=request.form.get("motivo", ""),
                promotions=store.promotions, expected=request.form.get("atual") or None,
            )  # fmt: skip
        except DefasagemError as exc:
            return _versions_view(models, store, error=str(exc), status=422)
        return see_other(url_for("versions_page"))


def _versions_view(
    models: Path, store: Store, *, error: str | None = None, status: int = 200
) -> Response:
    registry = versions.is_registry(models)
    try:
        found = versions.summaries(models) if registry else []
        current = versions.champion(models) if registry else None
    except DefasagemError as exc:  # an unreadable or edited pointer: say so, as a page
        return page_error(str(exc), 503)
    comparisons = {
        v.name: versions.read_comparison(models, v.name) for v in found if not v.champion
    }
    html = render_template(
        "versions.html",
        registry=registry,
        current=current,
        models=models,
        versions=found,
        comparisons=comparisons,
        names=METRIC_NAMES,
        history=list(reversed(store.promotions.history())),
        error=error,
        number=number,
        percent=percent,
        local_time=local_time,
        metric_text=metric_text,
    )
    return Response(html, status=status, mimetype="text/html")


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A summary row as text: percentages for precision and recall, decimals otherwise."""

    def shown(value: float | None) -> str:
        return metric_text(row["key"], value)

    return {
        "metric": row["metric"],
        "realized": shown(row["realized"]),
        "realized_ci": ci_text(row["realized_ci"], shown),
        "count": row["count"],
        "estimated": shown(row["estimated"]),
        "estimated_ci": ci_text(row["estimated_ci"], shown),
        "estimated_same": shown(row["estimated_same"]),
        "estimated_same_ci": ci_text(row["estimated_same_ci"], shown),
    }


def calibration_svg(curve: list[dict[str, Any]], size: int = 320) -> Markup:
    """Predicted against observed risk, each group a dot with its 95 % interval, and the
    diagonal of perfect calibration (numbers only: nothing a user typed reaches the SVG)."""
    pad = 48
    span = size - 2 * pad

    def x(value: float) -> float:
        return pad + span * value

    def y(value: float) -> float:
        return size - pad - span * value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" '
        f'height="{size}" role="img" aria-labelledby="calibracao-titulo">',
        '<title id="calibracao-titulo">Risco previsto contra taxa observada, por decil</title>',
        f'<rect x="{pad}" y="{pad}" width="{span}" height="{span}" fill="none" stroke="#999"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#999" '
        'stroke-dasharray="4 4"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        label = percent(tick)
        parts.append(
            f'<text x="{x(tick)}" y="{size - pad + 16}" text-anchor="middle" '
            f'font-size="11">{label}</text>'
        )
        parts.append(
            f'<text x="{pad - 6}" y="{y(tick) + 4}" text-anchor="end" font-size="11">{label}</text>'
        )
    parts.append(
        f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle" font-size="12">'
        "risco previsto</text>"
    )
    parts.append(
        f'<text x="12" y="{size / 2}" text-anchor="middle" font-size="12" '
        f'transform="rotate(-90 12 {size / 2})">taxa observada</text>'
    )
    for row in curve:
        observed = row["observed"]
        if observed["value"] is None:
            continue
        cx, cy = x(float(row["predicted"])), y(float(observed["value"]))
        low, high = observed["ci"]
        parts.append(
            f'<line x1="{cx:.1f}" y1="{y(low):.1f}" x2="{cx:.1f}" y2="{y(high):.1f}" '
            'stroke="#1f5fa8"/>'
        )
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#1f5fa8"/>')
    parts.append("</svg>")
    # Safe as markup: built from numbers and fixed text only.
    return Markup("".join(parts))
