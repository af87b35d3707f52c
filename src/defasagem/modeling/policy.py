"""The capacity policy: the share of students the team can follow, turned into probability
cut-offs on training years and stored in the bundle (issue 3).

A team can follow a fixed number of students, so the policy is a share ("os 20 % de maior
risco"). The cut-offs are the matching quantiles of the calibrated out-of-fold probabilities of
the training students. Applied to a new year they are fixed probabilities: when next year's
risk falls (the prevalence went from 61 % to 44 % between transitions), fewer students cross
them, and the ranked list still lets the team fill its capacity from the top.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

BANDS = ("alto", "médio", "baixo")


@dataclass(frozen=True)
class Policy:
    """The capacity policy fixed on training years: probability cut-offs of the bands."""

    share: float
    medium_share: float
    threshold: float
    medium_cut: float

    @classmethod
    def from_training(
        cls, probabilities: npt.NDArray[np.float64], share: float, medium_share: float
    ) -> Policy:
        """Cut-offs that put ``share`` of the training students in "alto" and ``medium_share``
        in "alto" or "médio" (out-of-fold probabilities, so as new students would score)."""
        return cls(
            share=share,
            medium_share=medium_share,
            threshold=float(np.quantile(probabilities, 1 - share)),
            medium_cut=float(np.quantile(probabilities, 1 - medium_share)),
        )

    def band(self, probability: float) -> str:
        """The risk band of a probability."""
        if probability >= self.threshold:
            return "alto"
        return "médio" if probability >= self.medium_cut else "baixo"

    def describe(self) -> dict[str, Any]:
        """JSON form for metadata.json and metrics.json."""
        return {
            "policy": "capacity",
            "share": self.share,
            "threshold": self.threshold,
            "bands": {"alto": self.threshold, "médio": self.medium_cut, "baixo": 0.0},
            "medium_share": self.medium_share,
        }
