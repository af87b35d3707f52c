"""``defasagem outcomes``: how a stored year's list turned out, from the next year's export."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
import pandas as pd

from defasagem.cli_options import data_option, system_user, with_database_options
from defasagem.cli_pt import IntInRange, PtCommand, help_option, option, path_option
from defasagem.errors import DefasagemError
from defasagem.files import write_atomically
from defasagem.modeling.metrics import ci_text, metric_text

LOG_KEY_ENV = "DEFASAGEM_LOG_KEY"


@click.command(
    cls=PtCommand, short_help="Desfecho da lista de um ano (realizado e estimado antes)."
)
@help_option()
@data_option("Exportação PEDE que traz o ano seguinte ao da lista; repita para juntar arquivos.")
@with_database_options
@option(
    "--year",
    type=IntInRange(2000, 2100),
    default=None,
    metavar="ANO",
    help="Ano da lista a medir [padrão: o mais recente com lista guardada e desfecho no arquivo].",
)
@path_option(
    "--out",
    "out_dir",
    required=True,
    metavar="PASTA",
    help="Pasta onde gravar desfecho_ANO.json e desfecho_ANO.xlsx.",
)
def outcomes(
    files: tuple[Path, ...],
    logs_dir: Path,
    database: str | None,
    year: int | None,
    out_dir: Path,
) -> None:
    """Mede, por RA, o que aconteceu com os alunos da lista guardada de um ano: ROC-AUC, PR-AUC,
    precisão e recall na capacidade, calibração por faixa, acompanhados e não acompanhados,
    cada número com sua contagem e IC 95 %, ao lado da estimativa feita ao pontuar."""
    from defasagem.data.ingest import ingest_files

    if out_dir.exists() and not out_dir.is_dir():
        raise DefasagemError(f"--out {out_dir}: já existe e não é uma pasta.")
    table = ingest_files(list(files)).table
    names = ", ".join(f.name for f in files)
    measured = measure_outcomes(table, logs_dir, database, year, filename=names)
    if not measured:
        raise DefasagemError(_nothing_to_measure(table, year))
    out_dir.mkdir(parents=True, exist_ok=True)
    for report in measured:
        write_report(report, out_dir)


def measure_outcomes(
    table: pd.DataFrame,
    logs_dir: Path,
    database: str | None,
    year: int | None,
    *,
    filename: str,
) -> list[dict[str, Any]]:
    """The outcome reports the table allows: of ``year``, or of the newest year with a stored
    list (or logged predictions) and its next year in the table. Kept in the database."""
    from defasagem.modeling.metrics import TOP_SHARE
    from defasagem.store.database import opened
    from defasagem.store.followups import FollowupStore
    from defasagem.store.migrate import require_head
    from defasagem.store.year_lists import YearListStore
    from defasagem.yearly_outcomes import Sources, measure, years_to_measure

    log, key = _prediction_log(logs_dir)
    candidates = [year] if year is not None else years_to_measure(table)
    with opened(logs_dir, database) as engine:
        require_head(engine, logs_dir)
        sources = Sources(YearListStore(engine), FollowupStore(engine), log, key)
        for candidate in candidates:
            report = measure(
                table, candidate, sources, share=TOP_SHARE, who=system_user(), filename=filename
            )
            if report is not None:
                return [report]
    return []


def report_outcomes(
    table: pd.DataFrame, logs_dir: Path, database: str | None, year: int | None, names: str
) -> int:
    """Measure what the table allows (see :func:`measure_outcomes`), write each report into
    ``<logs>/desfechos`` and print it; how many there were."""
    measured = measure_outcomes(table, logs_dir, database, year, filename=names)
    for report in measured:
        write_report(report, logs_dir / "desfechos")
    return len(measured)


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    """Write the report as JSON and Excel and print its main figures."""
    from defasagem.yearly_outcomes import report_workbook, summary_rows

    year = report["year"]
    stem = out_dir / f"desfecho_{year}"
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    write_atomically(stem.with_suffix(".json"), lambda tmp: tmp.write_text(text, "utf-8"))
    content = report_workbook(report)
    write_atomically(stem.with_suffix(".xlsx"), lambda tmp: tmp.write_bytes(content))
    click.echo(
        f"Desfecho da lista de {year} (modelo {report['model_version']}): "
        f"{report['measured']} de {report['listed']} alunos com desfecho em {year + 1}; "
        f"fonte: {report['source']}."
    )
    for row in summary_rows(report):
        key = row["key"]

        def shown(value: float, key: str = key) -> str:
            return metric_text(key, value)

        click.echo(
            f"  {row['metric']}: realizado {shown(row['realized'])} "
            f"(IC {ci_text(row['realized_ci'], shown)}; {row['count']}); estimado ao pontuar "
            f"{shown(row['estimated'])} (IC {ci_text(row['estimated_ci'], shown)}); nos mesmos "
            f"alunos {shown(row['estimated_same'])} "
            f"(IC {ci_text(row['estimated_same_ci'], shown)})"
        )
    missed = report.get("estimate_check", {}).get("titles", [])
    if missed:
        click.echo(
            f"  Atenção: realizado fora do intervalo estimado em {', '.join(missed)}; uma premissa "
            "pode não ter valido (em geral, a regra da Fase Ideal ou o desfecho mudou entre os "
            "anos)."
        )
    click.echo(f"Gravado em {stem}.json e {stem}.xlsx.")


def _prediction_log(logs_dir: Path) -> tuple[pd.DataFrame | None, bytes | None]:
    """The API's prediction log and, when its RAs are pseudonyms, the key that made them."""
    from defasagem.monitoring.prediction_log import KEY_FILE, read_log

    if not logs_dir.is_dir():
        return None, None
    log = read_log(logs_dir)
    if "entrada_ra" not in log.columns:
        return log, None
    pseudonymized = log["entrada_ra"].dropna().astype(str).str.startswith("p-").any()
    if not pseudonymized:
        return log, None
    configured = os.environ.get(LOG_KEY_ENV)
    if configured:
        return log, configured.encode("utf-8")
    try:
        return log, (logs_dir / KEY_FILE).read_text(encoding="ascii").strip().encode("ascii")
    except OSError:  # pseudonyms without their key cannot be matched: use the stored lists only
        return None, None


def _nothing_to_measure(table: pd.DataFrame, year: int | None) -> str:
    years = sorted(int(y) for y in table["ano"].unique())
    listed = ", ".join(str(y) for y in years)
    if year is not None and year + 1 not in years:
        return (
            f"--year {year}: os arquivos não trazem {year + 1}, o ano do desfecho (anos: {listed})."
        )
    which = f"de {year}" if year is not None else "de nenhum ano anterior ao último dos arquivos"
    return (
        f"não há lista guardada {which} (nem previsões da API com RA e ano): pontue a "
        "exportação daquele ano na página inicial antes; os anos dos arquivos são " + listed + "."
    )
