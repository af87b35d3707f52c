"""The real-data tests skip when their variable is unset and fail when it points nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import _real_file


def test_unset_variable_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DEFASAGEM_PEDE_FILE", raising=False)
    with pytest.raises(pytest.skip.Exception, match="DEFASAGEM_PEDE_FILE não definida"):
        _real_file("DEFASAGEM_PEDE_FILE")


def test_variable_pointing_to_a_missing_file_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DEFASAGEM_PEDE_FILE", str(tmp_path / "sumiu.xlsx"))
    with pytest.raises(pytest.fail.Exception, match="aponta para um arquivo que não existe"):
        _real_file("DEFASAGEM_PEDE_FILE")


def test_variable_pointing_to_a_file_returns_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "pede.xlsx"
    path.write_bytes(b"x")
    monkeypatch.setenv("DEFASAGEM_PEDE_FILE", str(path))
    assert _real_file("DEFASAGEM_PEDE_FILE") == path
