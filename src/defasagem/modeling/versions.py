"""Model versions: a models folder holds one verified bundle per version and a pointer.

Layout::

    modelos/
      current                 the champion's version name (one line)
      20261204-101500/        a bundle (DESIGN §4), never rewritten once written
      20271130-093000/        a challenger, until someone promotes it
      comparisons/            the challenger-vs-champion report written by each training

``train`` writes a new version beside the others and never touches the one being served; the
pointer is switched by writing a new file and renaming it over the old one, so a reader sees the
old name or the new one, never an instant without a champion. A folder that holds a bundle
directly (``metadata.json`` at the top) is still accepted everywhere a model is read.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defasagem.errors import DefasagemError
from defasagem.files import describe_os_error

POINTER = "current"
COMPARISONS = "comparisons"
# The bundle's metadata file (bundle.METADATA; repeated to keep this module import-free).
_METADATA = "metadata.json"
_NAME = re.compile(r"^[0-9]{8}-[0-9]{6}(-[0-9]+)?$")


def is_registry(folder: Path) -> bool:
    """Whether ``folder`` is a models folder (it has a champion pointer)."""
    return (folder / POINTER).is_file()


def valid_version(name: str) -> str:
    """``name`` when it is a version's name (``AAAAMMDD-HHMMSS``), else a Portuguese error."""
    if not _NAME.fullmatch(name):
        raise DefasagemError(
            f"versão inválida ({name!r}): use o nome de uma pasta de versão, como "
            "20261204-101500 (veja: defasagem models list)."
        )
    return name


def champion(folder: Path) -> str | None:
    """The champion's version name, or None when ``folder`` is not a models folder."""
    try:
        name = (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DefasagemError(f"{folder / POINTER}: ilegível ({describe_os_error(exc)}).") from None
    if not _NAME.fullmatch(name):
        raise DefasagemError(
            f"{folder / POINTER}: não nomeia uma versão ({name[:40]!r}); corrija-o com: "
            "defasagem models promote VERSÃO"
        )
    return name


def resolve(folder: Path) -> Path:
    """The bundle folder a ``--model`` path means: the champion of a models folder, or the
    folder itself when it holds a bundle (or nothing that says otherwise)."""
    if not folder.is_dir() or (folder / _METADATA).exists():
        return folder
    name = champion(folder)
    return folder if name is None else folder / name


def versions(folder: Path) -> list[str]:
    """The complete versions of a models folder (a training still writing one, or killed
    half-way, leaves a folder without metadata: not a version), oldest first."""
    try:
        children = list(folder.iterdir())
    except OSError:
        return []
    found = [p.name for p in children if _NAME.fullmatch(p.name) and (p / _METADATA).is_file()]
    return sorted(found, key=_order)


def _order(name: str) -> tuple[str, int]:
    """``20261204-101500-10`` after ``20261204-101500-2``."""
    stamp, _, suffix = name.partition("-")[2].partition("-")
    return name[:8] + stamp, int(suffix or 1)


def version_path(folder: Path, name: str) -> Path:
    """The bundle of version ``name`` (a Portuguese error when there is none)."""
    path = folder / valid_version(name)
    if not (path / _METADATA).is_file():
        known = ", ".join(versions(folder)[-5:]) or "nenhuma"
        raise DefasagemError(f"{folder}: não há a versão {name} (versões: {known}).")
    return path


def check_models_folder(folder: Path) -> None:
    """Refuse a ``--out`` that is not a models folder and cannot become one without deleting
    something: a file, a bundle of the format before versions, a folder with other files."""
    if folder.resolve() in (Path.cwd().resolve(), folder.resolve().parent):
        raise DefasagemError(f"{folder}: escolha uma subpasta para os modelos (--out).")
    if folder.exists() and not folder.is_dir():
        raise DefasagemError(f"{folder}: já existe e não é uma pasta; escolha outra (--out).")
    if not folder.is_dir() or is_registry(folder):
        return
    if (folder / _METADATA).exists():
        raise DefasagemError(
            f"{folder}: é um pacote de modelo único (formato anterior às versões); para não "
            "substituí-lo, treine numa pasta nova de modelos (--out modelos), que guarda cada "
            "versão ao lado das outras."
        )
    foreign = sorted(
        p.name
        for p in folder.iterdir()
        if not (p.name.startswith(".") or _NAME.fullmatch(p.name) or p.name == COMPARISONS)
    )
    if foreign:
        listed = ", ".join(foreign[:3]) + (
            f" e mais {len(foreign) - 3}" if len(foreign) > 3 else ""
        )
        raise DefasagemError(
            f"{folder}: a pasta não é de modelos ({listed}); escolha uma pasta nova ou vazia "
            "(--out)."
        )


def reserve_version(folder: Path, stamp: str) -> str:
    """Create the empty folder of a new version named after ``stamp`` (``AAAAMMDD-HHMMSS``,
    with a suffix when taken) and return its name: two trainings never write the same one."""
    valid_version(stamp)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            name = stamp if n == 1 else f"{stamp}-{n}"
            try:
                (folder / name).mkdir()
            except FileExistsError:
                continue
            return name
    except OSError as exc:
        raise DefasagemError(
            f"{folder}: não foi possível criar a versão ({describe_os_error(exc)})."
        ) from None
    raise DefasagemError(f"{folder}: versões demais com o nome {stamp}.")


def set_champion(folder: Path, name: str) -> None:
    """Point ``folder``'s champion at version ``name``, atomically (write, fsync, rename)."""
    version_path(folder, name)
    staging = folder / f".{POINTER}.{secrets.token_hex(4)}"
    try:
        with staging.open("w", encoding="utf-8") as handle:
            handle.write(name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staging, folder / POINTER)
        _sync_folder(folder)
    except OSError as exc:
        staging.unlink(missing_ok=True)
        raise DefasagemError(
            f"{folder}: não foi possível trocar a versão atual ({describe_os_error(exc)}); "
            "nada mudou."
        ) from None


def claim_first_champion(folder: Path, name: str) -> bool:
    """Make ``name`` the champion only if the folder has none yet (atomically: of two first
    trainings finishing together, one becomes the champion, the other a challenger)."""
    staging = folder / f".{POINTER}.{secrets.token_hex(4)}"
    try:
        staging.write_text(name + "\n", encoding="utf-8")
        os.link(staging, folder / POINTER)
    except FileExistsError:
        return False
    except OSError as exc:
        raise DefasagemError(
            f"{folder}: não foi possível marcar a versão atual ({describe_os_error(exc)})."
        ) from None
    finally:
        staging.unlink(missing_ok=True)
    _sync_folder(folder)
    return True


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (a crash right after a promotion keeps it)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


@dataclass(frozen=True)
class VersionSummary:
    """What a list of versions shows about one."""

    name: str
    created_at: str
    trained_on: list[str]
    test_transition: str
    roc_auc: float | None
    pr_auc: float | None
    champion: bool


def summaries(folder: Path) -> list[VersionSummary]:
    """Every version of ``folder``, newest first, read from its metadata and metrics."""
    current = champion(folder)
    found = []
    for name in reversed(versions(folder)):
        metadata = _json(folder / name / _METADATA)
        metrics = _json(folder / name / "metrics.json")
        model = metrics.get("model") or {}
        found.append(
            VersionSummary(
                name=name,
                created_at=str(metadata.get("created_at", "")),
                trained_on=[str(t) for t in metadata.get("trained_on", [])],
                test_transition=str(metrics.get("test_transition", "")),
                roc_auc=_number(model.get("roc_auc")),
                pr_auc=_number(model.get("pr_auc")),
                champion=name == current,
            )
        )
    return found


def write_comparison(folder: Path, challenger: str, report: dict[str, Any]) -> Path:
    """Keep the challenger-vs-champion report a training made (``comparisons/<name>.json``)."""
    out = folder / COMPARISONS / f"{challenger}.json"
    try:
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise DefasagemError(
            f"{out}: não foi possível gravar a comparação ({describe_os_error(exc)})."
        ) from None
    return out


def read_comparison(folder: Path, challenger: str) -> dict[str, Any] | None:
    """The report written when ``challenger`` was trained, or None."""
    data = _json(folder / COMPARISONS / f"{challenger}.json")
    return data or None


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
