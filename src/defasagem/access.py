"""Who may use the server: web users (argon2 password hashes) and API tokens (SHA-256 digests).

Both live as JSON files in one private folder (the *access folder*, ``--auth``), written
atomically with mode 0600 under a lock, so two ``defasagem users add`` never lose each other's
entry. The server re-reads a file when it changes on disk: removing a user or revoking a token
takes effect on the next request, in every worker, without a restart.

Tokens are random (256 bits), so a fast digest is enough to keep the file useless to whoever
reads it, and keeps the per-request check to microseconds; passwords are chosen by people, so
they get argon2id, which is deliberately slow.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error, private_secret

USERS_FILE = "usuarios.json"
TOKENS_FILE = "tokens.json"
SESSION_KEY_FILE = ".chave-sessao"
LOCK_FILE = ".trava"
TOKEN_PREFIX = "dfs_"
MIN_PASSWORD = 10
MIN_TOKEN = 20
MAX_PASSWORD = 1024
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
ENV_TOKENS = "DEFASAGEM_API_TOKENS"
# What a web user may do: "administracao" also promotes and rolls back model versions,
# "coordenacao" reads and records follow-ups, "leitura" only reads. A user written before roles
# existed has none and keeps working as "coordenacao". The last role is the least one.
ROLES = ("administracao", "coordenacao", "leitura")
EDITOR = "coordenacao"
ADMIN = "administracao"
EDITORS = (ADMIN, EDITOR)

_HASHER = PasswordHasher()
# Verified when the user does not exist, so a wrong name costs as long as a wrong password
# (the answer time does not tell which names exist).
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


def check_name(name: str, what: str) -> str:
    """``name`` if it is a valid user or token name, else a Portuguese error."""
    if not NAME.fullmatch(name):
        raise DefasagemError(
            f"nome de {what} inválido ({name!r}): use de 1 a 64 letras sem acento, algarismos, "
            "'.', '_', '@' ou '-', começando por letra ou algarismo."
        )
    return name


def check_password(name: str, password: str) -> str:
    """``password`` if it is acceptable for user ``name``, else a Portuguese error."""
    if len(password) < MIN_PASSWORD:
        raise DefasagemError(f"a senha precisa de ao menos {MIN_PASSWORD} caracteres.")
    if len(password) > MAX_PASSWORD:
        raise DefasagemError(f"a senha passa de {MAX_PASSWORD} caracteres.")
    if password.strip().casefold() == name.casefold():
        raise DefasagemError("a senha não pode ser o próprio nome do usuário.")
    return password


def check_role(role: str) -> str:
    """``role`` if it is a known role, else a Portuguese error."""
    if role not in ROLES:
        raise DefasagemError(
            f"papel desconhecido ({role!r}): use {', '.join(ROLES[:-1])} ou {ROLES[-1]}."
        )
    return role


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def env_token_digests(value: str | None) -> list[str]:
    """Digests of the tokens in ``DEFASAGEM_API_TOKENS`` (separated by commas or spaces).

    A short entry is refused: it is guessable, or a copy-and-paste slip (the word "Bearer")."""
    tokens = [t for t in re.split(r"[,\s]+", value or "") if t]
    for position, token in enumerate(tokens, start=1):
        if len(token) < MIN_TOKEN:
            raise DefasagemError(
                f"{ENV_TOKENS}: o token n.º {position} tem {len(token)} caractere(s); use tokens "
                f"de ao menos {MIN_TOKEN} (crie um com 'defasagem tokens add NOME' ou "
                "'python -c \"import secrets; print(secrets.token_urlsafe(32))\"')."
            )
    return [token_digest(t) for t in tokens]


@dataclass
class _Cached:
    where: str  # the file, as a plain string: os.stat on it is cheaper than Path.stat
    stamp: tuple[int, int, int] | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)


class AccessStore:
    """The users and tokens of one access folder."""

    def __init__(self, folder: Path, env_tokens: str | None = None) -> None:
        self.folder = folder
        self._env_digests = env_token_digests(env_tokens)
        self._cache = {name: _Cached(str(folder / name)) for name in (USERS_FILE, TOKENS_FILE)}

    # -- reading ---------------------------------------------------------------------------
    def _entries(self, name: str, *, recheck: bool = True) -> dict[str, dict[str, Any]]:
        """The file's entries, re-read only when the file changed (one ``stat`` otherwise;
        none with ``recheck=False``, once :meth:`check_files` ran for this request)."""
        cached = self._cache[name]
        if not recheck and cached.stamp is not None:
            return cached.entries
        try:
            info = os.stat(cached.where)
            stamp: tuple[int, int, int] | None = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            stamp = None
        except OSError as exc:
            raise DefasagemError(f"{cached.where}: ilegível ({describe_os_error(exc)}).") from None
        if stamp != cached.stamp:
            cached.entries = _read_entries(Path(cached.where)) if stamp is not None else {}
            cached.stamp = stamp
        return cached.entries

    def users(self) -> list[str]:
        """The user names, sorted."""
        return sorted(self._entries(USERS_FILE))

    def has_user(self, name: str) -> bool:
        """Whether ``name`` is a current user."""
        return name in self._entries(USERS_FILE)

    def user_stamp(self, name: str) -> str | None:
        """A fingerprint of ``name``'s password hash (None: no such user). Kept in the session,
        it changes with the password, so older sessions stop working."""
        entry = self._entries(USERS_FILE).get(name)
        if entry is None:
            return None
        return hashlib.sha256(str(entry.get("hash", "")).encode("utf-8")).hexdigest()[:32]

    def user_role(self, name: str) -> str | None:
        """``name``'s role (None: no such user); an entry without one is a coordinator's."""
        entry = self._entries(USERS_FILE).get(name)
        if entry is None:
            return None
        role = entry.get("papel", EDITOR)
        return role if role in ROLES else ROLES[-1]  # an unknown role only reads

    def check_files(self) -> None:
        """Raise if a users or tokens file cannot be read (re-read only when it changed)."""
        self._entries(USERS_FILE)
        self._entries(TOKENS_FILE)

    def tokens(self) -> list[dict[str, Any]]:
        """The stored tokens' names and creation times (never the tokens)."""
        return [
            {"nome": name, "criado_em": entry.get("criado_em", "")}
            for name, entry in sorted(self._entries(TOKENS_FILE).items())
        ]

    def token_count(self) -> int:
        """How many tokens are accepted: the stored ones plus ``DEFASAGEM_API_TOKENS``."""
        return len(self._entries(TOKENS_FILE)) + len(self._env_digests)

    def verify_password(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s password (as slow for unknown names)."""
        if len(password) > MAX_PASSWORD:  # no hashing of megabytes: no valid password is that long
            return False
        entry = self._entries(USERS_FILE).get(name)
        stored = entry.get("hash") if entry is not None else None
        try:
            _HASHER.verify(stored if isinstance(stored, str) else _DUMMY_HASH, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return entry is not None

    def token_name(self, presented: str, *, recheck: bool = True) -> str | None:
        """The name of the token ``presented`` matches, or None.

        Every stored digest is compared, in constant time, with no early exit."""
        digest = token_digest(presented)
        found: str | None = None
        for name, entry in self._entries(TOKENS_FILE, recheck=recheck).items():
            if hmac.compare_digest(digest, str(entry.get("sha256", ""))):
                found = name
        for stored in self._env_digests:
            if hmac.compare_digest(digest, stored):
                found = found or ENV_TOKENS
        return found

    def session_key(self) -> str:
        """The key that signs session cookies: one per access folder, shared by all workers."""
        return private_secret(self.folder / SESSION_KEY_FILE, "a chave das sessões")

    # -- writing ---------------------------------------------------------------------------
    def add_user(
        self, name: str, password: str, *, replace: bool = False, role: str | None = None
    ) -> bool:
        """Store ``name`` with a hash of ``password`` and ``role`` (default: the role it had, or
        "coordenacao"); True when it replaced a password."""
        check_name(name, "usuário")
        check_password(name, password)
        if role is not None:
            check_role(role)
        with self._editing(USERS_FILE) as entries:
            if name in entries and not replace:
                raise DefasagemError(
                    f"o usuário {name!r} já existe; para trocar a senha use --replace."
                )
            existed = name in entries
            kept = entries.get(name, {}).get("papel", EDITOR)
            entries[name] = {
                "hash": _HASHER.hash(password),
                "criado_em": _now(),
                "papel": role or kept,
            }
        return existed

    def set_role(self, name: str, role: str) -> None:
        """Give ``name`` the role ``role`` (it applies from the user's next request)."""
        check_role(role)
        with self._editing(USERS_FILE) as entries:
            if name not in entries:
                raise DefasagemError(f"o usuário {name!r} não existe.")
            entries[name]["papel"] = role

    def remove_user(self, name: str) -> None:
        """Remove ``name``: its open sessions stop working on their next request."""
        with self._editing(USERS_FILE) as entries:
            if entries.pop(name, None) is None:
                raise DefasagemError(f"o usuário {name!r} não existe.")

    def add_token(self, name: str) -> str:
        """Create a token called ``name`` and return it (shown once: only its digest is kept)."""
        check_name(name, "token")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._editing(TOKENS_FILE) as entries:
            if name in entries:
                raise DefasagemError(
                    f"já existe um token chamado {name!r}; revogue-o antes ou escolha outro nome."
                )
            entries[name] = {"sha256": token_digest(token), "criado_em": _now()}
        return token

    def revoke_token(self, name: str) -> None:
        """Revoke token ``name``: it is refused from the next request on."""
        with self._editing(TOKENS_FILE) as entries:
            if entries.pop(name, None) is None:
                raise DefasagemError(f"não existe token chamado {name!r}.")

    @contextmanager
    def _editing(self, name: str) -> Iterator[dict[str, dict[str, Any]]]:
        """The file's entries to change; written back (0600, atomically) under the lock."""
        path = self.folder / name
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            lock = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DefasagemError(
                f"{self.folder}: pasta de acesso inutilizável ({describe_os_error(exc)})."
            ) from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            entries = _read_entries(path) if path.exists() else {}
            yield entries
            _write_private(path, entries)
        finally:
            os.close(lock)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _read_entries(path: Path) -> dict[str, dict[str, Any]]:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DefasagemError(f"{path}: não foi possível ler ({describe_os_error(exc)}).") from None
    except (ValueError, UnicodeDecodeError):
        raise DefasagemError(f"{path}: o arquivo está corrompido (não é JSON).") from None
    entries = content.get("entradas") if isinstance(content, dict) else None
    if not isinstance(entries, dict) or not all(isinstance(v, dict) for v in entries.values()):
        raise DefasagemError(f"{path}: formato inesperado (falta o objeto 'entradas').")
    return entries


def _write_private(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"versao": 1, "entradas": entries}, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DefasagemError(f"não foi possível gravar {path}: {describe_os_error(exc)}.") from None
