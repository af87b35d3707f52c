"""``defasagem users`` and ``defasagem tokens``: who may use the server (see defasagem.access)."""

from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path

import click

from defasagem.access import ROLES, AccessStore, check_name, check_password
from defasagem.cli_pt import PtChoice, PtGroup, help_option, option, path_option
from defasagem.errors import DefasagemError

AUTH_ENV = "DEFASAGEM_AUTH_DIR"

auth_option = path_option(
    "--auth",
    "auth_dir",
    required=True,
    envvar=AUTH_ENV,
    metavar="PASTA",
    help=f"Pasta de acesso (usuários, tokens, chave das sessões) [ou {AUTH_ENV}].",
)


def existing(folder: Path) -> Path:
    """``folder`` if it exists: reading or removing from a mistyped folder is an error."""
    if not folder.is_dir():
        raise DefasagemError(
            f"--auth {folder}: a pasta de acesso não existe (ela é criada pelo primeiro "
            "'defasagem users add' ou 'defasagem tokens add')."
        )
    return folder


@click.group(cls=PtGroup, short_help="Usuários das páginas web.", subcommand_metavar="COMANDO")
@help_option()
def users() -> None:
    """Usuários das páginas web (senhas guardadas como hash argon2)."""


@users.command(name="add", short_help="Cria um usuário (ou troca a senha com --replace).")
@help_option()
@click.argument("name", metavar="NOME")
@auth_option
@option("--replace", is_flag=True, help="Troca a senha de um usuário que já existe.")
@option("--password-stdin", is_flag=True, help="Lê a senha da primeira linha da entrada padrão.")
@option("--generate-password", is_flag=True, help="Sorteia uma senha forte e a mostra uma vez.")
@option("--quiet", is_flag=True, help="Imprime só a senha sorteada (para scripts).")
@option(
    "--role",
    type=PtChoice(ROLES),
    default=None,
    help="administracao: também promove e reverte versões do modelo; coordenacao: lê e "
    "registra acompanhamentos; leitura: só lê [padrão: coordenacao, ou o papel que o usuário "
    "já tinha].",
)
def add_user(
    name: str,
    auth_dir: Path,
    replace: bool,
    password_stdin: bool,
    generate_password: bool,
    quiet: bool,
    role: str | None,
) -> None:
    """Cria o usuário NOME; a senha é pedida duas vezes, sem eco."""
    check_name(name, "usuário")  # before asking for a password
    if password_stdin and generate_password:
        raise DefasagemError("use --password-stdin ou --generate-password, não os dois.")
    store = AccessStore(auth_dir)
    if not replace and store.has_user(name):
        raise DefasagemError(f"o usuário {name!r} já existe; para trocar a senha use --replace.")
    if generate_password:
        password = secrets.token_urlsafe(12)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = _ask_password(name)
    replaced = store.add_user(name, password, replace=replace, role=role)
    if quiet:
        if generate_password:
            click.echo(password)
        return
    done = "Senha trocada (as sessões abertas deixam de valer)" if replaced else "Usuário criado"
    click.echo(f"{done}: {name}, papel {store.user_role(name)} (em {auth_dir}).")
    if generate_password:
        click.echo(f"Senha: {password}")
        click.echo("Guarde-a agora: ela não é gravada em lugar nenhum, só o seu hash.")


def _ask_password(name: str) -> str:
    if not sys.stdin.isatty():
        raise DefasagemError(
            "sem terminal para pedir a senha: use --password-stdin (senha na entrada padrão) "
            "ou --generate-password."
        )
    password = getpass.getpass("Senha: ")
    check_password(name, password)  # before asking again
    if getpass.getpass("Repita a senha: ") != password:
        raise DefasagemError("as duas senhas digitadas são diferentes; nada foi gravado.")
    return password


@users.command(name="remove", short_help="Remove um usuário (suas sessões deixam de valer).")
@help_option()
@click.argument("name", metavar="NOME")
@auth_option
def remove_user(name: str, auth_dir: Path) -> None:
    """Remove o usuário NOME."""
    AccessStore(existing(auth_dir)).remove_user(name)
    click.echo(f"Usuário removido: {name}. Suas sessões abertas deixam de valer já.")


@users.command(name="list", short_help="Lista os usuários.")
@help_option()
@auth_option
def list_users(auth_dir: Path) -> None:
    """Lista os nomes dos usuários."""
    store = AccessStore(existing(auth_dir))
    lines = [f"{name}\t{store.user_role(name)}" for name in store.users()]
    click.echo("\n".join(lines) if lines else f"Nenhum usuário em {auth_dir}.")


@users.command(
    name="role", short_help="Troca o papel de um usuário (administracao, coordenacao ou leitura)."
)
@help_option()
@click.argument("name", metavar="NOME")
@click.argument("role", metavar="PAPEL", type=PtChoice(ROLES))
@auth_option
def set_role(name: str, role: str, auth_dir: Path) -> None:
    """Dá ao usuário NOME o PAPEL (administracao, coordenacao ou leitura); vale no próximo
    pedido."""
    AccessStore(existing(auth_dir)).set_role(name, role)
    click.echo(f"Usuário {name}: papel {role} (vale já, sem novo login).")


@click.group(cls=PtGroup, short_help="Tokens da API.", subcommand_metavar="COMANDO")
@help_option()
def tokens() -> None:
    """Tokens da API (Authorization: Bearer); só o hash SHA-256 fica gravado."""


@tokens.command(name="add", short_help="Cria um token e o mostra uma única vez.")
@help_option()
@click.argument("name", metavar="NOME")
@auth_option
@option("--quiet", is_flag=True, help="Imprime só o token (para scripts).")
def add_token(name: str, auth_dir: Path, quiet: bool) -> None:
    """Cria o token NOME (um por sistema cliente, para poder revogar um só)."""
    token = AccessStore(auth_dir).add_token(name)
    if quiet:
        click.echo(token)
        return
    click.echo(f"Token {name} criado (em {auth_dir}):\n{token}")
    click.echo("Guarde-o agora: só o seu hash é gravado. Use: Authorization: Bearer <token>")


@tokens.command(name="revoke", short_help="Revoga um token (recusado a partir do próximo pedido).")
@help_option()
@click.argument("name", metavar="NOME")
@auth_option
def revoke_token(name: str, auth_dir: Path) -> None:
    """Revoga o token NOME."""
    AccessStore(existing(auth_dir)).revoke_token(name)
    click.echo(f"Token revogado: {name}. O servidor o recusa a partir do próximo pedido.")


@tokens.command(name="list", short_help="Lista os tokens (nomes e datas, nunca o token).")
@help_option()
@auth_option
def list_tokens(auth_dir: Path) -> None:
    """Lista os tokens gravados."""
    found = AccessStore(existing(auth_dir)).tokens()
    lines = [f"{t['nome']}\tcriado em {t['criado_em']}" for t in found]
    click.echo("\n".join(lines) if lines else f"Nenhum token em {auth_dir}.")
