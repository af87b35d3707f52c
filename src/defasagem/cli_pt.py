"""Click in Brazilian Portuguese: help headings, option notes, usage errors and number types.

Click writes its own texts in English; coordinators and operators read Portuguese, so the few
texts a user meets (help page headings, "[required]", usage errors) are given here.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_HELP_NOTES = {"required": "obrigatório", "default:": "padrão:"}


class PtOption(click.Option):
    """An option whose help notes ("[required]", "default:") are in Portuguese."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        """The option's line in ``--help``."""
        record = super().get_help_record(ctx)
        if record is None:
            return None
        names, text = record
        for english, portuguese in _HELP_NOTES.items():
            text = text.replace(english, portuguese)
        return names, text


class PtCommand(click.Command):
    """A command whose help page headings are in Portuguese."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Uso:" line."""
        pieces = [p.replace("[OPTIONS]", "[OPÇÕES]") for p in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Uso: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The "Opções" section."""
        records = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument)
            and (record := param.get_help_record(ctx)) is not None
        ]
        if records:
            with formatter.section("Opções"):
                formatter.write_dl(records)


class PtGroup(PtCommand, click.Group):
    """The top-level command group, with Portuguese headings and commands."""

    command_class = PtCommand

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Options, then the "Comandos" section."""
        PtCommand.format_options(self, ctx, formatter)
        rows = [
            (name, command.get_short_help_str(formatter.width - 6 - len(name)))
            for name in self.list_commands(ctx)
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        ]
        if rows:
            with formatter.section("Comandos"):
                formatter.write_dl(rows)


option = functools.partial(click.option, cls=PtOption)
help_option = functools.partial(click.help_option, "-h", "--help", help="Mostra esta ajuda e sai.")


def path_option(
    flag: str, dest: str, *, metavar: str, help: str, **kwargs: Any
) -> Callable[[F], F]:
    """An option holding a path. Existence and kind are checked by the command itself, so every
    error is in Portuguese (click's own path checks answer in English)."""
    return option(
        flag, dest, metavar=metavar, type=click.Path(path_type=Path, readable=False), help=help,
        **kwargs,
    )  # fmt: skip


class IntInRange(click.ParamType):  # type: ignore[type-arg]
    """A whole number within [low, high], with Portuguese error messages."""

    name = "inteiro"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """Shown in --help: ``INTEIRO``."""
        return "INTEIRO"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Parse and check the range."""
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"'{value}' não é um número inteiro", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{number} está fora do intervalo {self.low}–{self.high}", param, ctx)
        return number


class OutputPath(click.ParamType):  # type: ignore[type-arg]
    """An output file path that must end in one of the given suffixes."""

    name = "arquivo"

    def __init__(self, *suffixes: str) -> None:
        self.suffixes = suffixes

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """Shown in --help: ``ARQUIVO``."""
        return "ARQUIVO"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        """Check the suffix; the folder is created (or refused) when the file is written."""
        path = Path(value)
        if path.suffix.lower() not in self.suffixes:
            self.fail(f"a saída deve terminar em {' ou '.join(self.suffixes)}", param, ctx)
        return path


def output_option(*suffixes: str, help: str) -> Callable[[F], F]:
    """The required ``--out`` option of a command that writes one file."""
    return option("--out", required=True, type=OutputPath(*suffixes), help=help)


_QUOTED = re.compile(r"'([^']*)'")


def usage_message(exc: click.UsageError, argv: list[str], root: click.Group) -> str:
    """A usage error in Portuguese, with a pointer to the help of the command the user typed."""
    hint = ""
    if isinstance(exc, click.BadParameter | click.MissingParameter):
        given = exc.param_hint
        if given is None and exc.param is not None and exc.ctx is not None:
            given = exc.param.get_error_hint(exc.ctx)
        hint = given if isinstance(given, str) else " / ".join(given or [])
    if isinstance(exc, click.MissingParameter):
        text = f"falta {hint}"
    elif isinstance(exc, click.BadParameter):
        text = f"valor inválido para {hint}: {exc.message}"
    elif isinstance(exc, click.NoSuchOption):
        text = f"opção desconhecida: {exc.option_name}"
    elif isinstance(exc, click.BadOptionUsage):
        text = f"a opção {exc.option_name} precisa de um valor"
    elif exc.message.startswith("No such command"):
        found = _QUOTED.search(exc.message)
        text = f"comando desconhecido: {found.group(1) if found else exc.message}"
    elif exc.message.startswith("Got unexpected extra argument"):
        text = "argumento(s) a mais: " + exc.message.split("(", 1)[-1].rstrip(")")
    else:
        text = exc.message
    if exc.ctx is not None and exc.ctx.command is not root:
        path = exc.ctx.command_path
    elif argv and argv[0] in root.commands:
        # The error surfaced before the subcommand had a context of its own.
        path = f"{root.name} {argv[0]}"
    else:
        path = str(root.name)
    return f"erro: {text}.\nVeja '{path} --help'."


class Moment(click.ParamType):  # type: ignore[type-arg]
    """A date or date and time (ISO 8601); without a time zone it is UTC, like the log."""

    name = "momento"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        """Shown in --help: ``DATA[THH:MM]``."""
        return "DATA[THH:MM]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.datetime:
        """Parse ``2026-11-01`` or ``2026-11-01T14:30`` (optionally with an offset)."""
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"'{value}' não é uma data como 2026-11-01 ou 2026-11-01T14:30", param, ctx)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


class PtChoice(click.Choice):  # type: ignore[type-arg]
    """One of fixed words, refused in Portuguese (click's own message is English)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The word, if it is one of the choices."""
        if value not in self.choices:
            self.fail(f"'{value}' não é um de: {', '.join(map(str, self.choices))}", param, ctx)
        return value
