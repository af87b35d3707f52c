"""The baselines any coordinator could compute by hand (DESIGN §2): the model must beat them.

- persistence: "atrasado agora ⇒ atrasado no ano que vem" (a 0/1 score);
- a one-feature logistic regression on Defasagem(t), fit on the training pairs only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.linear_model import LogisticRegression

from defasagem.features import LABEL


def persistence_score(pairs: pd.DataFrame) -> npt.NDArray[np.float64]:
    """How far behind the student is now: −Defasagem(t) (0 where it was not recorded).

    Ranked, this is "atrasado agora ⇒ atrasado no ano que vem" graded by how far behind; at
    its threshold of 1 it flags exactly the students behind now. Clipped to [0, 1] for the
    Brier score, it is the 0/1 rule itself.
    """
    return np.asarray(-pairs["defasagem"].astype("float64").fillna(0.0), dtype=np.float64)


class DefasagemLogistic:
    """Logistic regression on Defasagem(t) alone; students without it get the training rate."""

    def __init__(self) -> None:
        self._model = LogisticRegression()
        self._base_rate = 0.5
        self._fitted = False

    def fit(self, pairs: pd.DataFrame) -> DefasagemLogistic:
        """Fit on training pairs."""
        known = pairs["defasagem"].notna()
        self._base_rate = float(pairs[LABEL].mean())
        self._fitted = pairs.loc[known, LABEL].nunique() == 2
        if self._fitted:  # 2020 records no Defasagem: then the training rate is all there is
            self._model.fit(pairs.loc[known, ["defasagem"]].to_numpy(), pairs.loc[known, LABEL])
        return self

    def score(self, pairs: pd.DataFrame) -> npt.NDArray[np.float64]:
        """Probability of lagging next year."""
        out = np.full(len(pairs), self._base_rate, dtype=np.float64)
        known = pairs["defasagem"].notna().to_numpy()
        if known.any() and self._fitted:
            values = pairs.loc[known, ["defasagem"]].to_numpy()
            out[known] = self._model.predict_proba(values)[:, 1]
        return out
