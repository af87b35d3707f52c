"""The bundle: everything DESIGN §4 lists, written as a whole, refused when altered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from defasagem.errors import DefasagemError
from defasagem.features import FEATURES, LABEL
from defasagem.modeling.bundle import (
    REFERENCE,
    _digest,
    check_output_folder,
    load_bundle,
    write_bundle,
)


@pytest.fixture
def bundle_copy(synthetic_bundle: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "modelo"
    shutil.copytree(synthetic_bundle, copy)
    return copy


def test_the_bundle_holds_every_contract_file(synthetic_bundle: Path) -> None:
    names = {p.name for p in synthetic_bundle.iterdir()}
    assert {
        "model.joblib", "metadata.json", "metrics.json", "schema.json", "reference.parquet",
        "model_card.md", "roc.png", "pr.png", "calibracao.png", "importancia.png",
        "ideal_phase_rule.toml",
    } <= names  # fmt: skip
    metadata = json.loads((synthetic_bundle / "metadata.json").read_text(encoding="utf-8"))
    for key in ("model_version", "created_at", "versions", "features", "policy", "label"):
        assert key in metadata
    assert list(metadata["features"]) == list(FEATURES)
    assert metadata["policy"]["policy"] == "capacity"
    assert len(metadata["training_data"][0]["sha256"]) == 64
    reference = pd.read_parquet(synthetic_bundle / REFERENCE)
    assert "ra" not in reference.columns
    assert {*FEATURES, LABEL, "probabilidade"} <= set(reference.columns)
    schema = json.loads((synthetic_bundle / "schema.json").read_text(encoding="utf-8"))
    assert set(schema["properties"]) == set(FEATURES)
    assert schema["additionalProperties"] is False
    card = (synthetic_bundle / "model_card.md").read_text(encoding="utf-8")
    assert "Persistência" in card
    assert "![Curva ROC](roc.png)" in card
    assert "### Equidade da lista" in card
    assert "Não sinalizados (IC 95 %)" in card
    loaded = load_bundle(synthetic_bundle)
    assert loaded.version == metadata["model_version"]
    assert loaded.policy.threshold == metadata["policy"]["threshold"]


def test_an_altered_file_is_refused_by_name(bundle_copy: Path) -> None:
    metrics = bundle_copy / "metrics.json"
    metrics.write_text(metrics.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(DefasagemError, match=r"metrics\.json foi alterado depois do treino"):
        load_bundle(bundle_copy)


def test_a_missing_file_is_refused_by_name(bundle_copy: Path) -> None:
    (bundle_copy / "model.joblib").unlink()
    with pytest.raises(DefasagemError, match=r"falta o arquivo model\.joblib"):
        load_bundle(bundle_copy)


def test_other_library_versions_are_refused_with_what_to_do(bundle_copy: Path) -> None:
    path = bundle_copy / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["versions"]["scikit-learn"] = "0.24.2"
    del metadata["files"]["schema.json"]
    metadata["features"] = {"idade": "float64"}
    resign(path, metadata)
    with pytest.raises(DefasagemError) as error:
        load_bundle(bundle_copy)
    message = str(error.value)
    assert "treinado com scikit-learn 0.24.2, mas este ambiente tem" in message
    assert "make venv" in message
    assert "não traz a soma de verificação de schema.json" in message
    assert "lista de variáveis" in message


def resign(path: Path, metadata: dict[str, object]) -> None:
    """Write edited metadata with a valid integrity digest, to reach the later checks."""
    metadata.pop("metadata_sha256", None)
    path.write_text(json.dumps({**metadata, "metadata_sha256": _digest(metadata)}), "utf-8")


def test_metadata_with_wrong_types_or_from_an_older_version_is_refused(bundle_copy: Path) -> None:
    path = bundle_copy / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    resign(path, {**metadata, "versions": ["a"]})
    with pytest.raises(DefasagemError, match="incompleto ou com valores de tipo errado"):
        load_bundle(bundle_copy)
    resign(path, {**metadata, "policy": 3})
    with pytest.raises(DefasagemError, match=r"metadata\.json inválido"):
        load_bundle(bundle_copy)
    del metadata["metadata_sha256"]
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(DefasagemError, match="versão anterior do defasagem"):
        load_bundle(bundle_copy)


def test_an_edited_rule_or_plot_in_the_bundle_is_refused(bundle_copy: Path) -> None:
    (bundle_copy / "roc.png").unlink()
    rule = bundle_copy / "ideal_phase_rule.toml"
    rule.write_text(rule.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(DefasagemError) as error:
        load_bundle(bundle_copy)
    assert "falta o arquivo roc.png" in str(error.value)
    assert "ideal_phase_rule.toml foi alterado" in str(error.value)


def test_a_folder_that_is_not_a_bundle_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DefasagemError, match="não existe; --model espera a pasta"):
        load_bundle(tmp_path / "nada")
    with pytest.raises(DefasagemError, match="não é um pacote de modelo"):
        load_bundle(tmp_path)
    (tmp_path / "metadata.json").write_text("[1]", encoding="utf-8")
    with pytest.raises(DefasagemError, match="esperado um objeto JSON"):
        load_bundle(tmp_path)
    (tmp_path / "metadata.json").write_text("{", encoding="utf-8")
    with pytest.raises(DefasagemError, match="JSON inválido perto da linha 1"):
        load_bundle(tmp_path)


def _write(out: Path, fail: bool = False) -> None:
    def card(folder: Path) -> None:
        if fail:
            raise OSError(28, "No space left on device")
        (folder / "model_card.md").write_text("cartão", encoding="utf-8")

    write_bundle(
        out,
        model=None,  # type: ignore[arg-type]
        metadata={"model_version": "x"},
        metrics={"label": "y"},
        schema={},
        reference=pd.DataFrame({"a": [1]}),
        write_card=card,
    )


def test_writing_replaces_a_previous_bundle_only_when_complete(tmp_path: Path) -> None:
    out = tmp_path / "modelo"
    _write(out)
    before = (out / "metadata.json").read_text(encoding="utf-8")
    with pytest.raises(DefasagemError, match="disco cheio"):
        _write(out, fail=True)
    assert (out / "metadata.json").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modelo"]
    _write(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["modelo"]


def test_writing_never_deletes_a_folder_that_is_not_a_bundle(tmp_path: Path) -> None:
    folder = tmp_path / "documentos"
    folder.mkdir()
    (folder / "importante.txt").write_text("não apague", encoding="utf-8")
    with pytest.raises(DefasagemError, match=r"não é um pacote de modelo \(importante\.txt\)"):
        _write(folder)
    assert (folder / "importante.txt").exists()
    # A stray metadata.json does not make a folder a bundle.
    (folder / "metadata.json").write_text('{"nome": "outro"}', encoding="utf-8")
    with pytest.raises(DefasagemError, match="não é um pacote de modelo"):
        _write(folder)
    # A real bundle with someone's file inside is not replaced either.
    bundle = tmp_path / "modelo"
    _write(bundle)
    (bundle / "lista.xlsx").write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match=r"tem arquivos que não são do pacote \(lista\.xlsx\)"):
        _write(bundle)
    assert (bundle / "lista.xlsx").exists()
    with pytest.raises(DefasagemError, match="escolha uma subpasta"):
        check_output_folder(Path())
    a_file = tmp_path / "arquivo"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(DefasagemError, match="não é uma pasta"):
        _write(a_file)


BLOCK_KEYS = {
    "n", "positives", "roc_auc", "roc_auc_ci", "pr_auc", "brier", "threshold", "precision",
    "recall", "f1", "precision_top20", "recall_top20", "new_lag_roc_auc", "new_lag_roc_auc_ci",
}  # fmt: skip


def test_metrics_follow_the_contract_of_design_section_4(synthetic_bundle: Path) -> None:
    metrics = json.loads((synthetic_bundle / "metrics.json").read_text(encoding="utf-8"))
    assert isinstance(metrics["label"], str)
    assert metrics["test_transition"] == "2023->2024"
    blocks = [
        metrics["model"],
        metrics["baselines"]["persistence"],
        metrics["baselines"]["logistic_defasagem"],
        *(b["model"] for b in metrics["backtests"]),
        *(b["persistence"] for b in metrics["backtests"]),
    ]
    for block in blocks:
        assert set(block) >= BLOCK_KEYS
        assert 0 <= block["roc_auc"] <= 1
        low, high = block["roc_auc_ci"]
        assert low <= block["roc_auc"] <= high
    assert all({"train", "test", "model", "persistence"} <= set(b) for b in metrics["backtests"])
    assert set(metrics["fairness"]["groupings"]) == {
        "genero",
        "tipo_instituicao",
        "faixa_fase",
        "historico",
    }


def test_an_edited_threshold_in_metadata_is_refused(bundle_copy: Path) -> None:
    path = bundle_copy / "metadata.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    metadata["policy"]["threshold"] = 0.01
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(DefasagemError, match=r"metadata\.json foi alterado depois do treino"):
        load_bundle(bundle_copy)
    metadata["bundle_format"] = 99
    path.write_text(json.dumps(metadata), encoding="utf-8")
    with pytest.raises(DefasagemError, match="formato de pacote 99 não suportado"):
        load_bundle(bundle_copy)


def test_an_unreadable_model_file_is_an_error_not_a_traceback(
    bundle_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Path) -> None:
        raise EOFError

    monkeypatch.setattr("defasagem.modeling.bundle.joblib.load", broken)
    with pytest.raises(DefasagemError, match=r"model\.joblib ilegível \(EOFError\)"):
        load_bundle(bundle_copy)
