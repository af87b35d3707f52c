"""A promotion and a rollback while clients keep asking: the real server (gunicorn, 2 workers)
switches every worker within seconds, without a restart and without a failed request."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from builders import as_version
from defasagem.cli import main
from servers import clients_asking, running_server

A, B = "20250101-100000", "20260101-100000"
STUDENT = {"ano": 2024, "fase": 3, "ieg": 5.0, "ida": 6.0, "data_nascimento": "2013-01-02"}


def test_promote_and_roll_back_under_load_fail_no_request(
    synthetic_bundle: Path, tmp_path: Path
) -> None:
    models = tmp_path / "modelos"
    models.mkdir()
    as_version(synthetic_bundle, models, A, champion=True)
    as_version(synthetic_bundle, models, B)
    with running_server(models, tmp_path) as server, clients_asking(server, STUDENT) as answers:
        time.sleep(1.0)
        where = ["--model", str(models), "--logs", str(server.logs)]
        assert main(["models", "promote", B, *where, "--reason", "carga"]) == 0
        promoted = time.monotonic()
        time.sleep(4.0)
        assert main(["models", "rollback", *where, "--reason", "volta"]) == 0
        rolled_back = time.monotonic()
        time.sleep(4.0)
    statuses = Counter(status for _, status, _ in answers)
    assert statuses[200] == len(answers), statuses  # 0 failed requests
    assert len(answers) > 100
    # Every worker switched within 3 s of each change (the watcher polls each second).
    between = [v for t, _, v in answers if promoted + 3 < t < rolled_back]
    after = [v for t, _, v in answers if t > rolled_back + 3]
    assert between
    assert set(between) == {B}
    assert after
    assert set(after) == {A}
    before = [v for t, _, v in answers if t < promoted]
    assert set(before) == {A}
