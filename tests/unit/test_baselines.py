"""The hand-computable baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from defasagem.features import LABEL
from defasagem.modeling.baselines import DefasagemLogistic, persistence_score


def test_persistence_flags_students_behind_now() -> None:
    pairs = pd.DataFrame({"defasagem": [-2, -1, 0, 1]})
    assert persistence_score(pairs).tolist() == [1.0, 1.0, 0.0, 0.0]


def test_logistic_on_defasagem_orders_by_lag_and_handles_missing() -> None:
    rng = np.random.default_rng(0)
    defasagem = rng.integers(-3, 2, 300)
    label = (rng.random(300) < np.where(defasagem < 0, 0.8, 0.2)).astype(int)
    train = pd.DataFrame({"defasagem": defasagem, LABEL: label})
    model = DefasagemLogistic().fit(train)
    test = pd.DataFrame({"defasagem": [-3, -1, 0, 1, np.nan]})
    scores = model.score(test)
    assert scores[0] > scores[1] > scores[2] > scores[3]
    assert scores[4] == label.mean()
    assert ((scores >= 0) & (scores <= 1)).all()
