"""Privacy of the prediction log and the security headers (LGPD; issue 8, first part): no raw
RA by default, never a birth date, retention by whole days, and the headers on every answer."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from defasagem.api.app import CSP, create_app
from defasagem.api.settings import ApiSettings
from defasagem.cli import EXIT_BAD_INPUT, main
from defasagem.errors import DefasagemError
from defasagem.monitoring.prediction_log import KEY_FILE, prune, pseudonym, read_log

STUDENT: dict[str, Any] = {
    "ra": "RA-77",
    "ano": 2024,
    "fase": 3,
    "data_nascimento": "2012-05-01",
    "ieg": 6.0,
}


def logged(synthetic_bundle: Path, logs: Path, **options: Any) -> Any:
    client = create_app(ApiSettings(synthetic_bundle, logs, **options)).test_client()
    for _ in range(2):
        assert client.post("/predict", json=STUDENT).status_code == 200
    return read_log(logs)


def test_the_log_holds_no_raw_ra_and_no_birth_date_by_default(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    table = logged(synthetic_bundle, logs)
    raw = "".join(p.read_text(encoding="utf-8") for p in logs.glob("predicoes-*.jsonl"))
    assert "RA-77" not in raw
    assert "2012-05-01" not in raw
    assert "entrada_data_nascimento" not in table.columns
    # A stable pseudonym (the same student links across requests), from a private key file.
    assert table["entrada_ra"].nunique() == 1
    assert table.loc[0, "entrada_ra"].startswith("p-")
    assert (logs / KEY_FILE).stat().st_mode & 0o077 == 0


def test_the_key_comes_from_settings_and_the_operator_may_opt_out(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    keyed = logged(synthetic_bundle, tmp_path / "a", log_key="segredo")
    assert keyed.loc[0, "entrada_ra"] == pseudonym(b"segredo", "RA-77")
    raw = logged(synthetic_bundle, tmp_path / "b", raw_ra=True)
    assert raw.loc[0, "entrada_ra"] == "RA-77"
    assert "entrada_data_nascimento" not in raw.columns


def test_an_unusable_key_file_keeps_the_server_up_and_says_why(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "arquivo"
    blocker.write_text("x", encoding="utf-8")
    client = create_app(ApiSettings(synthetic_bundle, blocker / "logs")).test_client()
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "chave de pseudonimização" in ready.get_json(force=True)["motivo"]


def test_prune_deletes_whole_old_days_and_never_today(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    today = dt.date(2026, 11, 28)
    for day in ("2026-08-01", "2026-10-28", "2026-10-29", "2026-11-28"):
        (logs / f"predicoes-{day}-123.jsonl").write_text("{}\n", encoding="utf-8")
    (logs / "outro.txt").write_text("fica", encoding="utf-8")
    removed = prune(logs, 30, today)
    assert sorted(p.name for p in removed) == [
        "predicoes-2026-08-01-123.jsonl",
        "predicoes-2026-10-28-123.jsonl",
    ]
    assert sorted(p.name for p in logs.iterdir()) == [
        "outro.txt",
        "predicoes-2026-10-29-123.jsonl",
        "predicoes-2026-11-28-123.jsonl",
    ]
    with pytest.raises(DefasagemError, match="pasta de logs não encontrada"):
        prune(tmp_path / "nada", 30)


def test_logs_prune_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = logs / "predicoes-2000-01-01-1.jsonl"
    old.write_text("{}\n", encoding="utf-8")
    os.utime(old)
    assert main(["logs", "prune", "--logs", str(logs), "--older-than", "90"]) == 0
    assert "1 arquivo(s) de log apagado(s)" in capsys.readouterr().out
    assert not old.exists()
    assert main(["logs", "prune", "--logs", str(logs), "--older-than", "0"]) == EXIT_BAD_INPUT


def test_every_answer_carries_the_security_headers(synthetic_bundle: Path, tmp_path: Path) -> None:
    client = create_app(ApiSettings(synthetic_bundle, tmp_path / "logs")).test_client()
    for path in ("/", "/health", "/modelo", "/nada"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CSP
        assert "frame-ancestors 'none'" in CSP
        assert "'unsafe-inline'" not in CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
    report = client.get("/monitoring/relatorio").headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in report
    assert "default-src 'none'" in report
