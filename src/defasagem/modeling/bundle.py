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
from defasagem.modeling.model import CalibratedModel
from defasagem.modeling.policy import Policy

MODEL = "model.joblib"
METADATA = "metadata.json"
METRICS = "metrics.json"
SCHEMA = "schema.json"
REFERENCE = "reference.parquet"
CARD = "model_card.md"
# Libraries whose versions must match exactly for the pickle to mean the same model.
PICKLE_LIBRARIES = ("scikit-learn", "lightgbm", "numpy", "scipy", "joblib")
BUNDLE_FORMAT = 1


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
    model: CalibratedModel
    policy: Policy
    rule: IdealPhaseRule
    metadata: dict[str, Any]
    metrics: dict[str, Any]

    @property
    def version(self) -> str:
        """The model version (UTC creation time, to the second)."""
        return str(self.metadata["model_version"])


def write_bundle(
    out: Path,
    *,
    model: CalibratedModel,
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
    if out.exists() and not out.is_dir():
        raise DefasagemError(f"{out}: já existe e não é uma pasta; escolha outra saída (--out).")
    if out.is_dir() and any(out.iterdir()) and not (out / METADATA).exists():
        raise DefasagemError(
            f"{out}: a pasta não está vazia e não é um pacote de modelo; escolha uma pasta nova "
            "ou vazia (--out), para não apagar outros arquivos."
        )
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
    """Load a bundle, refusing one that is incomplete, altered or made with other libraries."""
    if not (path / METADATA).is_file():
        raise DefasagemError(
            f"{path}: não é um pacote de modelo (falta {METADATA}). "
            "Treine um com: defasagem train --data ARQUIVO --out PASTA"
        )
    metadata = _read_json(path / METADATA)
    recorded = metadata.pop("metadata_sha256", None)
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
    problems += _checksum_problems(path, metadata.get("files", {}))
    problems += _version_problems(metadata.get("versions", {}))
    if list(metadata.get("features", {})) != list(FEATURES):
        problems.append(
            "a lista de variáveis do pacote difere da desta versão do defasagem "
            "(treine de novo com esta versão)"
        )
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
    if not isinstance(model, CalibratedModel):
        raise DefasagemError(f"{path}: {MODEL} não contém um modelo do defasagem.")
    policy_data = metadata["policy"]
    policy = Policy(
        share=float(policy_data["share"]),
        medium_share=float(policy_data["medium_share"]),
        threshold=float(policy_data["threshold"]),
        medium_cut=float(policy_data["bands"]["médio"]),
    )
    rule = IdealPhaseRule.from_dict(metadata["ideal_phase_rule"])
    return Bundle(path, model, policy, rule, metadata, _read_json(path / METRICS))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DefasagemError(f"{path}: ilegível ({exc}).") from None
    if not isinstance(data, dict):
        raise DefasagemError(f"{path}: esperado um objeto JSON.")
    return data


def _checksum_problems(path: Path, expected: dict[str, str]) -> list[str]:
    problems = []
    for name in (MODEL, METRICS, SCHEMA, REFERENCE, CARD):
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
