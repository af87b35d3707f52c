"""The model bundle (DESIGN §4): a directory written as a whole, verified when loaded.

``metadata.json`` records the sha256 of every other file and the versions of the libraries the
pickle depends on; loading refuses a bundle whose files changed or whose libraries differ from
this environment's, with a message naming what differs and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import joblib
import pandas as pd

from defasagem import __version__
from defasagem.errors import DefasagemError
from defasagem.features import FEATURES
from defasagem.files import describe_os_error
from defasagem.ideal_phase import IdealPhaseRule
from defasagem.modeling import versions
from defasagem.modeling.fast_path import FastScorer, compile_scorer
from defasagem.modeling.model import CalibratedModel
from defasagem.modeling.policy import Policy
from defasagem.modeling.structural import StructuralModel

MODEL = "model.joblib"
METADATA = "metadata.json"
METRICS = "metrics.json"
SCHEMA = "schema.json"
REFERENCE = "reference.parquet"
CARD = "model_card.md"
# Libraries whose versions must match exactly for the pickle to mean the same model.
PICKLE_LIBRARIES = ("scikit-learn", "lightgbm", "numpy", "scipy", "joblib")
# 2: the structural model and the fairness block of metrics.json (issue 15).
BUNDLE_FORMAT = 2


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries the pickled model depends on."""
    versions = {name: package_metadata.version(name) for name in PICKLE_LIBRARIES}
    versions["python"] = platform.python_version()
    versions["pandas"] = package_metadata.version("pandas")
    versions["defasagem"] = __version__
    return versions


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Bundle:
    """A loaded, verified bundle."""

    path: Path
    model: CalibratedModel | StructuralModel
    policy: Policy
    rule: IdealPhaseRule
    metadata: dict[str, Any]
    metrics: dict[str, Any]
    fast: FastScorer

    @property
    def version(self) -> str:
        """The model version (UTC creation time, to the second)."""
        return str(self.metadata["model_version"])


def write_bundle(
    out: Path,
    *,
    model: CalibratedModel | StructuralModel,
    metadata: dict[str, Any],
    metrics: dict[str, Any],
    schema: dict[str, Any],
    reference: pd.DataFrame,
    write_card: Callable[[Path], None],
) -> None:
    """Write every file into a fresh directory, then put it in place of ``out`` at once.

    A failure half-way leaves ``out`` as it was: the files are written in a sibling temporary
    directory that replaces ``out`` only when complete.
    """
    check_output_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise DefasagemError(
            f"{out}: não foi possível criar a pasta ({describe_os_error(exc)})."
        ) from None
    try:
        joblib.dump(model, staging / MODEL)
        reference.to_parquet(staging / REFERENCE, index=False)
        _write_json(staging / METRICS, metrics)
        _write_json(staging / SCHEMA, schema)
        write_card(staging)
        checksums = {
            p.name: sha256(p)
            for p in sorted(staging.iterdir())
            if p.is_file() and p.name != METADATA
        }
        complete = {**metadata, "bundle_format": BUNDLE_FORMAT, "files": checksums}
        _write_json(staging / METADATA, {**complete, "metadata_sha256": _digest(complete)})
        os.chmod(staging, 0o777 & ~_umask())
        _replace_dir(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DefasagemError(
            f"{out}: não foi possível gravar o pacote ({describe_os_error(exc)})."
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def check_output_folder(out: Path) -> None:
    """Refuse an output that training would have to destroy: a file, a folder with anything
    that is not part of a bundle (someone's notes, a saved list), or the current folder.

    Called before training starts, so a wrong ``--out`` costs seconds, not a training run.
    """
    if out.resolve() == Path.cwd().resolve() or out.resolve() == out.resolve().parent:
        raise DefasagemError(f"{out}: escolha uma subpasta para o pacote do modelo (--out).")
    if out.exists() and not out.is_dir():
        raise DefasagemError(f"{out}: já existe e não é uma pasta; escolha outra saída (--out).")
    if not out.is_dir():
        if out.parent.exists() and not out.parent.is_dir():
            raise DefasagemError(f"{out}: {out.parent} não é uma pasta; escolha outra saída.")
        return
    present = {p.name for p in out.iterdir()}
    if not present:
        return
    owned = _bundle_files(out)
    foreign = sorted(present - owned)
    if foreign:
        listed = ", ".join(foreign[:3]) + (
            f" e mais {len(foreign) - 3}" if len(foreign) > 3 else ""
        )
        what = "não é um pacote de modelo" if not owned else "tem arquivos que não são do pacote"
        raise DefasagemError(
            f"{out}: a pasta {what} ({listed}); para não apagar nada, escolha uma pasta nova ou "
            "vazia (--out), ou mova esses arquivos."
        )


def _bundle_files(folder: Path) -> set[str]:
    """The files a bundle in ``folder`` consists of (empty when it is not a bundle)."""
    try:
        metadata = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        files = metadata["files"]
        if "bundle_format" not in metadata or not isinstance(files, dict):
            return set()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return set()
    return {METADATA, *(str(name) for name in files)}


def _digest(metadata: dict[str, Any]) -> str:
    """sha256 of the metadata's canonical JSON: an edit of the threshold, the bands or the rule
    (which change predictions) is caught like an edit of any other file."""
    text = json.dumps(metadata, ensure_ascii=False, sort_keys=True, default=_jsonable)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_dir(staging: Path, out: Path) -> None:
    """Swap the finished directory in; the previous bundle is removed only afterwards."""
    if out.exists():
        # A unique name: two trainings into the same folder never delete each other's copy.
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        old.rmdir()
        out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(out)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=_jsonable) + "\n", encoding="utf-8"
    )


def _jsonable(value: object) -> object:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"não serializável: {type(value).__name__}")


def load_bundle(path: Path) -> Bundle:
    """Load a bundle, refusing one that is incomplete, altered or made with other libraries.

    ``path`` is a bundle folder or a models folder (whose current version is loaded).
    """
    path = versions.resolve(path)
    if not path.is_dir():
        what = "não existe" if not path.exists() else "é um arquivo"
        raise DefasagemError(f"{path}: {what}; --model espera a pasta de um pacote de modelo.")
    if not (path / METADATA).is_file():
        raise DefasagemError(
            f"{path}: não é um pacote de modelo (falta {METADATA}). "
            "Treine um com: defasagem train --data ARQUIVO --out PASTA"
        )
    metadata = _read_json(path / METADATA)
    recorded = metadata.pop("metadata_sha256", None)
    if recorded is None:
        raise DefasagemError(
            f"{path}: pacote criado por uma versão anterior do defasagem, sem verificação dos "
            "metadados; treine de novo com: defasagem train"
        )
    if metadata.get("bundle_format") != BUNDLE_FORMAT:
        raise DefasagemError(
            f"{path}: formato de pacote {metadata.get('bundle_format')!r} não suportado por esta "
            f"versão (esperado {BUNDLE_FORMAT}); treine de novo com: defasagem train"
        )
    problems = (
        []
        if recorded == _digest(metadata)
        else [
            f"{METADATA} foi alterado depois do treino (limiar, faixas ou regra podem ter mudado); "
            "restaure o pacote original ou treine de novo"
        ]
    )
    try:
        problems += _checksum_problems(path, metadata["files"])
        problems += _version_problems(metadata["versions"])
        if list(metadata["features"]) != list(FEATURES):
            problems.append(
                "a lista de variáveis do pacote difere da desta versão do defasagem "
                "(treine de novo com esta versão)"
            )
    except (KeyError, TypeError, AttributeError):
        problems.append(f"{METADATA} incompleto ou com valores de tipo errado")
    if problems:
        raise DefasagemError(f"{path}: pacote de modelo recusado: " + "; ".join(problems) + ".")
    # Only load bundles you trust: a pickle can run code. The checksums catch corruption and
    # accidental edits, not a deliberate forgery.
    try:
        model = joblib.load(path / MODEL)
    except Exception as exc:  # any unpickling failure means the same thing to the user
        raise DefasagemError(
            f"{path}: {MODEL} ilegível ({type(exc).__name__}); treine de novo."
        ) from None
    if not isinstance(model, CalibratedModel | StructuralModel):
        raise DefasagemError(f"{path}: {MODEL} não contém um modelo do defasagem.")
    try:
        policy_data = metadata["policy"]
        policy = Policy(
            share=float(policy_data["share"]),
            medium_share=float(policy_data["medium_share"]),
            threshold=float(policy_data["threshold"]),
            medium_cut=float(policy_data["bands"]["médio"]),
        )
        rule = IdealPhaseRule.from_dict(metadata["ideal_phase_rule"])
        str(metadata["model_version"])
    except (KeyError, TypeError, ValueError, DefasagemError) as exc:
        raise DefasagemError(f"{path}: {METADATA} inválido ({exc}); treine de novo.") from None
    return Bundle(
        path, model, policy, rule, metadata, _read_json(path / METRICS), compile_scorer(model)
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DefasagemError(f"{path}: JSON inválido perto da linha {exc.lineno}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DefasagemError(f"{path}: ilegível ({type(exc).__name__}).") from None
    if not isinstance(data, dict):
        raise DefasagemError(f"{path}: esperado um objeto JSON.")
    return data


def _checksum_problems(path: Path, expected: dict[str, str]) -> list[str]:
    problems = []
    for name in dict.fromkeys([MODEL, METRICS, SCHEMA, REFERENCE, CARD, *expected]):
        if name not in expected:
            problems.append(f"{METADATA} não traz a soma de verificação de {name}")
        elif not (path / name).is_file():
            problems.append(f"falta o arquivo {name}")
        elif sha256(path / name) != expected[name]:
            problems.append(
                f"{name} foi alterado depois do treino (soma sha256 diferente); "
                "restaure o pacote original ou treine de novo"
            )
    return problems


def _version_problems(recorded: dict[str, str]) -> list[str]:
    current = library_versions()
    return [
        f"treinado com {name} {recorded.get(name, '?')}, mas este ambiente tem "
        f"{current[name]} (instale as versões fixadas com 'make venv' ou treine de novo)"
        for name in PICKLE_LIBRARIES
        if recorded.get(name) != current[name]
    ]
