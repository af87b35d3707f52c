"""Tiny PEDE-shaped files for tests: a few rows, written with openpyxl or as CSV text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd

from defasagem.features import LABEL, NUMERIC

# A minimal 2023-style sheet: the required columns plus the ones most tests look at.
HEADERS_2023 = [
    "RA",
    "Fase",
    "INDE 2023",
    "Pedra 2023",
    "Turma",
    "Nome Anonimizado",
    "Data de Nasc",
    "Idade",
    "Gênero",
    "Ano ingresso",
    "Instituição de ensino",
    "INDE 22",
    "IAA",
    "IEG",
    "IPS",
    "IPP",
    "IDA",
    "Mat",
    "Por",
    "Ing",
    "IPV",
    "IAN",
    "Fase Ideal",
    "Defasagem",
]


def row_2023(ra: str, **overrides: Any) -> dict[str, Any]:
    """One plausible 2023 row; override any header by name."""
    row: dict[str, Any] = {
        "RA": ra,
        "Fase": "FASE 2",
        "INDE 2023": 7.1,
        "Pedra 2023": "Ametista",
        "Turma": "2A",
        "Nome Anonimizado": "Aluno-x",
        "Data de Nasc": "11/20/2012",
        "Idade": 10.0,
        "Gênero": "Feminino",
        "Ano ingresso": 2021.0,
        "Instituição de ensino": "Pública",
        "INDE 22": None,
        "IAA": 8.5,
        "IEG": 9.0,
        "IPS": 7.5,
        "IPP": 7.0,
        "IDA": 6.5,
        "Mat": 6.0,
        "Por": 7.0,
        "Ing": None,
        "IPV": 7.8,
        "IAN": 5.0,
        "Fase Ideal": "Fase 3 (7° e 8° ano)",
        "Defasagem": -1.0,
    }
    row.update(overrides)
    return row


Sheets = dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]]


def write_workbook(path: Path, sheets: Sheets) -> Path:
    """Write sheets given as (headers, rows); strings like '#N/A' become real error cells."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for name, (headers, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(list(headers))
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def rows_of(headers: Sequence[str], records: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Records (dicts) → rows in header order."""
    return [[record.get(h) for h in headers] for record in records]


def csv_text(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    delimiter: str = ";",
    decimal: str = ",",
) -> str:
    """A CSV as Excel or Google Sheets would save it in a given locale."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell_text(v, decimal) for v in row])
    return buffer.getvalue()


def _cell_text(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
        return text.replace(".", decimal)
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write CSV text in the given encoding ('utf-8-sig' for a BOM, 'cp1252' for Windows)."""
    path.write_bytes(text.encode(encoding))
    return path


def random_pairs(
    years: tuple[int, ...] = (2021, 2022, 2023), n: int = 160, seed: int = 0
) -> pd.DataFrame:
    """(t, t+1) pairs with every feature, a label that depends on Defasagem and IEG, and a few
    missing values: small enough for unit tests of training code."""
    rng = np.random.default_rng(seed)
    frames = []
    for year in years:
        frame = pd.DataFrame({name: rng.normal(5, 2, n) for name in NUMERIC})
        frame["defasagem"] = rng.integers(-2, 2, n).astype("float64")
        frame["ieg"] = rng.uniform(0, 10, n)
        frame.loc[rng.random(n) < 0.1, "ida"] = np.nan
        frame["genero"] = rng.choice(np.array(["Feminino", "Masculino"], dtype=object), n)
        frame["tipo_instituicao"] = rng.choice(np.array(["publica", "privada"], dtype=object), n)
        logit = -1.2 * frame["defasagem"] - 0.4 * (frame["ieg"] - 5) + rng.normal(0, 0.5, n)
        frame[LABEL] = (logit > 0).astype("int64")
        frame.insert(0, "ano", year)
        frame.insert(0, "ra", [f"RA-{i}" for i in range(n)])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def log_traffic(model_dir: Path, logs: Path, students: Sequence[dict[str, Any]]) -> None:
    """Score ``students`` through the API (in-process), so their predictions land in ``logs``."""
    from defasagem.api.app import create_app  # noqa: PLC0415
    from defasagem.api.settings import ApiSettings  # noqa: PLC0415

    client = create_app(ApiSettings(model_dir, logs)).test_client()
    for start in range(0, len(students), 500):
        answer = client.post("/predict", json={"students": list(students[start : start + 500])})
        assert answer.status_code == 200, answer.get_json(force=True)


def assert_fast_path_matches(fast: Any, model: Any, test: pd.DataFrame) -> None:
    """Every student scored alone by the compiled ``fast`` scorer gets the model's probability
    and contributions to 1e-12."""
    import math  # noqa: PLC0415

    import pytest  # noqa: PLC0415

    from defasagem.features import FEATURES  # noqa: PLC0415

    expected = model.predict_proba(test)
    parts = model.contributions(test)
    for i, row in enumerate(test[list(FEATURES)].to_dict("records")):
        clean = {
            str(k): None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()
        }
        probability, contributions = fast.score(clean)
        assert probability == pytest.approx(expected[i], abs=1e-12)
        for name, value in contributions.items():
            assert value == pytest.approx(parts.iloc[i][name], abs=1e-12)


def training_config(
    *candidates: Any, promotion: dict[str, Any] | None = None, seed: int = 3, n_boot: int = 100
) -> Any:
    """A TrainingConfig for unit tests (capacity 20 %, medium band 50 %)."""
    from defasagem.modeling.candidates import TrainingConfig  # noqa: PLC0415

    return TrainingConfig(
        seed=seed,
        n_boot=n_boot,
        threshold_policy="capacity",
        threshold_share=0.2,
        medium_share=0.5,
        candidates=tuple(candidates),
        promotion=promotion,
    )


def as_version(
    bundle: Path,
    models: Path,
    name: str,
    *,
    champion: bool = False,
    trained_on: list[str] | None = None,
) -> Path:
    """A copy of ``bundle`` as version ``name`` of a models folder, its metadata naming that
    version (and re-signed, so it loads): two versions without two trainings.

    ``trained_on`` rewrites what the metadata says it was trained on: the synthetic workbook has
    three years, too few to train a model that has not seen 2023->2024, so the tests of the
    yearly cycle's pages use a copy that says so (the real files' test trains one for real)."""
    from defasagem.modeling import versions  # noqa: PLC0415
    from defasagem.modeling.bundle import METADATA, _digest  # noqa: PLC0415

    target = models / name
    shutil.copytree(bundle, target)
    metadata = json.loads((target / METADATA).read_text(encoding="utf-8"))
    metadata.pop("metadata_sha256")
    metadata["model_version"] = name
    if trained_on is not None:
        metadata["trained_on"] = trained_on
    metadata["metadata_sha256"] = _digest(metadata)
    (target / METADATA).write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    if champion:
        versions.set_champion(models, name)
    return target
