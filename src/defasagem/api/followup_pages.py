"""Follow-up (acompanhamento) pages: record whom the team follows and how, see a student's
history across years, export the whole record.

Writes need the "coordenacao" role (or an API token); a "leitura" user sees everything and gets
a 403 page on any write. Every write names the version it started from (optimistic
concurrency): a stale one gets a 409 page with the current record, never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from flask import Flask, Response, abort, g, render_template, request, url_for

from defasagem.api.responses import page_error, see_other
from defasagem.api.settings import ApiSettings
from defasagem.followup_export import export_bytes, inert
from defasagem.store.followups import (
    BRASILIA,
    STATUSES,
    Followup,
    FollowupConflictError,
    FollowupDraft,
    FollowupError,
    FollowupNotFoundError,
    local_time,
    parse_draft,
)
from defasagem.store.service import Store

# Where a form may send the browser back to: a page of this site, never another host.
_BACK = re.compile(r"/(resultado|acompanhamentos)(/[A-Za-z0-9_.\-/]*)?(\?[A-Za-z0-9_=&%.\-]*)?")
# An RA as the spreadsheets have it (spaces and ':' included), without what would break an
# address or the database: slashes and control characters.
_RA = re.compile(r"[^/\\\x00-\x1f\x7f-\x9f]{1,64}")
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
READ_ONLY = (
    "seu usuário tem o papel leitura: ele vê as listas e os acompanhamentos, mas não pode "
    "alterá-los. Peça a quem administra o servidor o papel coordenacao "
    "(defasagem users role NOME coordenacao)."
)


def can_edit() -> bool:
    """Whether this request may write follow-ups (see :mod:`defasagem.api.auth`)."""
    return bool(g.get("can_edit", False))


def actor() -> str:
    """Who is making this request, for the audit trail."""
    return str(g.get("client") or "local")


def register(app: Flask, settings: ApiSettings, store: Store) -> None:
    """Add the follow-up routes to ``app``."""
    interventions = settings.interventions
    app.jinja_env.globals.update(
        can_edit=can_edit,
        statuses=STATUSES,
        interventions=interventions,
        local_time=local_time,
        today=lambda: dt.datetime.now(BRASILIA).date().isoformat(),
    )

    @app.get("/acompanhamentos")
    def followups_page() -> Response:
        records = store.followups
        years = records.years()
        year = _bounded(request.args.get("ano", ""))
        status = request.args.get("situacao", "")
        shown = [r for r in records.all(year) if status not in STATUSES or r.status == status]
        html = render_template(
            "followups.html", records=shown, years=years, year=year, status=status
        )
        return Response(html, mimetype="text/html")

    @app.get("/acompanhamentos/registro<any('.xlsx', '.csv'):suffix>")
    def followups_export(suffix: str) -> Response:
        records = store.followups
        content = export_bytes(records.all(), records.events(), suffix)
        response = Response(content, mimetype="text/csv" if suffix == ".csv" else EXCEL)
        response.headers["Content-Disposition"] = f'attachment; filename="acompanhamentos{suffix}"'
        return response

    @app.get("/acompanhamentos/aluno/<ra>")
    def student_followups(ra: str) -> Response:
        if not valid_ra(ra):
            abort(404, "RA inválido")
        history = student_history(store, ra)
        html = render_template(
            "student_followups.html", ra=ra, history=history, back=request.full_path.rstrip("?")
        )
        return Response(html, mimetype="text/html")

    @app.post("/acompanhamentos/novo")
    def followup_create() -> Response:
        _editor_only()
        ra = request.form.get("ra", "").strip()
        if not valid_ra(ra):
            return page_error("campo ra: o RA do aluno falta ou não é válido.", 400)
        year = _bounded(request.form.get("ano", ""))
        if year is None:
            return page_error("campo ano: o ano da lista falta ou não é válido.", 400)
        try:
            draft = parse_draft(request.form, interventions)
            store.followups.create(ra, year, draft, actor())
        except FollowupError as exc:
            return page_error(str(exc), 400)
        except FollowupConflictError as exc:
            return _conflict(exc, draft)
        return see_other(_back(store, ra))

    @app.post("/acompanhamentos/<int(max=2147483647):record_id>")
    def followup_update(record_id: int) -> Response:
        _editor_only()
        version = _bounded(request.form.get("versao", ""), low=1, high=10**9)
        if version is None:
            return page_error(
                "campo versao: falta a versão que você editou; recarregue a página.", 400
            )
        try:
            current = store.followups.get(record_id)
            # An intervention taken out of the list stays valid on the records that have it.
            allowed = (*interventions, current.intervention)
            draft = parse_draft(request.form, allowed)
            store.followups.update(record_id, version, draft, actor())
        except FollowupNotFoundError as exc:
            return page_error(str(exc), 404)
        except FollowupError as exc:
            return page_error(str(exc), 400)
        except FollowupConflictError as exc:
            return _conflict(exc, draft)
        return see_other(_back(store, current.ra))


def student_history(store: Store, ra: str) -> list[dict[str, Any]]:
    """Every record of ``ra`` (all years) with its changes, newest year first."""
    records = store.followups.of_student(ra)
    events = store.followups.events([r.id for r in records]) if records else []
    by_record: dict[int, list[Any]] = {}
    for event in events:
        by_record.setdefault(event.followup_id, []).append(event)
    return [{"record": r, "events": by_record.get(r.id, [])} for r in records]


def followup_columns(ras: Sequence[str], by_ra: Mapping[str, list[Followup]]) -> pd.DataFrame:
    """The follow-up columns of a list download, one row per RA in ``ras``'s order."""
    rows = []
    for ra in ras:
        records = by_ra.get(ra, [])
        rows.append(
            {
                "Acompanhado": "sim" if records else "não",
                "Intervenções": inert("; ".join(r.intervention for r in records)),
                "Situações": "; ".join(r.status for r in records),
                "Responsáveis": inert("; ".join(r.responsible for r in records)),
                "Início": "; ".join(r.start_date.strftime("%d/%m/%Y") for r in records),
            }
        )
    return pd.DataFrame(
        rows, columns=["Acompanhado", "Intervenções", "Situações", "Responsáveis", "Início"]
    )


def _editor_only() -> None:
    if not can_edit():
        abort(403, READ_ONLY)


def valid_ra(ra: str) -> bool:
    """Whether ``ra`` can name a student in a record (and in an address)."""
    return bool(_RA.fullmatch(ra)) and bool(ra.strip())


def _conflict(exc: FollowupConflictError, sent: FollowupDraft) -> Response:
    """The 409 page: the current record, and what the person sent (nothing typed is lost)."""
    html = render_template("conflict.html", message=str(exc), current=exc.current, sent=sent)
    return Response(html, status=409, mimetype="text/html")


def _back(store: Store, ra: str) -> str:
    """The page the form came from (when it is one of ours and still there), else the
    student's history: a list that expired while the form was open must not make a saved
    record look lost."""
    wanted = request.form.get("voltar", "")
    if _BACK.fullmatch(wanted) and "//" not in wanted and ".." not in wanted:
        token = wanted.split("/")[2] if wanted.startswith("/resultado/") else None
        if token is None or store.lists.load(token) is not None:
            return wanted
    return url_for("student_followups", ra=ra)


def _bounded(text: str, low: int = 2000, high: int = 2100) -> int | None:
    text = text.strip()
    if not (0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if low <= value <= high else None
