"""The ``defasagem`` command: parse arguments, call the pipeline, print results (pt-BR)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from defasagem import __version__
from defasagem.api.settings import ApiSettings, AuthSettings
from defasagem.cli_access import AUTH_ENV, tokens, users
from defasagem.cli_models import models
from defasagem.cli_options import (
    data_option,
    database_option,
    logs_option,
    model_option,
    with_database_options,
)
from defasagem.cli_outcomes import outcomes
from defasagem.cli_pt import (
    IntInRange,
    Moment,
    PtGroup,
    help_option,
    option,
    output_option,
    path_option,
    usage_message,
)
from defasagem.data.ingest import ingest_files, write_table
from defasagem.data.report import format_summary
from defasagem.data.synth import write_synthetic_workbook
from defasagem.errors import DefasagemError
from defasagem.files import write_atomically
from defasagem.ptbr import number, percent

# Exit code for bad input (the same code click uses for usage errors).
EXIT_BAD_INPUT = 2
EXIT_UNEXPECTED = 1


@click.group(cls=PtGroup, name="defasagem", subcommand_metavar="COMANDO [ARGS]...")
@help_option()
@click.version_option(
    __version__,
    prog_name="defasagem",
    message="%(prog)s %(version)s",
    help="Mostra a versão e sai.",
)
def cli() -> None:
    """Alerta precoce de defasagem escolar (Associação Passos Mágicos)."""


@cli.command(short_help="Lê exportações PEDE e grava a tabela canônica.")
@help_option()
@click.argument(
    "files",
    nargs=-1,
    required=True,
    metavar="ARQUIVO...",
    type=click.Path(path_type=Path, readable=False),
)
@output_option(".parquet", help="Tabela canônica de saída (.parquet).")
@option(
    "--year",
    type=IntInRange(2000, 2100),
    default=None,
    help=(
        "Ano da avaliação das tabelas cujo ano não está no nome da aba nem nos cabeçalhos "
        "(pode ser posterior aos anos dos cabeçalhos, que então são histórico)."
    ),
)
def ingest(files: tuple[Path, ...], out: Path, year: int | None) -> None:
    """Lê exportações PEDE (.xlsx ou .csv) e grava a tabela canônica aluno-ano."""
    result = ingest_files(list(files), year=year)
    write_table(result.table, out)
    click.echo(format_summary(result.table, result.report))
    click.echo(f"Tabela gravada em {out} ({len(result.table)} linhas).")


@cli.command(short_help="Gera uma planilha PEDE sintética.")
@help_option()
@output_option(".xlsx", help="Planilha sintética de saída (.xlsx).")
@option(
    "--seed",
    type=IntInRange(0, 2**32 - 1),
    default=42,
    show_default=True,
    help="Semente aleatória (0 a 4294967295).",
)
@option(
    "--students",
    type=IntInRange(30, 100_000),
    default=860,
    show_default=True,
    help="Alunos na primeira aba (2022); os anos seguintes crescem como no arquivo real.",
)
def synth(out: Path, seed: int, students: int) -> None:
    """Gera uma planilha PEDE sintética (mesmas abas, cabeçalhos e peculiaridades da real)."""
    summary = write_synthetic_workbook(out, seed=seed, n_students=students)
    counts = ", ".join(f"{year}: {n}" for year, n in sorted(summary.rows_per_year.items()))
    click.echo(f"Planilha sintética gravada em {out} (semente {seed}; linhas por ano: {counts}).")


def default_config(name: str) -> Path:
    """``configs/NAME`` of the current folder, else of the source tree this package runs from."""
    here = Path("configs") / name
    return here if here.exists() else Path(__file__).resolve().parents[2] / "configs" / name


@cli.command(short_help="Treina uma nova versão do modelo (não troca a atual).")
@help_option()
@data_option("Exportação PEDE (.xlsx ou .csv); repita para juntar arquivos.")
@option(
    "--out",
    required=True,
    metavar="PASTA",
    type=click.Path(path_type=Path),
    help="Pasta dos modelos: a nova versão fica ao lado das outras (a primeira vira a atual).",
)
@path_option(
    "--config",
    "config_path",
    default=None,
    metavar="ARQUIVO",
    help="Configuração de treino [padrão: configs/training.toml].",
)
@path_option(
    "--rule",
    "rule_path",
    default=None,
    metavar="ARQUIVO",
    help=(
        "Regra da Fase Ideal a usar nas previsões (ex.: configs/ideal_phase_rule.toml) "
        "[padrão: aprendida do ano mais recente dos dados]."
    ),
)
@option(
    "--until-year",
    "until",
    type=IntInRange(2000, 2100),
    default=None,
    metavar="ANO",
    help="Usa só os anos até ANO (treina como se fosse aquele ano) [padrão: todos].",
)
@path_option(
    "--logs",
    "logs_dir",
    default=None,
    metavar="PASTA",
    help="Pasta do servidor: mede também o desfecho da lista guardada do ano anterior ao último.",
)
@database_option
def train(
    files: tuple[Path, ...],
    out: Path,
    config_path: Path | None,
    rule_path: Path | None,
    until: int | None,
    logs_dir: Path | None,
    database: str | None,
) -> None:
    """Treina o modelo de defasagem no ano seguinte numa nova versão (modelo, métricas, cartão).

    A versão servida nunca é tocada: a nova é desafiante, comparada com a atual na transição
    rotulada mais recente, até alguém promovê-la (defasagem models promote).
    """
    from defasagem.cli_models import comparison_lines
    from defasagem.modeling.challenger import train_version

    trained = train_version(
        list(files),
        out,
        config_path=config_path or default_config("training.toml"),
        rule_path=rule_path,
        until=until,
        progress=click.echo,
    )
    click.echo(summary_of_metrics(trained.result.metrics))
    click.echo(f"Versão {trained.name} gravada em {trained.path}.")
    if trained.became_champion:
        click.echo("É a primeira versão desta pasta: já é a atual.")
    else:
        assert trained.comparison is not None
        for line in comparison_lines(trained.comparison):
            click.echo(line)
        click.echo(
            f"A versão atual não mudou. Para promover: defasagem models promote {trained.name} "
            f'--model {out} --logs {logs_dir or "PASTA"} --reason "..."'
        )
    if logs_dir is not None:
        try:
            _outcomes_after_training(list(files), logs_dir, database, until)
        except DefasagemError as exc:  # the version is written: a missing outcome is a warning
            click.echo(f"Aviso: desfecho não medido: {exc}")


def _outcome_of_previous_year(
    table: Any, year: int, logs_dir: Path, database: str | None, names: str
) -> None:
    """When the scored export brings the outcome of a stored list of ``year``, measure it."""
    from defasagem.cli_outcomes import report_outcomes

    if year + 1 in set(table["ano"].astype(int)):
        report_outcomes(table, logs_dir, database, year, names)


def _outcomes_after_training(
    files: list[Path], logs_dir: Path, database: str | None, until: int | None
) -> None:
    """The newest stored list whose outcome the training data holds, measured and printed."""
    from defasagem.cli_outcomes import report_outcomes
    from defasagem.modeling.training import years_until

    table = years_until(ingest_files(files).table, until)
    if not report_outcomes(table, logs_dir, database, None, ", ".join(f.name for f in files)):
        click.echo("Nenhuma lista guardada com desfecho nestes dados (veja: defasagem outcomes).")


@cli.command(short_help="Pontua o ano mais recente de uma exportação PEDE.")
@help_option()
@model_option
@data_option("Exportação PEDE (.xlsx ou .csv); anos anteriores no arquivo viram histórico.")
@output_option(".csv", ".xlsx", help="Lista ordenada de saída (.csv ou .xlsx).")
@path_option(
    "--rule",
    "rule_path",
    default=None,
    metavar="ARQUIVO",
    help=(
        "Regra da Fase Ideal (ex.: configs/ideal_phase_rule.toml) [padrão: a do próprio ano, "
        "ou a do pacote do modelo]."
    ),
)
@option(
    "--year",
    type=IntInRange(2000, 2100),
    default=None,
    metavar="ANO",
    help="Ano a pontuar (os anos seguintes do arquivo ficam de fora) [padrão: o mais recente].",
)
@path_option(
    "--logs",
    "logs_dir",
    default=None,
    metavar="PASTA",
    help="Pasta do servidor: guarda também a lista do ano no banco, para medir o desfecho "
    "quando chegar o ano seguinte (defasagem outcomes).",
)
@database_option
def predict(
    model_dir: Path,
    files: tuple[Path, ...],
    out: Path,
    rule_path: Path | None,
    year: int | None,
    logs_dir: Path | None,
    database: str | None,
) -> None:
    """Pontua os alunos do ano mais recente e grava a lista ordenada por risco, com motivos."""
    from defasagem.ideal_phase import read_rule_file
    from defasagem.modeling.bundle import load_bundle
    from defasagem.predict import score_year, up_to_year, write_ranked
    from defasagem.yearly_outcomes import in_sample

    if any(out.resolve() == path.resolve() for path in files):
        raise DefasagemError(
            f"{out}: a saída é um dos arquivos de --data; escolha outro nome para não "
            "sobrescrever a exportação PEDE."
        )
    bundle = load_bundle(model_dir)
    table = ingest_files(list(files)).table
    rule = read_rule_file(rule_path) if rule_path is not None else None
    scored = score_year(bundle, up_to_year(table, year, "--data"), rule=rule)
    write_ranked(scored, out, bundle.version)
    bands = scored.table["faixa"].value_counts()
    click.echo(
        f"{scored.year}: {len(scored.table)} alunos pontuados (modelo {bundle.version}); "
        f"faixa alta {bands.get('alto', 0)}, média {bands.get('médio', 0)}, "
        f"baixa {bands.get('baixo', 0)}."
    )
    if scored.excluded:
        click.echo(f"  {scored.excluded} aluno(s) fora da Fase 0–7 não pontuado(s).")
    click.echo(f"  Regra da Fase Ideal: {scored.rule_source}.")
    if logs_dir is not None:
        names = ", ".join(f.name for f in files)
        if in_sample(bundle.metadata.get("trained_on", []), scored.year):
            click.echo(
                f"  Aviso: lista de {scored.year} não guardada para medir o desfecho: o modelo "
                f"{bundle.version} já foi treinado com a transição {scored.year}->"
                f"{scored.year + 1} (treine uma versão com --until-year {scored.year})."
            )
        else:
            _keep_year_list(scored, bundle.version, logs_dir, database, names)
        _outcome_of_previous_year(table, scored.year - 1, logs_dir, database, names)
    for note in scored.notes():
        click.echo(f"  Aviso: {note}")
    click.echo(f"Lista gravada em {out}.")


def _keep_year_list(
    scored: Any, version: str, logs_dir: Path, database: str | None, filename: str
) -> None:
    """Store the scored year's list for its outcome next year."""
    from defasagem.cli_options import system_user
    from defasagem.store.database import opened
    from defasagem.store.migrate import require_head
    from defasagem.store.year_lists import YearListStore
    from defasagem.yearly_outcomes import keep_year_list

    with opened(logs_dir, database) as engine:
        require_head(engine, logs_dir)
        keep_year_list(
            YearListStore(engine), scored, model_version=version, filename=filename,
            who=system_user(),
        )  # fmt: skip
    click.echo(
        f"  Lista de {scored.year} guardada no banco para medir o desfecho em {scored.year + 1}."
    )


@cli.command(short_help="Serve a API (gunicorn + Flask).")
@help_option()
@model_option
@logs_option
@path_option(
    "--reports",
    "reports_dir",
    default=None,
    metavar="PASTA",
    help="Pasta dos relatórios de drift [padrão: <logs>/drift].",
)
@option(
    "--host", default="127.0.0.1", show_default=True, metavar="ENDEREÇO", help="Endereço de escuta."
)
@option(
    "--port", type=IntInRange(1, 65535), default=8000, show_default=True, help="Porta de escuta."
)
@option(
    "--workers", type=IntInRange(1, 64), default=2, show_default=True, help="Processos gunicorn."
)
@option(
    "--raw-ra",
    is_flag=True,
    help="Grava o RA no log como enviado [padrão: pseudônimo com chave, DEFASAGEM_LOG_KEY].",
)
@path_option(
    "--auth",
    "auth_dir",
    default=None,
    envvar=AUTH_ENV,
    metavar="PASTA",
    help=f"Pasta de acesso (usuários e tokens) [padrão: <logs>/acesso; ou {AUTH_ENV}].",
)
@option("--no-auth", is_flag=True, help="Sem login nem token: só para teste local (avisa).")
@option("--private-metrics", is_flag=True, help="/metrics também exige o token Bearer.")
@option(
    "--proxies", type=IntInRange(0, 5), default=0, show_default=True,
    help="Proxies reversos (HTTPS) à frente cujos cabeçalhos X-Forwarded-* valem.",
)  # fmt: skip
@database_option
@path_option(
    "--interventions",
    "interventions_path",
    default=None,
    metavar="ARQUIVO",
    help="Lista das intervenções dos acompanhamentos [padrão: configs/acompanhamento.toml].",
)
def serve(
    model_dir: Path,
    logs_dir: Path,
    reports_dir: Path | None,
    host: str,
    port: int,
    workers: int,
    raw_ra: bool,
    auth_dir: Path | None,
    no_auth: bool,
    private_metrics: bool,
    proxies: int,
    database: str | None,
    interventions_path: Path | None,
) -> None:
    """Serve a API e as páginas (login, tokens Bearer, /health e /ready abertos)."""
    from defasagem.api.server import serve as run_server

    # One OpenMP thread per worker, always: the workers are the parallelism, and a master that
    # used an OpenMP pool (loading the model below) makes forked workers hang in LightGBM.
    os.environ["OMP_NUM_THREADS"] = "1"

    loopback = host in LOOPBACK
    if no_auth and not loopback:
        raise DefasagemError(
            f"--no-auth só com --host 127.0.0.1 (ou localhost): em {host}, qualquer um na rede "
            "leria e pontuaria dados de alunos sem login."
        )
    auth = None if no_auth else access_settings(auth_dir or logs_dir / "acesso", workers)
    if auth is not None and not loopback and proxies == 0:
        click.echo(
            f"Aviso: --host {host} sem --proxies: senhas e tokens trafegam sem criptografia. "
            "Em produção, ponha um proxy HTTPS na frente (README, seção Segurança).",
            err=True,
        )
    if auth is not None:
        auth = dataclasses.replace(auth, metrics_open=not private_metrics, proxies=proxies)
    settings = ApiSettings(
        model_dir,
        logs_dir,
        reports=reports_dir,
        log_key=os.environ.get("DEFASAGEM_LOG_KEY") or None,
        raw_ra=raw_ra,
        auth=auth,
        database=database,
        interventions=interventions_of(interventions_path),
    )
    if no_auth:
        click.echo(
            f"ATENÇÃO: --no-auth: sem login nem token, qualquer um que alcance {host}:{port} lê "
            "e pontua dados de alunos. Use só em teste local.",
            err=True,
        )
    if raw_ra:
        click.echo("Aviso: o RA será gravado no log como enviado (--raw-ra), sem pseudônimo.")
    check_port_free(host, port)
    from defasagem.modeling.bundle import load_bundle

    try:
        load_bundle(model_dir)
    except DefasagemError as exc:  # the server still starts: /ready says why until it is fixed
        click.echo(f"Aviso: o modelo não carrega ({exc}); /ready responde 503 até corrigir.")
    prepare_database(settings.database_url)
    retire_folder_lists(logs_dir)
    click.echo(
        f"API em http://{host}:{port} (modelo {model_dir}, logs em {logs_dir}, relatórios de "
        f"drift em {settings.reports_dir})."
    )
    run_server(settings, host=host, port=port, workers=workers)


def retire_folder_lists(logs_dir: Path) -> int:
    """Delete the scored lists an older version kept in ``<logs>/resultados/`` (now they live in
    the database): nothing would ever prune them again. Returns how many were deleted."""
    folder = logs_dir / "resultados"
    removed = 0
    for path in [*folder.glob("*.joblib"), *folder.glob("*.tmp")]:
        try:
            path.unlink()
            removed += 1
        except OSError:
            continue
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when empty
    if removed:
        click.echo(f"{removed} lista(s) antiga(s) de {folder} apagada(s) (agora ficam no banco).")
    return removed


def interventions_of(path: Path | None) -> tuple[str, ...]:
    """The follow-up interventions: of ``path``, else of configs/acompanhamento.toml, else the
    built-in list (an installed package without the configs folder)."""
    from defasagem.store.followups import DEFAULT_INTERVENTIONS, load_interventions

    if path is not None:
        return load_interventions(path)
    default = default_config("acompanhamento.toml")
    return load_interventions(default) if default.is_file() else DEFAULT_INTERVENTIONS


def prepare_database(url: str) -> None:
    """Migrate the database before the workers start (they would wait for each other), and say
    where it is; one that cannot be reached is a warning: /ready reports it until it is back."""
    from defasagem.store.database import make_engine
    from defasagem.store.migrate import prepare

    engine = make_engine(url)
    try:
        reached = prepare(engine)
    except DefasagemError as exc:
        click.echo(f"Aviso: {exc}; /ready responde 503 até o banco voltar.", err=True)
        return
    finally:
        engine.dispose()  # no connection may cross the fork into the workers
    click.echo(f"Banco: {engine.url.render_as_string(hide_password=True)} (esquema {reached}).")


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def access_settings(folder: Path, workers: int) -> AuthSettings:
    """The access control of ``serve``: refused, in Portuguese, without a token and a user."""
    from defasagem.access import ENV_TOKENS, AccessStore

    env_tokens = os.environ.get(ENV_TOKENS) or None
    store = AccessStore(folder, env_tokens)
    missing = [
        what
        for what, count in (
            (f"um token da API (defasagem tokens add NOME --auth {folder}, ou {ENV_TOKENS})",
             store.token_count()),
            (f"um usuário das páginas (defasagem users add NOME --auth {folder})",
             len(store.users())),
        )
        if count == 0
    ]  # fmt: skip
    if missing:
        absent = "" if folder.is_dir() else f" (a pasta {folder} ainda não existe)"
        raise DefasagemError(
            f"o servidor não inicia sem controle de acesso{absent}; falta "
            + " e ".join(missing)
            + ". Só para teste local: --no-auth."
        )
    store.session_key()  # created once here, before the workers read it
    click.echo(
        f"Acesso: {len(store.users())} usuário(s) e {store.token_count()} token(s) de {folder}; "
        f"até {10 * workers} logins errados por minuto por endereço ({workers} workers)."
    )
    return AuthSettings(folder, env_tokens=env_tokens)


def check_port_free(host: str, port: int) -> None:
    """Refuse, in Portuguese, a port another program already listens on (gunicorn would retry
    and then fail in English)."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DefasagemError(
                f"--port {port}: não foi possível escutar em {host}:{port} ({exc.strerror}); "
                "outro programa já usa a porta? Escolha outra com --port."
            ) from None


@cli.group(cls=PtGroup, short_help="Log de previsões.", subcommand_metavar="COMANDO [ARGS]...")
@help_option()
def logs() -> None:
    """Log de previsões da API."""


@logs.command(name="export", short_help="Exporta o log de previsões como Parquet.")
@help_option()
@logs_option
@output_option(".parquet", help="Tabela de saída (.parquet).")
def export_logs(logs_dir: Path, out: Path) -> None:
    """Junta os arquivos do log de previsões numa tabela Parquet (para o drift)."""
    from defasagem.monitoring.prediction_log import read_log

    table = read_log(logs_dir)
    write_atomically(out, lambda tmp: table.to_parquet(tmp, index=False))
    click.echo(f"{len(table)} previsões gravadas em {out}.")


@cli.group(cls=PtGroup, short_help="Banco de dados.", subcommand_metavar="COMANDO [ARGS]...")
@help_option()
def db() -> None:
    """Banco de dados dos acompanhamentos (SQLite na pasta de dados, ou PostgreSQL)."""


@db.command(name="upgrade", short_help="Cria ou migra o banco até o esquema mais novo.")
@help_option()
@with_database_options
def db_upgrade(logs_dir: Path, database: str | None) -> None:
    """Cria o banco, se preciso, e aplica as migrações que faltam (nada se perde)."""
    from defasagem.store.database import opened
    from defasagem.store.migrate import upgrade

    with opened(logs_dir, database) as engine:
        click.echo(f"Banco no esquema {upgrade(engine)} (o mais novo).")


@db.command(name="current", short_help="Mostra em que esquema o banco está.")
@help_option()
@with_database_options
def db_current(logs_dir: Path, database: str | None) -> None:
    """Mostra a migração em que o banco está e a mais nova desta versão."""
    from defasagem.store.database import opened
    from defasagem.store.migrate import current, head

    with opened(logs_dir, database) as engine:
        found = current(engine)
    click.echo(
        f"Banco no esquema {found or 'nenhum (rode defasagem db upgrade)'}; o mais novo é {head()}."
    )


@cli.group(cls=PtGroup, short_help="Acompanhamentos.", subcommand_metavar="COMANDO [ARGS]...")
@help_option()
def followup() -> None:
    """Registro de acompanhamentos (quem a equipe acompanha, como, e cada alteração)."""


@followup.command(name="export", short_help="Exporta todo o registro (.xlsx ou .csv).")
@help_option()
@with_database_options
@output_option(
    ".xlsx", ".csv",
    help="Arquivo de saída: .xlsx (registros atuais e histórico) ou .csv (histórico completo).",
)  # fmt: skip
def followup_export(logs_dir: Path, database: str | None, out: Path) -> None:
    """Exporta os acompanhamentos e o histórico de cada alteração (quem, quando, o quê)."""
    from defasagem.followup_export import export_bytes
    from defasagem.store.database import opened
    from defasagem.store.followups import FollowupStore
    from defasagem.store.migrate import require_head

    with opened(logs_dir, database) as engine:
        require_head(engine, logs_dir)
        store = FollowupStore(engine)
        records, events = store.all(), store.events()
    content = export_bytes(records, events, out.suffix.lower())
    write_atomically(out, lambda tmp: tmp.write_bytes(content))
    click.echo(
        f"{len(records)} acompanhamento(s) e {len(events)} alteração(ões) gravados em {out}."
    )


@cli.command(short_help="Relatório de drift do tráfego registrado (Evidently).")
@help_option()
@model_option
@logs_option
@path_option(
    "--out",
    "out_dir",
    required=True,
    metavar="PASTA",
    help="Pasta de saída (drift_report.html e drift.json).",
)
@option(
    "--since",
    type=Moment(),
    default=None,
    help="Só previsões a partir deste momento (UTC se sem fuso) [padrão: todo o log].",
)
@option(
    "--reference-year",
    "reference_years",
    type=IntInRange(2000, 2100),
    multiple=True,
    help="Ano(s) da referência do pacote [padrão: o ano mais recente do treino].",
)
@option(
    "--min-rows", type=IntInRange(10, 1_000_000), default=100, show_default=True,
    help="Mínimo de previsões na janela.",
)  # fmt: skip
def drift(
    model_dir: Path,
    logs_dir: Path,
    out_dir: Path,
    since: Any,
    reference_years: tuple[int, ...],
    min_rows: int,
) -> None:
    """Compara as previsões registradas com a referência do modelo."""
    from defasagem.modeling.bundle import load_bundle
    from defasagem.monitoring.drift import REPORT_HTML, REPORT_JSON, compute_drift, exclusive_run

    bundle = load_bundle(model_dir)
    with exclusive_run(out_dir):  # the server's page may be writing the same folder
        summary = compute_drift(
            bundle,
            logs_dir,
            out_dir,
            since=since,
            reference_years=reference_years or None,
            min_rows=min_rows,
        )
    click.echo(drift_summary_text(summary))
    click.echo(f"Relatório em {out_dir / REPORT_HTML}; resumo em {out_dir / REPORT_JSON}.")


def drift_summary_text(summary: dict[str, Any]) -> str:
    """A few lines on a drift summary."""
    window, reference = summary["window"], summary["reference"]
    lines = [
        f"{window['n']} previsões de {window['first'][:16]} a {window['last'][:16]} (UTC) contra "
        f"{reference['n']} linhas de referência ({', '.join(map(str, reference['years']))}).",
        f"Variáveis com drift: {summary['n_drifted']} de {summary['n_features']} "
        f"({percent(summary['share_drifted'])}); drift do conjunto: "
        f"{'sim' if summary['dataset_drift'] else 'não'}.",
    ]
    for name in summary["drifted_features"]:
        entry = summary["features"][name]
        parts = []
        if entry["value_drifted"]:
            parts.append(f"{entry['method']} {number(entry['statistic'], 3)}")
        if entry["missing_drifted"]:
            parts.append(
                f"ausentes {percent(entry['missing_reference'])} → "
                f"{percent(entry['missing_current'])}"
            )
        lines.append(f"  {name}: {'; '.join(parts)}")
    prediction = summary["prediction"]
    lines.append(
        f"Probabilidade prevista: {prediction['method']} {number(prediction['statistic'], 3)} "
        f"({'com' if prediction['drifted'] else 'sem'} drift)."
    )
    return "\n".join(lines)


@cli.command(short_help="Envia tráfego realista à API (com drift opcional).")
@help_option()
@option("--url", required=True, metavar="URL", help="Endereço da API (ex.: http://localhost:8000).")
@data_option("Exportação PEDE (.xlsx ou .csv) de onde sair os alunos.")
@option("--year", type=IntInRange(2000, 2100), default=None, help="Ano [padrão: o mais recente].")
@option("--n", type=IntInRange(1, 1_000_000), default=1000, show_default=True, help="Alunos.")
@option(
    "--drift",
    "drift_kind",
    default=None,
    metavar="TIPO",
    help="Drift injetado: engagement, missing ou new-category [padrão: nenhum].",
)
@option("--seed", type=IntInRange(0, 2**31 - 1), default=42, show_default=True, help="Semente.")
@option(
    "--batch", type=IntInRange(1, 5000), default=20, show_default=True,
    help="Alunos por pedido (1 = um pedido por aluno).",
)  # fmt: skip
@option(
    "--token", default=None, envvar="DEFASAGEM_API_TOKEN", metavar="TOKEN",
    help="Token da API (Bearer) [ou DEFASAGEM_API_TOKEN].",
)  # fmt: skip
def simulate(
    url: str,
    files: tuple[Path, ...],
    year: int | None,
    n: int,
    drift_kind: str | None,
    seed: int,
    batch: int,
    token: str | None,
) -> None:
    """Sorteia alunos de uma exportação PEDE e os envia a /predict."""
    from defasagem.monitoring import simulator

    simulator.check_drift_kind(drift_kind)  # before reading the file
    records, left_out = simulator.requests_of_year(ingest_files(list(files)).table, year)
    if left_out:
        click.echo(
            f"{len(left_out)} aluno(s) do arquivo fora da simulação (a API os recusaria), "
            f"ex.: {left_out[0]}"
        )
    students = simulator.sample(records, n, drift_kind, seed)
    with click.progressbar(length=n, label="Enviando", show_pos=True) as bar:
        result = simulator.send(url, students, batch=batch, token=token, progress=bar.update)
    click.echo(
        f"{result.scored} de {result.sent} alunos pontuados"
        + (f" (drift: {drift_kind})." if drift_kind else ".")
    )
    if result.refused:
        raise DefasagemError(
            f"{result.refused} aluno(s) recusados; primeiro erro: {result.first_error}"
        )


@logs.command(name="prune", short_help="Apaga os dias de log mais antigos (retenção).")
@help_option()
@logs_option
@option(
    "--older-than", "days", type=IntInRange(1, 36500), required=True, metavar="DIAS",
    help="Apaga os arquivos de dias anteriores a DIAS dias atrás.",
)  # fmt: skip
def prune_logs(logs_dir: Path, days: int) -> None:
    """Apaga os arquivos diários do log com mais de DIAS dias (o dia de hoje nunca)."""
    from defasagem.monitoring.prediction_log import prune

    removed = prune(logs_dir, days)
    click.echo(f"{len(removed)} arquivo(s) de log apagado(s) (mais de {days} dias).")


cli.add_command(users)
cli.add_command(tokens)
cli.add_command(models)
cli.add_command(outcomes)


def summary_of_metrics(metrics: dict[str, Any]) -> str:
    """A few lines on the test transition: the model against persistence."""
    model = metrics["model"]
    persistence = metrics["baselines"]["persistence"]
    gain = metrics["gain_over_persistence"]
    low, high = model["roc_auc_ci"]
    return "\n".join(
        [
            f"Teste {metrics['test_transition']} ({model['n']} alunos, "
            f"{model['positives']} defasados no ano seguinte):",
            f"  ROC-AUC {number(model['roc_auc'])} (IC 95 % {number(low)} a {number(high)}); "
            f"persistência {number(persistence['roc_auc'])}; ganho "
            f"{number(gain['gain'], sign=True)} (IC {number(gain['ci'][0], sign=True)} a "
            f"{number(gain['ci'][1], sign=True)})",
            f"  PR-AUC {number(model['pr_auc'])}; precisão nos "
            f"{percent(metrics['policy']['share'])} de maior risco "
            f"{percent(model['precision_top20'], 1)}; Brier {number(model['brier'])}; "
            f"ROC-AUC de defasagem nova {number(model['new_lag_roc_auc'])}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: bad input → a Portuguese message and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, prog_name="defasagem", standalone_mode=False)
    except DefasagemError as exc:
        click.echo(f"erro: {exc}", err=True)
        return EXIT_BAD_INPUT
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.message)
        return 0
    except click.UsageError as exc:
        click.echo(usage_message(exc, argv if argv is not None else sys.argv[1:], cli), err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        click.echo(f"erro: {exc.format_message()}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("interrompido.", err=True)
        return EXIT_UNEXPECTED
    except Exception as exc:
        if os.environ.get("DEFASAGEM_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"erro inesperado: {type(exc).__name__}: {exc}. "
            "Rode com DEFASAGEM_DEBUG=1 para ver os detalhes e relate o problema.",
            err=True,
        )
        return EXIT_UNEXPECTED
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
