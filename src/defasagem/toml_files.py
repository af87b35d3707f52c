"""Reading the TOML files an operator edits (training config, ideal-phase rule), with errors
that name the file and, when Python says it, the line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from defasagem.errors import DefasagemError

_WHERE = re.compile(r"at line (\d+)")


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The parsed file; ``what`` says what it is ("arquivo de configuração")."""
    try:
        return parse_toml(path.read_text(encoding="utf-8-sig"), str(path), what)
    except FileNotFoundError:
        raise DefasagemError(f"{path}: {what} não encontrado.") from None
    except IsADirectoryError:
        raise DefasagemError(f"{path}: é uma pasta, não um {what}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DefasagemError(f"{path}: {what} ilegível ({type(exc).__name__}).") from None


def parse_toml(text: str, name: str, what: str) -> dict[str, Any]:
    """Parsed TOML text; errors name ``name`` (a file, an upload) and the line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _WHERE.search(str(exc))
        where = f" perto da linha {found.group(1)}" if found else " (valor incompleto no fim)"
        raise DefasagemError(f"{name}: {what} em TOML inválido{where}.") from None
