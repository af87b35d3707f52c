"""`defasagem train` into a models folder, `models list|promote|rollback|history`, `predict
--year --logs` and `outcomes`, from the command line (synthetic data)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from builders import as_version
from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.modeling import versions

CHAMPION = "20250101-100000"


@pytest.fixture
def models(synthetic_bundle: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "modelos"
    folder.mkdir()
    # As if trained before 2023->2024 was known (see builders.as_version).
    as_version(synthetic_bundle, folder, CHAMPION, champion=True, trained_on=["2022->2023"])
    return folder


def test_the_yearly_cycle_from_the_command_line(
    models: Path,
    synthetic_workbook: Path,
    fast_config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs = tmp_path / "logs"
    data = ["--data", str(synthetic_workbook)]
    assert main(["db", "upgrade", "--logs", str(logs)]) == 0
    # End of 2023: the list of 2023 is scored and kept for its outcome.
    predict = ["predict", "--model", str(models), *data, "--year", "2023", "--logs", str(logs)]
    assert main([*predict, "--out", str(tmp_path / "lista_2023.csv")]) == 0
    printed = capsys.readouterr().out
    assert "2023: " in printed
    assert "Lista de 2023 guardada no banco" in printed
    # The 2024 export arrives: a challenger is trained, compared, and last year's outcome shown.
    train = ["train", *data, "--out", str(models), "--config", str(fast_config)]
    assert main([*train, "--logs", str(logs)]) == 0
    printed = capsys.readouterr().out
    challenger = next(v for v in versions.versions(models) if v != CHAMPION)
    assert f"desafiante {challenger} contra a campeã {CHAMPION} em 2023->2024" in printed
    assert "ROC-AUC: campeã" in printed
    assert "IC 95 % pareado" in printed
    assert f"defasagem models promote {challenger}" in printed
    assert "Desfecho da lista de 2023" in printed
    assert "estimado ao pontuar" in printed
    assert versions.champion(models) == CHAMPION  # training never switches the champion
    report = json.loads((logs / "desfechos" / "desfecho_2023.json").read_text(encoding="utf-8"))
    assert report["year"] == 2023
    assert report["measured"] > 500
    assert report["estimate"]["roc_auc"]["ci"][0] < report["estimate"]["roc_auc"]["estimate"]

    assert main(["models", "list", "--model", str(models)]) == 0
    listed = capsys.readouterr().out
    assert f"* atual {CHAMPION}" in listed
    assert f"  {challenger}" in listed
    where = ["--model", str(models), "--logs", str(logs)]
    promote = ["models", "promote", challenger, *where, "--reason", "melhor", "--by", "ana"]
    assert main(promote) == 0
    assert f"Versão atual: {challenger} (antes: {CHAMPION})" in capsys.readouterr().out
    assert main(["models", "rollback", *where, "--reason", "voltar"]) == 0
    assert f"Versão atual: {CHAMPION} (desfeita: {challenger})" in capsys.readouterr().out
    assert main(["models", "history", "--logs", str(logs)]) == 0
    history = capsys.readouterr().out.splitlines()
    assert "reversão" in history[0]
    assert "por ana — melhor" in history[1]

    # Scoring the 2024 sheet with --logs measures the 2023 outcome as well.
    latest = ["predict", "--model", str(models), *data, "--logs", str(logs)]
    assert main([*latest, "--out", str(tmp_path / "lista_2024.csv")]) == 0
    printed = capsys.readouterr().out
    assert "Lista de 2024 guardada no banco" in printed
    assert "Desfecho da lista de 2023" in printed

    # The outcome again, by its own command, into another folder.
    out = tmp_path / "desfechos"
    assert main(["outcomes", *data, "--logs", str(logs), "--out", str(out)]) == 0
    assert "Precisão na capacidade: realizado" in capsys.readouterr().out
    book = openpyxl.load_workbook(out / "desfecho_2023.xlsx")
    assert book.sheetnames[:3] == ["Resumo", "Métricas", "Calibração por faixa"]


def test_model_commands_refuse_bad_input_in_portuguese(
    models: Path,
    synthetic_bundle: Path,
    synthetic_workbook: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs = tmp_path / "logs"
    where = ["--model", str(models), "--logs", str(logs)]
    assert main(["models", "promote", CHAMPION, *where, "--reason", "x"]) == EXIT_BAD_INPUT
    assert "defasagem db upgrade" in capsys.readouterr().err  # no database yet
    assert main(["db", "upgrade", "--logs", str(logs)]) == 0
    capsys.readouterr()
    assert main(["models", "promote", "20990101-000000", *where, "--reason", "x"]) == 2
    assert "não há a versão 20990101-000000" in capsys.readouterr().err
    assert main(["models", "promote", CHAMPION, *where, "--reason", "x", "--by", " "]) == 2
    assert "--by: vazio" in capsys.readouterr().err
    assert main(["models", "rollback", *where, "--reason", "x"]) == EXIT_BAD_INPUT
    assert "nada a desfazer" in capsys.readouterr().err
    assert main(["models", "promote", CHAMPION, *where]) == EXIT_BAD_INPUT
    assert "--reason" in capsys.readouterr().err
    assert main(["models", "list", "--model", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "nenhuma versão" in capsys.readouterr().err
    assert main(["models", "history", "--logs", str(logs)]) == 0
    assert "Nenhuma promoção registrada." in capsys.readouterr().out
    data = ["--data", str(synthetic_workbook)]
    out = ["--out", str(tmp_path / "d")]
    assert main(["outcomes", *data, "--logs", str(logs), *out]) == EXIT_BAD_INPUT
    assert "não há lista guardada" in capsys.readouterr().err
    assert main(["outcomes", *data, "--logs", str(logs), *out, "--year", "2024"]) == 2
    assert "não trazem 2025" in capsys.readouterr().err
    # A model that saw the outcome of 2023 never stores a list of 2023 to measure it by.
    trained = ["predict", "--model", str(models), *data, "--year", "2023", "--logs", str(logs)]
    assert main([*trained, "--out", str(tmp_path / "challenger.csv")]) == 0
    assert "Lista de 2023 guardada" in capsys.readouterr().out
    seen = tmp_path / "visto"
    seen.mkdir()
    as_version(synthetic_bundle, seen, CHAMPION, champion=True)  # trained on 2023->2024
    again = ["predict", "--model", str(seen), *data, "--year", "2023", "--logs", str(logs)]
    assert main([*again, "--out", str(tmp_path / "l2.csv")]) == 0
    assert "não guardada para medir o desfecho" in capsys.readouterr().out
    predict = ["predict", "--model", str(models), *data, "--year", "2019"]
    assert main([*predict, "--out", str(tmp_path / "l.csv")]) == EXIT_BAD_INPUT
    assert "não tem o ano 2019 para pontuar" in capsys.readouterr().err


def test_train_never_writes_over_a_single_bundle(
    synthetic_bundle: Path, synthetic_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(p.name for p in synthetic_bundle.iterdir())
    args = ["train", "--data", str(synthetic_workbook), "--out", str(synthetic_bundle)]
    assert main(args) == EXIT_BAD_INPUT
    assert "pacote de modelo único" in capsys.readouterr().err
    assert sorted(p.name for p in synthetic_bundle.iterdir()) == before
