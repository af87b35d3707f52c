"""``defasagem models``: the versions of a models folder, promotion and rollback on record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from defasagem.cli_options import model_option, system_user, with_database_options
from defasagem.cli_pt import PtGroup, help_option, option
from defasagem.errors import DefasagemError
from defasagem.modeling.comparison import METRIC_NAMES
from defasagem.modeling.metrics import metric_text
from defasagem.ptbr import number


@click.group(cls=PtGroup, short_help="Versões do modelo.", subcommand_metavar="COMANDO [ARGS]...")
@help_option()
def models() -> None:
    """Versões do modelo: a atual (campeã), as desafiantes, promoção e reversão."""


@models.command(name="list", short_help="Lista as versões e a atual.")
@help_option()
@model_option
@option("--current", "only_current", is_flag=True, help="Imprime só o nome da versão atual.")
@option("--newest", "only_newest", is_flag=True, help="Imprime só o nome da versão mais nova.")
def list_versions(model_dir: Path, only_current: bool, only_newest: bool) -> None:
    """Lista as versões (a mais nova primeiro), com o teste fora do tempo de cada uma."""
    from defasagem.modeling import versions

    found = versions.summaries(model_dir)
    if not found:
        raise DefasagemError(
            f"{model_dir}: nenhuma versão (treine com: defasagem train --data ARQUIVO "
            f"--out {model_dir})."
        )
    if only_current or only_newest:
        chosen = [v for v in found if v.champion] if only_current else found
        click.echo(chosen[0].name if chosen else "")
        return
    for summary in found:
        mark = "* atual " if summary.champion else "  "
        auc = number(summary.roc_auc) if summary.roc_auc is not None else "—"
        click.echo(
            f"{mark}{summary.name}  treinada com {', '.join(summary.trained_on) or '—'}; "
            f"teste {summary.test_transition}: ROC-AUC {auc}"
        )
        report = versions.read_comparison(model_dir, summary.name)
        if report is not None and not summary.champion:
            for line in comparison_lines(report):
                click.echo(f"      {line}")


reason_option = option(
    "--reason", required=True, metavar="TEXTO", help="Por que a versão muda (fica registrado)."
)
by_option = option(
    "--by",
    "who",
    default=None,
    metavar="NOME",
    help="Quem faz a mudança [padrão: o usuário do sistema].",
)


@models.command(name="promote", short_help="Torna uma versão a atual (registrado).")
@help_option()
@click.argument("version", metavar="VERSÃO")
@model_option
@with_database_options
@reason_option
@by_option
def promote(
    version: str,
    model_dir: Path,
    logs_dir: Path,
    database: str | None,
    reason: str,
    who: str | None,
) -> None:
    """Promove VERSÃO a campeã; os servidores passam a usá-la em segundos, sem reiniciar."""
    from defasagem.champion import promote as run

    done = _with_promotions(
        logs_dir,
        database,
        lambda store: run(model_dir, version, who=_who(who), reason=reason, promotions=store),
    )
    click.echo(f"Versão atual: {done.version} (antes: {done.previous}); registrado por {done.who}.")


@models.command(name="rollback", short_help="Volta à versão anterior (registrado).")
@help_option()
@model_option
@with_database_options
@reason_option
@by_option
def rollback(
    model_dir: Path, logs_dir: Path, database: str | None, reason: str, who: str | None
) -> None:
    """Desfaz a última promoção: volta à versão que era a atual antes dela."""
    from defasagem.champion import rollback as run

    done = _with_promotions(
        logs_dir,
        database,
        lambda store: run(model_dir, who=_who(who), reason=reason, promotions=store),
    )
    click.echo(
        f"Versão atual: {done.version} (desfeita: {done.previous}); registrado por {done.who}."
    )


@models.command(name="history", short_help="Mostra as promoções e reversões registradas.")
@help_option()
@with_database_options
def history(logs_dir: Path, database: str | None) -> None:
    """Cada troca da versão atual: quando, quem, de qual para qual, e por quê."""
    from defasagem.store.followups import local_time

    events = _with_promotions(logs_dir, database, lambda store: store.history())
    if not events:
        click.echo("Nenhuma promoção registrada.")
    for event in reversed(events):
        click.echo(
            f"{local_time(event.at)}  {event.action_text}: {event.previous} → {event.version} "
            f"por {event.who} — {event.reason}"
        )


def _who(explicit: str | None) -> str:
    if explicit is not None:
        name = " ".join(explicit.split())
        if not name:
            raise DefasagemError("--by: vazio; diga quem faz a mudança.")
        return name
    return system_user()


def _with_promotions(logs_dir: Path, database: str | None, action: Any) -> Any:
    from defasagem.store.database import opened
    from defasagem.store.migrate import require_head
    from defasagem.store.promotions import PromotionStore

    with opened(logs_dir, database) as engine:
        require_head(engine, logs_dir)
        return action(PromotionStore(engine))


def comparison_lines(report: dict[str, Any]) -> list[str]:
    """The challenger-vs-champion report in a few Portuguese lines."""
    head = (
        f"desafiante {report['challenger']} contra a campeã {report['champion']} em "
        f"{report['transition']}"
    )
    if "unavailable" in report:
        return [f"{head}: comparação indisponível ({report['unavailable']})"]
    lines = [
        f"{head} ({report['n']} alunos, {report['positives']} defasados; diferença = "
        "desafiante − campeã, IC 95 % pareado):"
    ]
    for key, name in METRIC_NAMES.items():
        entry = report["metrics"][key]
        low, high = entry["difference_ci"]
        lines.append(
            f"  {name}: campeã {metric_text(key, entry['champion'])}, desafiante "
            f"{metric_text(key, entry['challenger'])}; "
            f"diferença {number(entry['difference'], sign=True)} (IC {number(low, sign=True)} a "
            f"{number(high, sign=True)}): {entry['verdict']}"
        )
    if report.get("champion_saw_transition"):
        lines.append(
            "  atenção: a campeã foi treinada com esta transição; a comparação a favorece."
        )
    return lines
