"""Shared fixtures: the synthetic workbook, and the real PEDE files when the environment has them.

Real files arrive through DEFASAGEM_PEDE_FILE / DEFASAGEM_PEDE_CSV. Unset: the tests that need
them skip, saying so. Set to a missing file: they fail, because CI must never silently skip them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
