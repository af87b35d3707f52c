"""The served model follows the champion of a models folder, and never serves a broken one."""

from __future__ import annotations

import time
from pathlib import Path

from builders import as_version
from defasagem.api.app import create_app
from defasagem.api.model_holder import ModelHolder
from defasagem.api.settings import ApiSettings
from defasagem.modeling import versions

A, B, C = "20240101-100000", "20250101-100000", "20260101-100000"


def test_a_new_champion_is_served_and_a_broken_one_is_not(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    models = tmp_path / "modelos"
    models.mkdir()
    as_version(synthetic_bundle, models, A, champion=True)
    as_version(synthetic_bundle, models, B)
    as_version(synthetic_bundle, models, C)
    switches: list[tuple[str | None, str]] = []
    holder = ModelHolder(
        models,
        interval=3600,  # refreshed by hand here; the watcher is tested through the app
        on_switch=lambda old, new: switches.append((old.version if old else None, new.version)),
    )
    assert holder.bundle is not None
    assert holder.bundle.version == A
    assert holder.refresh() is False  # nothing changed
    versions.set_champion(models, B)
    assert holder.refresh() is True
    assert holder.bundle.version == B
    (models / C / "metrics.json").write_text("{}", encoding="utf-8")  # altered after training
    versions.set_champion(models, C)
    assert holder.refresh() is False
    assert holder.bundle.version == B  # the previous one goes on serving
    assert holder.switch_problem is not None
    assert "metrics.json foi alterado" in holder.switch_problem
    assert switches == [(None, A), (A, B)]


def test_ready_says_when_the_newest_champion_did_not_load(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    models = tmp_path / "modelos"
    models.mkdir()
    as_version(synthetic_bundle, models, A, champion=True)
    as_version(synthetic_bundle, models, B)
    app = create_app(ApiSettings(models, tmp_path / "logs"))
    client = app.test_client()
    assert client.get("/ready").get_json()["versao_modelo"] == A
    (models / B / "model.joblib").write_bytes(b"x")
    versions.set_champion(models, B)
    deadline = time.monotonic() + 10
    body = client.get("/ready").get_json()
    while "aviso" not in body and time.monotonic() < deadline:
        time.sleep(0.1)
        body = client.get("/ready").get_json()
    assert body["versao_modelo"] == A
    assert "a versão atual da pasta não carregou" in body["aviso"]
    assert client.post("/predict", json={"ano": 2024, "fase": 3}).status_code == 200
    app.extensions["defasagem_store"].dispose()


def test_a_models_folder_without_a_champion_yet_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    holder = ModelHolder(tmp_path / "vazia", interval=3600)
    assert holder.bundle is None
    assert holder.problem is not None
