"""The Evidently adapter: the output keys it reads are pinned (an upgrade that renames them must
fail here, not report "no drift"), and the verdict follows the method's kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from defasagem.monitoring.evidently_adapter import DriftMethods, compare, read_drift


def frames(shift: float, n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(
        {"x": rng.normal(5, 1, n), "g": rng.choice(["a", "b"], n), "vazia": np.nan}
    )
    current = pd.DataFrame(
        {"x": rng.normal(5 + shift, 1, n), "g": rng.choice(["a", "b"], n), "vazia": np.nan}
    )
    return reference, current


def test_evidently_output_keeps_the_keys_the_adapter_reads() -> None:
    reference, current = frames(0.0)
    snapshot, _ = compare(reference, current, ["x", "vazia"], ["g"], DriftMethods())
    output = snapshot.dict()
    assert set(output) >= {"metrics"}
    drifts = [m for m in output["metrics"] if m["config"]["type"].endswith(":ValueDrift")]
    assert {m["config"]["column"] for m in drifts} == {"x", "g"}
    for metric in drifts:
        assert {"type", "column", "method", "threshold"} <= set(metric["config"])
        assert isinstance(metric["value"], float)
    missing = [m for m in output["metrics"] if m["config"]["type"].endswith(":MissingValueCount")]
    assert {m["config"]["column"] for m in missing} == {"x", "g", "vazia"}
    assert all({"count", "share"} <= set(m["value"]) for m in missing)


def test_a_shift_is_drift_and_no_shift_is_not() -> None:
    _, quiet = compare(*frames(0.0), ["x"], ["g"], DriftMethods())
    _, shifted = compare(*frames(1.0), ["x", "vazia"], ["g"], DriftMethods())
    assert not quiet["x"].drifted
    assert shifted["x"].drifted
    assert shifted["x"].statistic > 0.5  # one standard deviation, normalised Wasserstein
    assert shifted["x"].is_distance
    assert "vazia" not in shifted  # no values on either side: not compared


def test_a_p_value_method_drifts_below_its_threshold() -> None:
    methods = DriftMethods(numeric="ks", numeric_threshold=0.05)
    _, quiet = compare(*frames(0.0), ["x"], [], methods)
    _, shifted = compare(*frames(0.5), ["x"], [], methods)
    assert not quiet["x"].is_distance
    assert quiet["x"].statistic > 0.05
    assert not quiet["x"].drifted
    assert shifted["x"].statistic < 0.05
    assert shifted["x"].drifted


def test_an_unknown_method_is_refused_not_guessed() -> None:
    output = {
        "metrics": [
            {
                "config": {
                    "type": "x:ValueDrift",
                    "column": "c",
                    "method": "novo",
                    "threshold": 0.1,
                },
                "value": 0.3,
            }
        ]
    }
    with pytest.raises(ValueError, match="novo"):
        read_drift(output)
