"""``defasagem followup export`` and what ``serve`` does with the database and the list of
interventions (the server itself is stubbed by the ``started`` fixture: only the start-up)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import Engine

from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.store.followups import DEFAULT_INTERVENTIONS, FollowupDraft, FollowupStore
from defasagem.store.migrate import current, head, upgrade
from servers import free_port


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_whole_record_is_exported_with_its_history(
    database_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    upgrade(database_engine)
    store = FollowupStore(database_engine)
    plan = FollowupDraft("mentoria", "Ana", dt.date(2025, 3, 10), "planejado", "")
    first = store.create("RA-1", 2024, plan, "ana")
    store.update(
        first.id, 1, FollowupDraft("mentoria", "Ana", plan.start_date, "concluído", "ok"), "bia"
    )
    store.create("RA-2", 2023, plan, "ana")
    url = database_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "registro.xlsx"
    code, said, _ = run(
        ["followup", "export", "--logs", str(tmp_path), "--database", url, "--out", str(out)],
        capsys,
    )
    assert code == 0
    assert "2 acompanhamento(s) e 3 alteração(ões)" in said
    assert openpyxl.load_workbook(out).sheetnames == ["Acompanhamentos", "Histórico"]
    records = pd.read_excel(out, sheet_name="Acompanhamentos", dtype=str)
    assert list(records["RA"]) == ["RA-1", "RA-2"]
    assert list(records["Situação"]) == ["concluído", "planejado"]
    assert list(records["Versão"]) == ["2", "1"]
    history = pd.read_excel(out, sheet_name="Histórico", dtype=str)
    assert list(zip(history["RA"], history["Ação"], history["Quem"], strict=True)) == [
        ("RA-1", "criado", "ana"),
        ("RA-1", "alterado", "bia"),
        ("RA-2", "criado", "ana"),
    ]
    assert list(history["Início"]) == ["10/03/2025"] * 3
    csv = tmp_path / "registro.csv"
    assert (
        run(
            ["followup", "export", "--logs", str(tmp_path), "--database", url, "--out", str(csv)],
            capsys,
        )[0]
        == 0
    )
    table = pd.read_csv(csv, sep=";", dtype=str, encoding="utf-8-sig")
    assert list(table["Situação"]) == ["planejado", "concluído", "planejado"]


def test_export_refuses_a_database_that_was_never_migrated_and_a_bad_suffix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["followup", "export", "--logs", str(tmp_path), "--out", str(tmp_path / "x.xlsx")], capsys
    )
    assert code == EXIT_BAD_INPUT
    assert "rode 'defasagem db upgrade" in err
    assert not (tmp_path / "x.xlsx").exists()
    code, _, err = run(
        ["followup", "export", "--logs", str(tmp_path), "--out", str(tmp_path / "x.pdf")], capsys
    )
    assert code != 0
    assert "a saída deve terminar em .xlsx ou .csv" in err


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    monkeypatch.setattr("defasagem.api.server.serve", lambda settings, **_: calls.append(settings))
    return calls


def serve(bundle: Path, tmp_path: Path, *extra: str) -> list[str]:
    return [
        "serve", "--model", str(bundle), "--logs", str(tmp_path / "logs"),
        "--port", str(free_port()), "--no-auth", *extra,
    ]  # fmt: skip


def test_serve_migrates_the_database_before_the_workers_start(
    synthetic_bundle: Path, tmp_path: Path, started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(serve(synthetic_bundle, tmp_path), capsys)
    assert code == 0
    assert f"(esquema {head()})" in out
    (settings,) = started
    assert settings.interventions == DEFAULT_INTERVENTIONS  # configs/acompanhamento.toml
    from defasagem.store.database import opened  # noqa: PLC0415

    with opened(tmp_path / "logs") as engine:
        assert current(engine) == head()


def test_serve_reads_the_intervention_list_and_names_a_bad_one(
    synthetic_bundle: Path, tmp_path: Path, started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "lista.toml"
    good.write_text('intervencoes = ["oficina de leitura"]\n', encoding="utf-8")
    assert run(serve(synthetic_bundle, tmp_path, "--interventions", str(good)), capsys)[0] == 0
    assert started[-1].interventions == ("oficina de leitura",)
    bad = tmp_path / "ruim.toml"
    bad.write_text("intervencoes = []\n", encoding="utf-8")
    code, _, err = run(serve(synthetic_bundle, tmp_path, "--interventions", str(bad)), capsys)
    assert code == EXIT_BAD_INPUT
    assert "falta a lista intervencoes" in err
    assert len(started) == 1


def test_serve_starts_with_a_database_that_is_down_and_says_so(
    synthetic_bundle: Path, tmp_path: Path, started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://u:segredo@/x?host={tmp_path}&port=1"
    code, _, err = run(serve(synthetic_bundle, tmp_path, "--database", url), capsys)
    assert code == 0
    assert "banco de dados inacessível" in err
    assert "/ready responde 503 até o banco voltar" in err
    assert "segredo" not in err
    assert started[0].database == url


def test_serve_deletes_the_lists_an_older_version_kept_in_a_folder(
    synthetic_bundle: Path, tmp_path: Path, started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "logs" / "resultados"
    old.mkdir(parents=True)
    for name in ("a.joblib", "b.joblib", "c.tmp"):
        (old / name).write_bytes(b"lista antiga")
    code, out, _ = run(serve(synthetic_bundle, tmp_path), capsys)
    assert code == 0
    assert "3 lista(s) antiga(s)" in out
    assert not old.exists()
