"""The access folder (users and tokens) and `defasagem users` / `defasagem tokens` / `serve`."""

from __future__ import annotations

import io
import json
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from defasagem.access import TOKENS_FILE, USERS_FILE, AccessStore
from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.errors import DefasagemError
from servers import free_port


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "acesso"


def test_passwords_are_stored_as_argon2_hashes_in_private_files(folder: Path) -> None:
    store = AccessStore(folder)
    store.add_user("maria", "senha-muito-boa")
    token = store.add_token("painel")
    users = (folder / USERS_FILE).read_text(encoding="utf-8")
    tokens = (folder / TOKENS_FILE).read_text(encoding="utf-8")
    assert "senha-muito-boa" not in users
    assert json.loads(users)["entradas"]["maria"]["hash"].startswith("$argon2id$")
    assert token not in tokens
    for name in (USERS_FILE, TOKENS_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert store.verify_password("maria", "senha-muito-boa")
    assert not store.verify_password("maria", "senha-muito-boz")
    assert not store.verify_password("joana", "senha-muito-boa")
    assert store.token_name(token) == "painel"
    assert store.token_name(token + "x") is None


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("maria", "curta", "ao menos 10 caracteres"),
        ("maria", "x" * 1025, "passa de 1024"),
        ("mariana1234", "MARIANA1234", "o próprio nome"),
        ("maria silva", "senha-muito-boa", "nome de usuário inválido"),
        ("-maria", "senha-muito-boa", "nome de usuário inválido"),
        ("", "senha-muito-boa", "nome de usuário inválido"),
    ],
)
def test_bad_names_and_passwords_are_refused_in_portuguese(
    folder: Path, name: str, password: str, message: str
) -> None:
    with pytest.raises(DefasagemError, match=message):
        AccessStore(folder).add_user(name, password)
    assert not (folder / USERS_FILE).exists()


def test_duplicates_and_missing_entries_are_refused_and_nothing_is_lost(folder: Path) -> None:
    store = AccessStore(folder)
    store.add_user("maria", "senha-muito-boa")
    with pytest.raises(DefasagemError, match="já existe"):
        store.add_user("maria", "outra-senha-boa")
    assert store.verify_password("maria", "senha-muito-boa")
    store.add_user("maria", "outra-senha-boa", replace=True)
    assert store.verify_password("maria", "outra-senha-boa")
    with pytest.raises(DefasagemError, match="não existe"):
        store.remove_user("joana")
    store.add_token("painel")
    with pytest.raises(DefasagemError, match="já existe um token"):
        store.add_token("painel")
    with pytest.raises(DefasagemError, match="não existe token"):
        store.revoke_token("outro")
    assert store.users() == ["maria"]
    assert [t["nome"] for t in store.tokens()] == ["painel"]


def test_concurrent_additions_keep_every_entry(folder: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: AccessStore(folder).add_token(f"cliente-{i}"), range(24)))
    assert AccessStore(folder).token_count() == 24


def test_a_reader_sees_changes_made_by_another_process(folder: Path) -> None:
    reader, writer = AccessStore(folder), AccessStore(folder)
    assert reader.users() == []
    writer.add_user("maria", "senha-muito-boa")
    assert reader.has_user("maria")
    writer.remove_user("maria")
    assert not reader.has_user("maria")


@pytest.mark.parametrize(
    ("content", "message"),
    [("{quebrado", "corrompido"), ('{"versao": 1}', "formato inesperado"), ("[]", "formato")],
)
def test_a_damaged_file_is_named_in_the_error(folder: Path, content: str, message: str) -> None:
    folder.mkdir()
    (folder / USERS_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(DefasagemError, match=message) as error:
        AccessStore(folder).users()
    assert USERS_FILE in str(error.value)


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match="pasta de acesso inutilizável"):
        AccessStore(blocker / "acesso").add_token("painel")


def test_the_session_key_is_created_once_and_shared(folder: Path) -> None:
    first, second = AccessStore(folder).session_key(), AccessStore(folder).session_key()
    assert first == second
    assert len(first) == 64


# -- the commands ----------------------------------------------------------------------------
def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_users_add_from_stdin_list_and_remove(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("senha-muito-boa\n"))
    auth = ["--auth", str(folder)]
    assert run(["users", "add", "maria", *auth, "--password-stdin"], capsys)[0] == 0
    assert AccessStore(folder).verify_password("maria", "senha-muito-boa")
    assert run(["users", "list", *auth], capsys)[1] == "maria\tcoordenacao\n"
    assert run(["users", "remove", "maria", *auth], capsys)[0] == 0
    assert "Nenhum usuário" in run(["users", "list", *auth], capsys)[1]
    code, _, err = run(["users", "remove", "maria", *auth], capsys)
    assert (code, err) == (EXIT_BAD_INPUT, "erro: o usuário 'maria' não existe.\n")


def test_users_add_generates_a_password_shown_once(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["users", "add", "demo", "--auth", str(folder), "--generate-password"]
    code, out, _ = run(args, capsys)
    assert code == 0
    password = next(line for line in out.splitlines() if line.startswith("Senha: "))[7:]
    assert AccessStore(folder).verify_password("demo", password)
    assert password not in (folder / USERS_FILE).read_text(encoding="utf-8")


def test_users_add_asks_twice_and_refuses_a_mismatch(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter(["senha-muito-boa", "senha-muito-boz"])
    monkeypatch.setattr("sys.stdin", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    code, _, err = run(["users", "add", "maria", "--auth", str(folder)], capsys)
    assert code == EXIT_BAD_INPUT
    assert "as duas senhas digitadas são diferentes" in err
    assert AccessStore(folder).users() == []


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_users_add_without_a_terminal_says_how(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run(["users", "add", "maria", "--auth", str(folder)], capsys)
    assert code == EXIT_BAD_INPUT
    assert "--password-stdin" in err
    both = ["users", "add", "maria", "--auth", str(folder), "--password-stdin"]
    code, _, err = run([*both, "--generate-password"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "não os dois" in err


def test_users_needs_the_access_folder_from_option_or_environment(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEFASAGEM_AUTH_DIR", raising=False)
    code, _, err = run(["users", "list"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "--auth" in err
    monkeypatch.setenv("DEFASAGEM_AUTH_DIR", str(folder))
    assert run(["tokens", "add", "painel", "--quiet"], capsys)[0] == 0
    assert AccessStore(folder).token_count() == 1


def test_tokens_add_prints_the_token_once_and_list_never_shows_it(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ["--auth", str(folder)]
    code, out, _ = run(["tokens", "add", "painel", *auth, "--quiet"], capsys)
    token = out.strip()
    assert code == 0
    assert token.startswith("dfs_")
    assert AccessStore(folder).token_name(token) == "painel"
    code, listing, _ = run(["tokens", "list", *auth], capsys)
    assert listing.startswith("painel\tcriado em ")
    assert token not in listing
    assert "Token revogado: painel" in run(["tokens", "revoke", "painel", *auth], capsys)[1]
    assert AccessStore(folder).token_name(token) is None
    assert "Nenhum token" in run(["tokens", "list", *auth], capsys)[1]


# -- serve is closed by default ---------------------------------------------------------------
@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """`serve` up to the point where gunicorn would start (its settings are recorded)."""
    calls: list[Any] = []
    monkeypatch.setattr(
        "defasagem.api.server.serve", lambda settings, **options: calls.append(settings)
    )
    monkeypatch.delenv("DEFASAGEM_API_TOKENS", raising=False)
    monkeypatch.delenv("DEFASAGEM_AUTH_DIR", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # serve sets it; restored after the test
    return calls


def serve_args(bundle: Path, tmp_path: Path) -> list[str]:
    port = str(free_port())
    return ["serve", "--model", str(bundle), "--logs", str(tmp_path / "logs"), "--port", port]


def test_serve_refuses_to_start_without_a_token_and_a_user(
    synthetic_bundle: Path,
    tmp_path: Path,
    started: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(serve_args(synthetic_bundle, tmp_path), capsys)
    assert code == EXIT_BAD_INPUT
    assert "falta um token da API" in err
    assert "e um usuário das páginas" in err
    assert "--no-auth" in err
    assert started == []
    AccessStore(tmp_path / "logs" / "acesso").add_user("maria", "senha-muito-boa")
    code, _, err = run(serve_args(synthetic_bundle, tmp_path), capsys)
    assert code == EXIT_BAD_INPUT
    assert "usuário" not in err.split("falta", 1)[1]
    assert started == []


def test_serve_starts_with_access_and_closes_metrics_on_request(
    synthetic_bundle: Path,
    tmp_path: Path,
    started: list[Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "segredos"
    AccessStore(folder).add_user("maria", "senha-muito-boa")
    monkeypatch.setenv("DEFASAGEM_API_TOKENS", "dfs_do_ambiente_com_32_caracteres")
    args = [*serve_args(synthetic_bundle, tmp_path), "--auth", str(folder), "--private-metrics"]
    code, out, _ = run([*args, "--proxies", "1"], capsys)
    assert code == 0
    assert "1 usuário(s) e 1 token(s)" in out
    (settings,) = started
    assert settings.auth.folder == folder
    assert settings.auth.env_tokens == "dfs_do_ambiente_com_32_caracteres"
    assert (settings.auth.metrics_open, settings.auth.proxies) == (False, 1)


def test_serve_with_no_auth_warns_on_every_start(
    synthetic_bundle: Path,
    tmp_path: Path,
    started: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):
        code, _, err = run([*serve_args(synthetic_bundle, tmp_path), "--no-auth"], capsys)
        assert code == 0
        assert "ATENÇÃO: --no-auth" in err
    assert [s.auth for s in started] == [None, None]


def test_no_auth_is_refused_off_the_loopback_and_plain_http_is_warned(
    synthetic_bundle: Path,
    tmp_path: Path,
    started: list[Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = [*serve_args(synthetic_bundle, tmp_path), "--host", "0.0.0.0"]
    code, _, err = run([*args, "--no-auth"], capsys)
    assert code == EXIT_BAD_INPUT
    assert "--no-auth só com --host 127.0.0.1" in err
    store = AccessStore(tmp_path / "logs" / "acesso")
    store.add_user("maria", "senha-muito-boa")
    store.add_token("painel")
    code, _, err = run(args, capsys)
    assert code == 0
    assert "sem --proxies: senhas e tokens trafegam sem criptografia" in err
    code, _, err = run([*args, "--proxies", "1"], capsys)
    assert code == 0
    assert "criptografia" not in err
    assert len(started) == 2


def test_serve_says_when_the_access_folder_does_not_exist_and_refuses_short_env_tokens(
    synthetic_bundle: Path,
    tmp_path: Path,
    started: list[Any],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args = [*serve_args(synthetic_bundle, tmp_path), "--auth", str(tmp_path / "digitada-errada")]
    code, _, err = run(args, capsys)
    assert code == EXIT_BAD_INPUT
    assert "ainda não existe" in err
    monkeypatch.setenv("DEFASAGEM_API_TOKENS", "Bearer")
    code, _, err = run(args, capsys)
    assert code == EXIT_BAD_INPUT
    assert "DEFASAGEM_API_TOKENS: o token n.º 1 tem 6 caractere(s)" in err
    assert started == []


def test_reading_or_removing_from_a_missing_folder_is_an_error(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["users", "list"], ["tokens", "list"], ["users", "remove", "maria"]):
        code, _, err = run([*command, "--auth", str(folder)], capsys)
        assert code == EXIT_BAD_INPUT
        assert "a pasta de acesso não existe" in err
    assert not folder.exists()


def test_an_existing_user_is_refused_before_the_password_is_asked(
    folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    AccessStore(folder).add_user("maria", "senha-muito-boa")
    monkeypatch.setattr("sys.stdin", _Tty())
    monkeypatch.setattr("getpass.getpass", lambda _prompt: pytest.fail("pediu a senha"))
    code, _, err = run(["users", "add", "maria", "--auth", str(folder)], capsys)
    assert code == EXIT_BAD_INPUT
    assert "já existe; para trocar a senha use --replace" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("senha-nova-boa\n"))
    args = ["users", "add", "maria", "--auth", str(folder), "--password-stdin", "--replace"]
    assert "Senha trocada" in run(args, capsys)[1]
    monkeypatch.setattr("sys.stdin", io.StringIO("senha-nova-boa\n"))
    args[2] = "joana"
    assert "Usuário criado: joana" in run(args, capsys)[1]


# -- roles -----------------------------------------------------------------------------------
def test_roles_are_given_kept_changed_and_checked(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    auth = ["--auth", str(folder)]
    add = ["users", "add", "leo", *auth, "--generate-password", "--role", "leitura"]
    code, out, _ = run(add, capsys)
    assert code == 0
    assert "papel leitura" in out
    assert AccessStore(folder).user_role("leo") == "leitura"
    # A new password keeps the role unless another is given.
    store = AccessStore(folder)
    store.add_user("leo", "outra-senha-longa", replace=True)
    assert AccessStore(folder).user_role("leo") == "leitura"
    assert run(["users", "role", "leo", "coordenacao", *auth], capsys)[0] == 0
    assert AccessStore(folder).user_role("leo") == "coordenacao"
    assert run(["users", "list", *auth], capsys)[1] == "leo\tcoordenacao\n"
    code, _, err = run(["users", "role", "leo", "chefe", *auth], capsys)
    assert code != 0
    assert "'chefe' não é um de: administracao, coordenacao, leitura" in err
    code, _, err = run(["users", "role", "ninguem", "leitura", *auth], capsys)
    assert (code, err) == (EXIT_BAD_INPUT, "erro: o usuário 'ninguem' não existe.\n")
    with pytest.raises(DefasagemError, match="papel desconhecido"):
        store.add_user("zeca", "senha-bem-longa", role="chefe")


def test_a_user_written_before_roles_existed_keeps_editing(folder: Path) -> None:
    # The file of an earlier version: entries without "papel" (the migration is this default).
    store = AccessStore(folder)
    store.add_user("antiga", "senha-muito-boa")
    path = folder / "usuarios.json"
    content = json.loads(path.read_text(encoding="utf-8"))
    del content["entradas"]["antiga"]["papel"]
    path.write_text(json.dumps(content), encoding="utf-8")
    assert AccessStore(folder).user_role("antiga") == "coordenacao"
    assert AccessStore(folder).verify_password("antiga", "senha-muito-boa")
    assert AccessStore(folder).user_role("ninguem") is None
