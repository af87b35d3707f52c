"""The coordinators' pages: upload a PEDE export, read the ranked list, open a student, export.

Everything is rendered on the server (filters are a plain GET form), so the pages work without
JavaScript; one local script only shows the upload progress. The uploaded file is deleted as soon
as it is scored; the ranked list is kept in the database for two hours under an unguessable token
(see :mod:`defasagem.store.lists`), so any replica shows it. The follow-up records beside each
student come from :mod:`defasagem.api.followup_pages`.
"""

from __future__ import annotations

import logging
import math
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from flask import Flask, Response, abort, g, render_template, request, send_file, url_for
from werkzeug.utils import secure_filename

from defasagem.api.followup_pages import can_edit, followup_columns, student_history
from defasagem.api.responses import see_other
from defasagem.api.settings import ApiSettings
from defasagem.data.ingest import ingest_files
from defasagem.errors import DefasagemError
from defasagem.features import DESCRIPTIONS
from defasagem.files import describe_os_error
from defasagem.ideal_phase import IdealPhaseRule, parse_rule
from defasagem.modeling.bundle import Bundle
from defasagem.modeling.card import RULE_FILE
from defasagem.modeling.fairness_text import (
    GROUPING_TITLES,
    group_name,
    interval,
    largest_gaps,
    ratio_text,
)
from defasagem.predict import ScoredYear, display, ranked_bytes, score_year, up_to_year
from defasagem.ptbr import number, percent
from defasagem.store.followups import Followup
from defasagem.store.lists import StoredResult
from defasagem.store.service import Store
from defasagem.yearly_outcomes import Sources, in_sample, keep_year_list, measure

log = logging.getLogger(__name__)
ACCEPTED = (".xlsx", ".csv")
BANDS = ("alto", "médio", "baixo")
# The list's filter on the follow-up records: everyone, the followed, the not followed.
FOLLOWED = {"sim": "acompanhados", "nao": "sem acompanhamento"}
# The indicators a coordinator knows, compared with the student's Fase on the detail page.
INDICATORS = ("inde", "iaa", "ieg", "ips", "ida", "ipp", "ipv", "nota_mat", "nota_port", "nota_ing")
FIGURES = {
    "calibracao.png": "Calibração",
    "roc.png": "Curva ROC",
    "pr.png": "Precisão e revocação",
    "importancia.png": "Importância das variáveis",
}
GLOSSARY = (
    ("INDE", "Índice do Desenvolvimento Educacional: a média ponderada dos indicadores abaixo."),
    ("IAN", "Adequação de Nível: compara a Fase do aluno com a Fase Ideal para a idade."),
    ("IDA", "Desempenho Acadêmico: média das notas de Matemática, Português e Inglês."),
    ("IEG", "Engajamento: entrega de lições, atividades e voluntariado."),
    ("IAA", "Autoavaliação: o que o próprio aluno responde sobre si."),
    ("IPS", "Psicossocial: avaliação das psicólogas."),
    ("IPP", "Psicopedagógico: avaliação pedagógica."),
    ("IPV", "Ponto de Virada: evolução acadêmica, de engajamento e emocional ao longo do tempo."),
    ("Defasagem", "Fase do aluno menos a Fase Ideal: negativa quer dizer atrás."),
)

# The upload form's choice of next year's ideal-phase rule: the latest learned one (the file's own
# year, else the model's), or a rule file the NGO decided.
RULE_CHOICES = ("aprendida", "arquivo")


def register(
    app: Flask,
    settings: ApiSettings,
    bundle_of: Callable[[], Bundle | None],
    problem_of: Callable[[], str | None],
    store: Store,
) -> None:
    """Add the pages to ``app``."""

    def home(error: str | None = None, status: int = 200) -> Response:
        html = render_template(
            "home.html",
            error=error,
            limit_mb=settings.max_upload // (1024 * 1024),
            limit_bytes=settings.max_upload,
            model_problem=problem_of(),
        )
        return Response(html, status=status, mimetype="text/html")

    app.config["UPLOAD_ERROR_PAGE"] = home

    @app.get("/")
    def index() -> Response:
        return home()

    @app.post("/pontuar")
    def upload() -> Response:
        bundle = bundle_of()
        if bundle is None:
            return home(f"o modelo não está carregado: {problem_of()}", 503)
        sent = request.files.get("arquivo")
        if sent is None or not sent.filename:
            return home("escolha um arquivo .xlsx ou .csv da PEDE antes de enviar.", 400)
        suffix = Path(sent.filename).suffix.lower()
        if suffix not in ACCEPTED:
            return home(
                f"tipo de arquivo não aceito ({suffix or 'sem extensão'}): envie a planilha da "
                "PEDE em .xlsx ou .csv.",
                415,
            )
        try:
            rule = _chosen_rule()
            year = _chosen_year()
            scored, table = _score_upload(bundle, sent.stream.read(), sent.filename, rule, year)
        except FormChoiceError as exc:
            return home(str(exc), 400)
        except DefasagemError as exc:  # the spreadsheet or the rule file cannot be read
            return home(str(exc), 422)
        try:
            token, skipped = _keep(store, bundle, scored, table, sent.filename)
        except DefasagemError as exc:
            return home(f"não foi possível guardar a lista pontuada: {exc}", 503)
        return see_other(url_for("result", token=token, aviso=skipped))

    def stored(token: str) -> StoredResult:
        found = store.lists.load(token)
        if found is None:
            abort(404, "resultado não encontrado ou expirado (a lista fica 2 horas); envie de novo")
        return found

    @app.get("/resultado/<token>")
    def result(token: str) -> Response:
        found = stored(token)
        chosen = _filters(found.scored)
        by_ra = store.followups.of_year(found.scored.year)
        rows = _filtered(found.scored, chosen, by_ra)
        html = render_template(
            "result.html",
            token=token,
            found=found,
            scored=found.scored,
            rows=rows,
            chosen=chosen,
            options=_options(found.scored),
            bands=BANDS,
            followed=FOLLOWED,
            total=len(found.scored.table),
            followed_count=sum(1 for ra in found.scored.table["ra"] if ra in by_ra),
            previous=store.year_lists.report(found.scored.year - 1),
            not_kept=NOT_KEPT.get(request.args.get("aviso", "")),
            percent=percent,
        )
        return Response(html, mimetype="text/html")

    @app.get("/resultado/<token>/lista<any('.xlsx', '.csv'):suffix>")
    def download(token: str, suffix: str) -> Response:
        found = stored(token)
        by_ra = store.followups.of_year(found.scored.year)
        extra = followup_columns([str(ra) for ra in found.scored.table["ra"]], by_ra)
        content = ranked_bytes(found.scored, suffix, found.model_version, extra)
        mimetype = (
            "text/csv"
            if suffix == ".csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        name = f"risco_{found.scored.year}{suffix}"
        response = Response(content, mimetype=mimetype)
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @app.get("/resultado/<token>/aluno/<ra>")
    def student(token: str, ra: str) -> Response:
        found = stored(token)
        table = found.scored.table
        matches = table.index[table["ra"] == ra]
        if len(matches) == 0:
            abort(404, f"aluno {ra} não está neste resultado")
        position = int(matches[0])
        html = render_template(
            "student.html",
            token=token,
            row=table.loc[position],
            reasons=found.scored.reasons[position],
            risk=percent(float(table["probabilidade"].iloc[position]), 1),
            indicators=_against_phase(found.scored, ra),
            glossary=GLOSSARY,
            year=found.scored.year,
            history=student_history(store, ra),
            back=request.path,
        )
        return Response(html, mimetype="text/html")

    _model_routes(app, bundle_of, home)


def _model_routes(
    app: Flask, bundle_of: Callable[[], Bundle | None], home: Callable[[str, int], Response]
) -> None:
    """The model page and its figures (from the bundle)."""

    @app.get("/modelo")
    def model_page() -> Response:
        bundle = bundle_of()
        if bundle is None:
            return home("o modelo não está carregado; veja /ready", 503)
        html = render_template(
            "model.html", bundle=bundle, facts=_model_facts(bundle), figures=FIGURES
        )
        return Response(html, mimetype="text/html")

    @app.get("/modelo/regra.toml")
    def model_rule() -> Response:
        bundle = bundle_of()
        if bundle is None or not (bundle.path / RULE_FILE).is_file():
            abort(404, "regra da Fase Ideal do modelo não encontrada")
        return send_file(
            (bundle.path / RULE_FILE).resolve(),
            mimetype="application/toml",
            as_attachment=True,
            download_name="regra_fase_ideal.toml",
        )

    @app.get("/modelo/figura/<name>")
    def model_figure(name: str) -> Response:
        bundle = bundle_of()
        if bundle is None or name not in FIGURES or not (bundle.path / name).is_file():
            abort(404, f"figura não encontrada: {name}")
        # Absolute: Flask resolves a relative path from the package, not the working folder.
        return send_file((bundle.path / name).resolve(), mimetype="image/png", max_age=300)


class FormChoiceError(DefasagemError):
    """The upload form's fields contradict each other or name nothing (a 400)."""


def _chosen_rule() -> IdealPhaseRule | None:
    """The rule the upload form asks for: None for the learned one, else the sent rule file
    (a file that is not a valid rule raises a plain DefasagemError, a 422).

    A rule file sent with "aprendida" marked is refused rather than guessed either way.
    """
    choice = request.form.get("regra", "aprendida")
    if choice not in RULE_CHOICES:
        raise FormChoiceError(
            f"campo regra: valor desconhecido ({choice[:40]}); use aprendida ou arquivo."
        )
    sent = request.files.get("arquivo_regra")
    attached = sent is not None and bool(sent.filename)
    if choice == "aprendida":
        if attached:
            raise FormChoiceError(
                "campo regra: um arquivo de regra foi anexado, mas a opção marcada é a regra "
                "aprendida; marque a regra de um arquivo ou retire o anexo."
            )
        return None
    if sent is None or not sent.filename:
        raise FormChoiceError(
            "campo arquivo_regra: escolha o arquivo .toml com a regra da Fase Ideal decidida "
            "pela ONG, ou marque a regra aprendida."
        )
    name = secure_filename(sent.filename) or "regra.toml"
    if Path(name).suffix.lower() != ".toml":
        raise FormChoiceError(
            f"campo arquivo_regra: {name} não é um arquivo de regra (.toml); baixe o modelo do "
            "arquivo na página O modelo e edite as idades mínimas."
        )
    return parse_rule(sent.stream.read(), name)


def _keep(
    store: Store, bundle: Bundle, scored: ScoredYear, table: pd.DataFrame, filename: str
) -> tuple[str, str | None]:
    """Store the scored list for the result page; then, best effort, the year's list for its
    outcome next year and last year's outcome when this export brings it. The token, and why
    the year's list was not kept (a code of ``NOT_KEPT``), if it was not."""
    token = store.lists.save(StoredResult(scored, bundle.version, filename, time.time()))
    who = str(g.get("client", "local"))
    skipped = None
    if not can_edit():  # a reader's upload never replaces the list a year is measured by
        skipped = "leitura"
    elif in_sample(bundle.metadata.get("trained_on", []), scored.year):
        skipped = "visto"
    try:
        if skipped is None:
            keep_year_list(
                store.year_lists, scored, model_version=bundle.version, filename=filename, who=who
            )
        measure(
            table,
            scored.year - 1,
            Sources(store.year_lists, store.followups),
            share=scored.share,
            who=who,
            filename=filename,
        )
    except Exception:  # the list itself is saved: the yearly records never cost the upload
        log.exception("lista do ano ou desfecho não gravado")
        skipped = skipped or "falha"
    return token, skipped


# Why a scored year's list was not kept for its outcome, as the result page says it.
NOT_KEPT = {
    "leitura": "esta lista não foi guardada para medir o desfecho do ano que vem: usuários com o "
    "papel leitura só consultam (peça a alguém da coordenação para enviar a planilha).",
    "visto": "esta lista não foi guardada para medir o desfecho: o modelo que a pontuou já foi "
    "treinado com o que aconteceu no ano seguinte a ela, então o desfecho não diria nada novo.",
    "falha": "esta lista não pôde ser guardada para medir o desfecho (veja o log do servidor); "
    "a lista em si está guardada e pode ser usada normalmente.",
}


def _chosen_year() -> int | None:
    """The year the form asks to score (empty: the latest in the file)."""
    text = request.form.get("ano", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise FormChoiceError(f"campo ano: {text[:10]!r} não é um ano (ex.: 2023), ou deixe vazio.")
    return int(text)


def _score_upload(
    bundle: Bundle,
    content: bytes,
    filename: str,
    rule: IdealPhaseRule | None = None,
    year: int | None = None,
) -> tuple[ScoredYear, pd.DataFrame]:
    """Score the upload from a private temporary file that is deleted before returning (named
    like the upload, so the messages name the user's file)."""
    suffix = Path(filename).suffix.lower()
    stem = secure_filename(Path(filename).stem)[:80] or "planilha"
    name = f"{stem}{suffix}"
    if not content.strip():
        raise DefasagemError(f"{name}: o arquivo está vazio.")
    try:
        with tempfile.TemporaryDirectory(prefix="defasagem-envio-") as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            table = ingest_files([path]).table
    except OSError as exc:
        raise DefasagemError(
            f"{name}: não foi possível receber o arquivo no servidor ({describe_os_error(exc)})."
        ) from None
    return score_year(bundle, up_to_year(table, year, name), rule=rule), table


def _filters(scored: ScoredYear) -> dict[str, Any]:
    """The page's filters from the query string; an invalid value is ignored, never fatal.

    ``n`` is how many students the team can follow (the priority, marked in the list); "só os
    N prioritários" restricts the list to them. It is on when the page opens, so a first look
    shows the students to act on; the other filters then apply to the whole list unless it
    stays on. ``acomp`` keeps the students with (or without) a follow-up record.
    """
    args = request.args
    capacity = math.ceil(scored.share * len(scored.table))
    n = _whole(args.get("n", ""))
    return {
        "n": n if n is not None and n > 0 else capacity,
        "capacity": capacity,
        "only_priority": not args or args.get("so") == "1",
        "fase": _whole(args.get("fase", "")),
        "turma": args.get("turma", ""),
        "faixa": args.get("faixa", "") if args.get("faixa") in BANDS else "",
        "acomp": args.get("acomp", "") if args.get("acomp") in FOLLOWED else "",
    }


def _whole(text: str) -> int | None:
    """A small whole number typed by a person, or None (never an exception)."""
    text = text.strip()
    if not (0 < len(text) <= 6 and text.isascii() and text.isdigit()):
        return None
    return int(text)


def _filtered(
    scored: ScoredYear, chosen: dict[str, Any], by_ra: dict[str, list[Followup]]
) -> list[dict[str, Any]]:
    table = scored.table
    keep = pd.Series(True, index=table.index)
    if chosen["acomp"]:
        has_records = table["ra"].astype(str).isin(by_ra)
        keep &= has_records if chosen["acomp"] == "sim" else ~has_records
    if chosen["only_priority"]:
        keep &= table["posicao"] <= chosen["n"]
    if chosen["fase"] is not None:
        keep &= table["fase"] == chosen["fase"]
    if chosen["turma"]:
        keep &= table["turma"].astype(str) == chosen["turma"]
    if chosen["faixa"]:
        keep &= table["faixa"] == chosen["faixa"]
    records = table[keep].to_dict("records")
    return [
        {
            "posicao": int(row["posicao"]),
            "ra": str(row["ra"]),
            "fase": int(row["fase"]),
            "turma": "" if pd.isna(row["turma"]) else str(row["turma"]),
            "risco": percent(float(row["probabilidade"]), 1),
            "faixa": str(row["faixa"]),
            "acompanhar": int(row["posicao"]) <= chosen["n"],
            "motivos": [r.text for r in scored.reasons[int(index)]],
            "acompanhamentos": [f.summary() for f in by_ra.get(str(row["ra"]), [])],
        }
        for index, row in zip(table.index[keep], records, strict=True)
    ]


def _options(scored: ScoredYear) -> dict[str, list[Any]]:
    table = scored.table
    turmas = sorted({str(t) for t in table["turma"].dropna()})
    return {"fases": sorted(int(f) for f in table["fase"].unique()), "turmas": turmas}


def _against_phase(scored: ScoredYear, ra: str) -> list[dict[str, Any]]:
    """Each indicator of the student next to the quartiles of the students of the same Fase."""
    features = scored.features
    if features is None or ra not in features.index:
        return []
    mine = features.loc[ra]
    peers = features[features["fase"] == mine["fase"]]
    rows = []
    for name in INDICATORS:
        values = peers[name].dropna().astype(float)
        value = _number(mine[name])
        if values.empty and value is None:
            continue
        quartiles = [float(values.quantile(q)) for q in (0.25, 0.5, 0.75)] if len(values) else []
        rows.append(
            {
                "name": name,
                "description": DESCRIPTIONS.get(name, name),
                "value": display(name, value),
                "quartiles": [display(name, q) for q in quartiles] or ["—"] * 3,
                "n": len(values),
                # Positions on the 0–10 scale of the small chart (20 px per point).
                "x": None if value is None else value * 20,
                "box": (quartiles[0] * 20, quartiles[2] * 20) if quartiles else None,
                "mid": quartiles[1] * 20 if quartiles else None,
                "where": _where(value, quartiles),
            }
        )
    return rows


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _where(value: float | None, quartiles: list[float]) -> str:
    if value is None or not quartiles:
        return "sem comparação"
    if value < quartiles[0]:
        return "abaixo da maioria da Fase"
    if value > quartiles[2]:
        return "acima da maioria da Fase"
    return "na faixa central da Fase"


def _model_facts(bundle: Bundle) -> dict[str, Any]:
    """The model card's figures, in the words the page uses."""
    metrics = bundle.metrics
    model, persistence = metrics["model"], metrics["baselines"]["persistence"]
    policy = metrics["policy"]
    fairness = metrics.get("fairness", {"groupings": {}})
    groups = [
        {
            "variable": title,
            "group": group_name(grouping, value),
            "n": values["n"],
            "base_rate": percent(values["base_rate"]),
            "auc": number(values["roc_auc"], 2),
            "missed": percent(values["miss_rate"]["value"]),
            "missed_ci": interval(values["miss_rate"]["ci"]),
            "missed_ratio": ratio_text(
                values["miss_rate"], reference=is_reference, cases=values["positives"]
            ),
            "false_alarm": percent(values["false_alarm_rate"]["value"]),
            "false_alarm_ratio": ratio_text(
                values["false_alarm_rate"],
                reference=is_reference,
                cases=values["n"] - values["positives"],
            ),
        }
        for grouping, title in GROUPING_TITLES.items()
        if grouping in fairness["groupings"]
        for value, values in fairness["groupings"][grouping]["groups"].items()
        if values["n"] >= 20  # tiny groups say nothing reliable
        for is_reference in [value == fairness["groupings"][grouping]["reference"]]
    ]
    gender = metrics.get("gender_as_input")
    rule = bundle.rule
    return {
        "test": metrics["test_transition"].replace("->", "→"),
        "n": model["n"],
        "auc": number(model["roc_auc"], 2),
        "auc_persistence": number(persistence["roc_auc"], 2),
        "precision_top": percent(model["precision_top20"]),
        "precision_persistence": percent(persistence["precision_top20"]),
        "share": percent(policy["share"]),
        "new_lag_auc": number(model["new_lag_roc_auc"], 2),
        "brier": number(model["brier"], 3),
        "groups": groups,
        "gaps": [line.removeprefix("- ").replace("**", "") for line in largest_gaps(fairness)]
        if fairness["groupings"]
        else [],
        "gender_used": gender is None or gender["keep"],
        "rule": f"do modelo (de {rule.learned_from})",
    }
