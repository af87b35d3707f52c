"""The ``defasagem`` command: parse arguments, call the pipeline, print results (pt-BR)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from defasagem import __version__
from defasagem.cli_pt import (
    IntInRange,
    PtGroup,
    help_option,
    option,
    output_option,
    usage_message,
)
from defasagem.data.ingest import ingest_files, write_table
from defasagem.data.report import format_summary
from defasagem.data.synth import write_synthetic_workbook
from defasagem.errors import DefasagemError

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
