"""The capacity policy: cut-offs from the training students' probabilities."""

from __future__ import annotations

import numpy as np

from defasagem.modeling.policy import Policy


def test_cut_offs_put_the_configured_shares_of_training_students_in_each_band() -> None:
    probabilities = np.linspace(0, 1, 1001)
    policy = Policy.from_training(probabilities, share=0.2, medium_share=0.5)
    bands = [policy.band(p) for p in probabilities]
    assert bands.count("alto") / len(bands) == pytest_approx(0.2)
    assert (bands.count("alto") + bands.count("médio")) / len(bands) == pytest_approx(0.5)
    assert policy.band(policy.threshold) == "alto"
    assert policy.band(policy.medium_cut) == "médio"
    assert policy.band(0.0) == "baixo"
    described = policy.describe()
    assert described["policy"] == "capacity"
    assert described["bands"]["alto"] == policy.threshold
    assert described["bands"]["médio"] == policy.medium_cut


def pytest_approx(value: float) -> object:
    import pytest  # noqa: PLC0415

    return pytest.approx(value, abs=0.002)
