"""``defasagem db upgrade | current`` on both databases, and a bad address named in Portuguese."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.store.migrate import head


def test_upgrade_then_current(
    database_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = database_engine.url.render_as_string(hide_password=False)
    assert main(["db", "current", "--logs", str(tmp_path), "--database", url]) == 0
    assert "nenhum (rode defasagem db upgrade)" in capsys.readouterr().out
    assert main(["db", "upgrade", "--logs", str(tmp_path), "--database", url]) == 0
    assert f"Banco no esquema {head()} (o mais novo)." in capsys.readouterr().out
    assert main(["db", "current", "--logs", str(tmp_path), "--database", url]) == 0
    assert f"Banco no esquema {head()}; o mais novo é {head()}." in capsys.readouterr().out


def test_the_default_is_a_sqlite_file_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEFASAGEM_DATABASE_URL", raising=False)
    assert main(["db", "upgrade", "--logs", str(tmp_path / "dados")]) == 0
    assert (tmp_path / "dados" / "defasagem.sqlite3").is_file()


def test_an_unreachable_database_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://u:segredo@/x?host={tmp_path}&port=1"
    assert main(["db", "upgrade", "--logs", str(tmp_path), "--database", url]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "banco de dados inacessível" in err
    assert "segredo" not in err
    assert "Traceback" not in err
