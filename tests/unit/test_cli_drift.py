"""`defasagem simulate` against a live API, then `defasagem drift` on what it logged; and
`defasagem serve` refusing a busy port."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.monitoring.drift import REPORT_HTML, REPORT_JSON


def test_simulate_then_drift_from_the_command_line(
    live_api: tuple[str, Path],
    synthetic_workbook: Path,
    synthetic_bundle: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, logs = live_api
    simulate = ["simulate", "--url", url, "--data", str(synthetic_workbook), "--n", "240"]
    assert main([*simulate, "--drift", "engagement", "--seed", "3", "--batch", "40"]) == 0
    printed = capsys.readouterr().out
    assert "240 de 240 alunos pontuados (drift: engagement)." in printed
    assert "fora da simulação (a API os recusaria)" in printed
    out = tmp_path / "relatorio"
    assert (
        main(["drift", "--model", str(synthetic_bundle), "--logs", str(logs), "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "240 previsões de" in printed
    assert "  ieg: wasserstein" in printed
    summary = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    assert "ieg" in summary["drifted_features"]
    assert (out / REPORT_HTML).is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--since", "ontem"], "'ontem' não é uma data como 2026-11-01"),
        (["--since", "2999-01-01"], "só 0 predição(ões)"),
        (["--reference-year", "2001"], "--reference-year 2001: a referência do modelo só tem"),
        (["--min-rows", "5"], "5 está fora do intervalo"),
    ],
)
def test_drift_bad_options_are_named_in_portuguese(
    live_api: tuple[str, Path],
    synthetic_bundle: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    _, logs = live_api
    logs.mkdir(parents=True, exist_ok=True)
    args = ["drift", "--model", str(synthetic_bundle), "--logs", str(logs), "--out", str(tmp_path)]
    assert main([*args, *extra]) == EXIT_BAD_INPUT
    assert message in capsys.readouterr().err


def test_simulate_reports_a_server_that_is_not_there(
    synthetic_workbook: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "simulate",
        "--url",
        "http://127.0.0.1:9",
        "--data",
        str(synthetic_workbook),
        "--n",
        "3",
    ]
    assert main(args) == EXIT_BAD_INPUT
    assert "o servidor está no ar?" in capsys.readouterr().err
    assert main([*args, "--drift", "outra"]) == EXIT_BAD_INPUT
    assert "outra" in capsys.readouterr().err


def test_serve_refuses_a_busy_port_in_portuguese(
    synthetic_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        args = ["serve", "--model", str(synthetic_bundle), "--logs", str(tmp_path / "logs")]
        assert main([*args, "--port", str(port), "--no-auth"]) == EXIT_BAD_INPUT
    assert f"--port {port}: não foi possível escutar" in capsys.readouterr().err
