"""The command line: summaries on success; exit code 2 and one Portuguese line on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from builders import HEADERS_2023, row_2023, rows_of, write_workbook
from defasagem import cli
from defasagem.cli import EXIT_BAD_INPUT, EXIT_UNEXPECTED, main


def small_workbook(tmp_path: Path) -> Path:
    records = [row_2023("RA-1", Idade=10.0), row_2023("RA-2", IPS="#N/A")]
    return write_workbook(
        tmp_path / "pede.xlsx", {"PEDE2023": (HEADERS_2023, rows_of(HEADERS_2023, records))}
    )


def test_ingest_prints_summary_and_writes_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.parquet"
    assert main(["ingest", str(small_workbook(tmp_path)), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Resumo por ano" in printed
    lines = [" ".join(line.split()) for line in printed.splitlines()]
    assert "2023 2 2 100.0 % 0.0 % pede.xlsx#PEDE2023" not in lines  # one IPS is missing
    assert any(line.startswith("2023 2 2 100.0 % ") for line in lines)
    assert "2023: 1 células de erro do Excel" in printed
    assert f"Tabela gravada em {out} (2 linhas)." in printed
    assert len(pd.read_parquet(out)) == 2


def test_random_xlsx_exits_2_with_a_short_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "aleatorio.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["x", "y", "z"])
    sheet.append([1, 2, 3])
    workbook.save(path)
    out = tmp_path / "t.parquet"
    assert main(["ingest", str(path), "--out", str(out)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("erro: aleatorio.xlsx: não é uma exportação PEDE")
    assert "Traceback" not in err
    assert not out.exists()


def test_failed_ingest_keeps_the_previous_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.parquet"
    out.write_bytes(b"previous table")
    bad = tmp_path / "bad.csv"
    bad.write_text("RA;IAA\nRA-1;7\n", encoding="utf-8")
    assert main(["ingest", str(bad), "--out", str(out)]) == EXIT_BAD_INPUT
    assert out.read_bytes() == b"previous table"
    assert "erro: bad.csv" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ingest", "a.xlsx", "--out", "t.csv"],
            "valor inválido para '--out': a saída deve terminar",
        ),
        (["ingest", "--out", "t.parquet"], "erro: falta 'ARQUIVO...'."),
        (["ingest", "a.xlsx"], "erro: falta '--out'."),
        (["ingest", "a.xlsx", "--out"], "erro: a opção --out precisa de um valor."),
        (["ingest", "a.xlsx", "--out", "t.parquet", "--ano", "1"], "opção desconhecida: --ano"),
        (["ingest", "a.xlsx", "--out", "t.parquet", "--year", "x"], "'x' não é um número inteiro"),
        (["ingest", "a.xlsx", "--out", "t.parquet", "--year", "1999"], "fora do intervalo"),
        (["synth", "--out", "x.csv"], "a saída deve terminar em .xlsx"),
        (["synth", "--out", "x.xlsx", "--students", "5"], "5 está fora do intervalo 30–100000"),
        (["synth", "--out", "x.xlsx", "--seed", "-1"], "-1 está fora do intervalo 0–4294967295"),
        (["treinar"], "erro: comando desconhecido: treinar."),
        (["synth", "--out", "x.xlsx", "extra"], "argumento(s) a mais: extra"),
    ],
)
def test_usage_errors_are_portuguese_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err
    assert "Veja 'defasagem" in err
    assert "Usage" not in err
    assert "Error" not in err


def test_outputs_that_cannot_be_written_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("x")
    book = small_workbook(tmp_path)
    assert main(["ingest", str(book), "--out", str(blocker / "t.parquet")]) == EXIT_BAD_INPUT
    assert "não foi possível gravar" in capsys.readouterr().err
    assert main(["synth", "--out", str(blocker / "s.xlsx"), "--students", "30"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("erro: não foi possível gravar")
    assert "Traceback" not in err
    assert blocker.read_text() == "x"


def test_help_hint_points_to_the_command_typed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "a.xlsx", "--out"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.endswith("Veja 'defasagem ingest --help'.\n")
    assert main(["treinar"]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.endswith("Veja 'defasagem --help'.\n")


def test_no_arguments_show_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Uso: defasagem [OPÇÕES] COMANDO [ARGS]...")
    assert captured.err == ""


def test_output_that_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "d.parquet"
    folder.mkdir()
    assert main(["ingest", str(small_workbook(tmp_path)), "--out", str(folder)]) == EXIT_BAD_INPUT
    assert capsys.readouterr().err.endswith("o destino é uma pasta.\n")


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Alerta precoce de defasagem escolar" in out
    assert out.startswith("Uso: defasagem [OPÇÕES] COMANDO [ARGS]...")
    assert "Comandos:" in out
    assert main(["synth", "-h"]) == 0
    out = capsys.readouterr().out
    assert "Opções:" in out
    assert "[obrigatório]" in out
    assert "[padrão: 42]" in out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("defasagem ")


def test_unexpected_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("falha interna")

    monkeypatch.setattr(cli, "ingest_files", boom)
    monkeypatch.delenv("DEFASAGEM_DEBUG", raising=False)
    args = ["ingest", str(small_workbook(tmp_path)), "--out", str(tmp_path / "t.parquet")]
    assert main(args) == EXIT_UNEXPECTED
    err = capsys.readouterr().err
    assert "erro inesperado: RuntimeError: falha interna" in err
    assert "Traceback" not in err
    monkeypatch.setenv("DEFASAGEM_DEBUG", "1")
    assert main(args) == EXIT_UNEXPECTED
    assert "Traceback" in capsys.readouterr().err


def test_interrupt_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "ingest_files", interrupt)
    args = ["ingest", str(small_workbook(tmp_path)), "--out", str(tmp_path / "t.parquet")]
    assert main(args) == EXIT_UNEXPECTED


def test_synth_then_ingest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = tmp_path / "s" / "sint.xlsx"
    assert main(["synth", "--out", str(book), "--seed", "7", "--students", "60"]) == 0
    assert "Planilha sintética gravada" in capsys.readouterr().out
    assert main(["ingest", str(book), "--out", str(tmp_path / "t.parquet")]) == 0
    assert "Alunos em anos consecutivos: 2022→2023" in capsys.readouterr().out


def test_installed_command_never_prints_a_traceback(tmp_path: Path) -> None:
    truncated = tmp_path / "cortado.xlsx"
    truncated.write_bytes(small_workbook(tmp_path).read_bytes()[:300])
    env = {**os.environ, "DEFASAGEM_DEBUG": ""}
    done = subprocess.run(
        [sys.executable, "-m", "defasagem.cli", "ingest", str(truncated), "--out", "x.parquet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == EXIT_BAD_INPUT
    assert done.stderr.startswith("erro: cortado.xlsx: não foi possível abrir")
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
