"""Writing output files safely: all or nothing, with errors a user can act on (pt-BR)."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from defasagem.errors import DefasagemError

_REASONS = {
    errno.EACCES: "sem permissão de escrita",
    errno.EPERM: "sem permissão de escrita",
    errno.EROFS: "o sistema de arquivos é somente leitura",
    errno.ENOSPC: "disco cheio",
    errno.ENOENT: "a pasta não existe",
    errno.ENOTDIR: "parte do caminho não é uma pasta",
    errno.EISDIR: "o destino é uma pasta",
    errno.EEXIST: "um arquivo ocupa o lugar de uma pasta do caminho",
    errno.EBUSY: "o caminho está em uso (a pasta atual ou um ponto de montagem)",
    errno.ENOTEMPTY: "a pasta não está vazia",
}


def describe_os_error(exc: OSError) -> str:
    """A short Portuguese reason for a failed file operation."""
    return _REASONS.get(exc.errno or 0, exc.strerror or str(exc))


def write_atomically(out: Path, write: Callable[[Path], object]) -> None:
    """Call ``write`` on a temporary file beside ``out``, then move it over ``out``.

    A failure leaves any previous ``out`` untouched and no temporary file behind. The new file
    gets the usual permissions (the process umask), unlike ``tempfile.mkstemp``'s 0600.
    """
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            write(tmp)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise DefasagemError(f"não foi possível gravar {out}: {describe_os_error(exc)}.") from None


def private_secret(path: Path, what: str) -> str:
    """The random secret kept in ``path``: created once (readable by this user only) and read
    back by every later call and every worker, so all of them agree on it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
        return path.read_text(encoding="ascii").strip()
    except FileExistsError:  # another worker created it a moment ago
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise DefasagemError(
            f"{path}: não foi possível ler ou criar {what} ({describe_os_error(exc)})."
        ) from None
