"""The models folder: versions beside each other, an atomic champion pointer, safe --out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from builders import as_version
from defasagem.errors import DefasagemError
from defasagem.modeling import versions
from defasagem.modeling.bundle import load_bundle


@pytest.fixture
def models(synthetic_bundle: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "modelos"
    folder.mkdir()
    as_version(synthetic_bundle, folder, "20250101-100000", champion=True)
    as_version(synthetic_bundle, folder, "20260101-100000")
    return folder


def test_a_models_folder_serves_its_champion_and_a_bundle_folder_itself(
    models: Path, synthetic_bundle: Path
) -> None:
    assert versions.is_registry(models)
    assert versions.resolve(models) == models / "20250101-100000"
    assert load_bundle(models).version == "20250101-100000"
    assert versions.resolve(synthetic_bundle) == synthetic_bundle
    assert versions.versions(models) == ["20250101-100000", "20260101-100000"]
    listed = versions.summaries(models)
    assert [v.name for v in listed] == ["20260101-100000", "20250101-100000"]
    assert [v.champion for v in listed] == [False, True]
    assert listed[0].test_transition == "2023->2024"
    assert listed[0].roc_auc is not None
    assert 0.5 < listed[0].roc_auc < 1


def test_switching_the_champion_never_leaves_an_instant_without_one(models: Path) -> None:
    seen: set[str | None] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(versions.champion(models))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(200):
        versions.set_champion(models, "20260101-100000")
        versions.set_champion(models, "20250101-100000")
    stop.set()
    reader.join()
    assert seen == {"20250101-100000", "20260101-100000"}
    assert not [p for p in models.iterdir() if p.name.startswith(".")]  # no staging left


def test_unknown_or_malformed_versions_are_refused_by_name(models: Path) -> None:
    with pytest.raises(DefasagemError, match=r"versão inválida .*2026"):
        versions.set_champion(models, "2026")
    with pytest.raises(DefasagemError, match="não há a versão 20990101-000000"):
        versions.set_champion(models, "20990101-000000")
    assert versions.champion(models) == "20250101-100000"
    (models / versions.POINTER).write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(DefasagemError, match="não nomeia uma versão"):
        versions.resolve(models)


def test_a_new_version_never_takes_a_name_in_use(tmp_path: Path) -> None:
    folder = tmp_path / "modelos"
    first = versions.reserve_version(folder, "20261204-101500")
    second = versions.reserve_version(folder, "20261204-101500")
    assert (first, second) == ("20261204-101500", "20261204-101500-2")
    assert versions.valid_version(second) == second


def test_train_refuses_an_out_it_would_have_to_destroy(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    with pytest.raises(DefasagemError, match="pacote de modelo único"):
        versions.check_models_folder(synthetic_bundle)
    notes = tmp_path / "notas"
    notes.mkdir()
    (notes / "leia.txt").write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match=r"não é de modelos \(leia.txt\)"):
        versions.check_models_folder(notes)
    a_file = tmp_path / "arquivo"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match="não é uma pasta"):
        versions.check_models_folder(a_file)
    versions.check_models_folder(tmp_path / "nova")  # a new folder is fine
    assert not (tmp_path / "nova").exists()


def test_comparisons_are_kept_beside_the_versions(models: Path) -> None:
    assert versions.read_comparison(models, "20260101-100000") is None
    versions.write_comparison(models, "20260101-100000", {"champion": "20250101-100000"})
    assert versions.read_comparison(models, "20260101-100000") == {"champion": "20250101-100000"}
    versions.check_models_folder(models)  # the comparisons folder belongs to a models folder
