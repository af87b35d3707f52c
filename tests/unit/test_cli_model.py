"""`defasagem train` and `defasagem predict` from the command line (synthetic data)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.data.ingest import IngestResult
from defasagem.errors import DefasagemError
from defasagem.ideal_phase import read_rule_file
from defasagem.modeling import versions
from defasagem.modeling.training import _scoring_rule, learn_rules


def test_train_prints_stages_and_the_test_result_then_predict_writes_the_list(
    synthetic_workbook: Path,
    fast_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "modelo"
    args = ["train", "--data", str(synthetic_workbook), "--out", str(out)]
    assert main([*args, "--config", str(fast_config)]) == 0
    printed = capsys.readouterr().out
    for stage in ("leitura dos dados", "seleção em transições de treino", "backtests"):
        assert f"» {stage}" in printed
    assert "(teste 2023->2024 intocado)" in printed
    assert "Teste 2023->2024" in printed
    assert "persistência" in printed
    (version,) = versions.versions(out)
    assert f"Versão {version} gravada em {out / version}." in printed
    assert "É a primeira versão desta pasta: já é a atual." in printed
    assert versions.champion(out) == version
    metrics = json.loads((out / version / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["test_transition"] == "2023->2024"
    ranked = tmp_path / "lista.xlsx"
    predict = ["predict", "--model", str(out), "--data", str(synthetic_workbook)]
    assert main([*predict, "--out", str(ranked)]) == 0
    printed = capsys.readouterr().out
    assert "2024: " in printed
    assert "alunos pontuados" in printed
    assert "Regra da Fase Ideal: aprendida das linhas de 2024." in printed
    assert len(pd.read_excel(ranked)) > 500


def test_predict_with_a_rule_file(
    synthetic_bundle: Path,
    synthetic_workbook: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rule = synthetic_bundle / "ideal_phase_rule.toml"
    args = ["predict", "--model", str(synthetic_bundle), "--data", str(synthetic_workbook)]
    assert main([*args, "--out", str(tmp_path / "r.csv"), "--rule", str(rule)]) == 0
    assert "Regra da Fase Ideal: do arquivo de regra informado." in capsys.readouterr().out


def test_predict_refuses_a_folder_that_is_not_a_model(
    synthetic_workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["predict", "--model", str(tmp_path), "--data", str(synthetic_workbook)]
    assert main([*args, "--out", str(tmp_path / "r.csv")]) == EXIT_BAD_INPUT
    error = capsys.readouterr().err
    assert "não é um pacote de modelo" in error
    assert "defasagem train" in error
    assert main([*args, "--out", str(tmp_path / "r.txt")]) == EXIT_BAD_INPUT


def test_train_needs_two_transitions(
    synthetic_workbook: Path,
    fast_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    book = openpyxl.load_workbook(synthetic_workbook)
    del book["PEDE2024"]
    two_years = tmp_path / "dois_anos.xlsx"
    book.save(two_years)
    args = ["train", "--data", str(two_years), "--out", str(tmp_path / "m")]
    assert main([*args, "--config", str(fast_config)]) == EXIT_BAD_INPUT
    assert "ao menos duas transições" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_train_with_a_bad_config_names_it(
    synthetic_workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "treino.toml"
    config.write_text("seed = 1\n", encoding="utf-8")
    args = ["train", "--data", str(synthetic_workbook), "--out", str(tmp_path / "m")]
    assert main([*args, "--config", str(config)]) == EXIT_BAD_INPUT
    assert f"{config}: falta a chave" in capsys.readouterr().err


def test_the_scoring_rule_comes_from_the_latest_year_or_the_operator(
    synthetic_result: IngestResult, tmp_path: Path
) -> None:
    table = synthetic_result.table
    rules = learn_rules(table)
    assert sorted(rules) == [2022, 2023, 2024]
    assert _scoring_rule(table, rules, None) == rules[2024]
    without_latest = {y: r for y, r in rules.items() if y != 2024}
    with pytest.raises(DefasagemError, match=r"--rule configs/ideal_phase_rule\.toml"):
        _scoring_rule(table, without_latest, None)
    shipped = read_rule_file(Path(__file__).parents[2] / "configs" / "ideal_phase_rule.toml")
    assert _scoring_rule(table, without_latest, shipped).learned_from == 2024


def test_wrong_kinds_of_paths_get_portuguese_errors_before_any_training(
    synthetic_workbook: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "arquivo.txt"
    a_file.write_text("x", encoding="utf-8")
    data = ["--data", str(synthetic_workbook)]
    assert main(["train", *data, "--out", str(a_file)]) == EXIT_BAD_INPUT
    assert "já existe e não é uma pasta" in capsys.readouterr().err
    assert main(["train", *data, "--out", str(tmp_path / "m"), "--rule", str(tmp_path)]) == 2
    assert "é uma pasta, não um arquivo da regra" in capsys.readouterr().err
    assert main(["train", *data, "--out", str(tmp_path / "m"), "--config", str(tmp_path)]) == 2
    assert "é uma pasta, não um arquivo de configuração" in capsys.readouterr().err
    predict = ["predict", "--model", str(a_file), *data, "--out", str(tmp_path / "r.csv")]
    assert main(predict) == EXIT_BAD_INPUT
    assert "é um arquivo; --model espera a pasta" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_predict_never_overwrites_its_input(
    synthetic_bundle: Path, synthetic_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = synthetic_workbook.read_bytes()
    args = ["predict", "--model", str(synthetic_bundle), "--data", str(synthetic_workbook)]
    assert main([*args, "--out", str(synthetic_workbook)]) == EXIT_BAD_INPUT
    assert "a saída é um dos arquivos de --data" in capsys.readouterr().err
    assert synthetic_workbook.read_bytes() == before
