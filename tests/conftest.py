"""Shared fixtures: the synthetic workbook, and the real PEDE files when the environment has them.

Real files arrive through DEFASAGEM_PEDE_FILE / DEFASAGEM_PEDE_CSV. Unset: the tests that need
them skip, saying so. Set to a missing file: they fail, because CI must never silently skip them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from databases import (  # noqa: F401 (fixtures)
    database_engine,
    postgres_url,
)
from defasagem.data.ingest import IngestResult, ingest_files


def _real_file(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"{variable} não definida: teste com os dados reais PEDE pulado")
    path = Path(value)
    if not path.is_file():
        pytest.fail(f"{variable}={value} aponta para um arquivo que não existe")
    return path


@pytest.fixture(scope="session")
def real_workbook() -> Path:
    """The official 2022–2024 workbook."""
    return _real_file("DEFASAGEM_PEDE_FILE")


@pytest.fixture(scope="session")
def real_csv() -> Path:
    """The older wide 2020–2022 CSV."""
    return _real_file("DEFASAGEM_PEDE_CSV")


@pytest.fixture(scope="session")
def real_workbook_result(real_workbook: Path) -> IngestResult:
    """The workbook alone, ingested once per session."""
    return ingest_files([real_workbook])


@pytest.fixture(scope="session")
def real_both_result(real_workbook: Path, real_csv: Path) -> IngestResult:
    """The workbook and the old CSV together, ingested once per session."""
    return ingest_files([real_workbook, real_csv])


@pytest.fixture(scope="session")
def synthetic_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A default-size synthetic workbook (seed 42), written once per session."""
    from defasagem.data.synth import write_synthetic_workbook  # noqa: PLC0415

    path = tmp_path_factory.mktemp("synth") / "pede_sintetico.xlsx"
    write_synthetic_workbook(path, seed=42)
    return path


@pytest.fixture(scope="session")
def synthetic_result(synthetic_workbook: Path) -> IngestResult:
    """The synthetic workbook, ingested once per session."""
    return ingest_files([synthetic_workbook])


# A small grid for tests: the same code paths as configs/training.toml, a fraction of the fits.
FAST_CONFIG = """\
seed = 7
[evaluation]
n_boot = 200
[threshold]
policy = "capacity"
share = 0.2
medium_share = 0.5
[[candidates]]
name = "regressao_logistica"
kind = "logistic"
C = [0.1, 1.0]
[[candidates]]
name = "gradient_boosting"
kind = "lightgbm"
learning_rate = 0.1
num_leaves = 4
n_estimators = 60
[[candidates]]
name = "estrutural"
kind = "structural"
weight = [0.5, 1.0]
base = "gradient_boosting"
[promotion]
learning_rate = 0.1
num_leaves = 4
n_estimators = 60
"""


@pytest.fixture(scope="session")
def fast_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A training configuration with a small grid and few bootstrap resamples."""
    path = tmp_path_factory.mktemp("config") / "training.toml"
    path.write_text(FAST_CONFIG, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def synthetic_bundle(
    synthetic_workbook: Path, fast_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A model bundle trained once per session on the synthetic workbook."""
    from defasagem.modeling.training import train  # noqa: PLC0415

    out = tmp_path_factory.mktemp("bundle") / "modelo"
    train([synthetic_workbook], out, config_path=fast_config)
    return out


@pytest.fixture
def live_api(synthetic_bundle: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The API over real HTTP (werkzeug, in a thread) on a free port: its URL and log folder."""
    from werkzeug.serving import make_server  # noqa: PLC0415

    from defasagem.api.app import create_app  # noqa: PLC0415
    from defasagem.api.settings import ApiSettings  # noqa: PLC0415

    logs = tmp_path / "logs"
    server = make_server(
        "127.0.0.1", 0, create_app(ApiSettings(synthetic_bundle, logs)), threaded=True
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", logs
    server.shutdown()
