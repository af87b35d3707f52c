"""The hand-computable baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd

from defasagem.features import LABEL
from defasagem.modeling.baselines import DefasagemLogistic, persistence_score


def test_persistence_ranks_by_how_far_behind_and_flags_those_behind() -> None:
    pairs = pd.DataFrame({"defasagem": [-2, -1, 0, 1, None]})
    score = persistence_score(pairs)
    assert score.tolist() == [2.0, 1.0, 0.0, -1.0, 0.0]
    # At its threshold of 1 it flags exactly the students behind now.
    assert (score >= 1).tolist() == [True, True, False, False, False]


def test_logistic_on_defasagem_without_any_recorded_defasagem_gives_the_rate() -> None:
    train = pd.DataFrame({"defasagem": [np.nan] * 4, LABEL: [1, 1, 0, 1]})
    scores = DefasagemLogistic().fit(train).score(pd.DataFrame({"defasagem": [-1.0, np.nan]}))
    assert scores.tolist() == [0.75, 0.75]


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
