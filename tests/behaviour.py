"""Behaviour checks shared by the synthetic-model and the real-model tests."""

from __future__ import annotations

import pandas as pd

from defasagem.modeling.bundle import Bundle
from defasagem.predict import score_year


def probabilities(bundle: Bundle, table: pd.DataFrame) -> pd.Series:
    scored = score_year(bundle, table).table
    return scored.set_index("ra")["probabilidade"].sort_index()


def worsen(table: pd.DataFrame, column: str, by: float) -> pd.DataFrame:
    """The latest year's ``column`` lowered by ``by`` (floored at 0), all else equal."""
    changed = table.copy()
    latest = changed["ano"] == changed["ano"].max()
    changed.loc[latest, column] = (changed.loc[latest, column] - by).clip(lower=0)
    return changed


def check_invariance_and_direction(bundle: Bundle, table: pd.DataFrame) -> None:
    """Shared by the synthetic and the real model tests."""
    base = probabilities(bundle, table)
    assert ((base >= 0) & (base <= 1)).all()
    # The RA is an identifier: renaming every student changes no score.
    renamed = table.assign(ra=table["ra"].map(lambda ra: f"X-{ra}"))
    moved = probabilities(bundle, renamed)
    moved.index = moved.index.str.removeprefix("X-")
    pd.testing.assert_series_equal(moved.sort_index(), base, check_index_type=False)
    # Row order is not information either.
    shuffled = table.sample(frac=1.0, random_state=3).reset_index(drop=True)
    pd.testing.assert_series_equal(probabilities(bundle, shuffled), base)
    # Worse engagement or learning, everything else equal, does not lower the risk on average.
    for column in ("ieg", "ida"):
        worse = probabilities(bundle, worsen(table, column, 2.0))
        assert worse.mean() >= base.mean(), column
