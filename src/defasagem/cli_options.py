"""Options several commands share (``--data``, ``--model``, ``--logs``, ``--database``)."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Any

from defasagem.cli_pt import F, option, path_option

logs_option = path_option(
    "--logs",
    "logs_dir",
    required=True,
    metavar="PASTA",
    help="Pasta do log de previsões da API.",
)


database_option = option(
    "--database",
    "database",
    default=None,
    metavar="URL",
    help="Endereço do banco [padrão: DEFASAGEM_DATABASE_URL, senão <logs>/defasagem.sqlite3].",
)


def data_option(help: str) -> Callable[[F], F]:
    """The repeatable, required ``--data`` option (PEDE exports)."""
    return path_option(
        "--data", "files", multiple=True, required=True, metavar="ARQUIVO", help=help
    )


model_option = path_option(
    "--model",
    "model_dir",
    required=True,
    metavar="PASTA",
    help="Pasta dos modelos (de defasagem train; serve a versão atual) ou de um pacote.",
)


database_options = [
    path_option(
        "--logs",
        "logs_dir",
        required=True,
        metavar="PASTA",
        help="Pasta do servidor (a de serve --logs): onde fica o SQLite sem o banco por URL.",
    ),
    database_option,
]


def with_database_options(command: Any) -> Any:
    """Add ``--logs`` and ``--database`` (where the database is) to a command."""
    for decorate in reversed(database_options):
        command = decorate(command)
    return command


def system_user() -> str:
    """Who runs the command, for the records it writes."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a name
        return "desconhecido"
