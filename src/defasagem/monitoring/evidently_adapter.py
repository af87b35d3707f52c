"""Everything this project asks of Evidently (0.7), in one place.

Evidently's default drift test depends on the sample size (K-S or chi-squared below 1,000
reference rows, Wasserstein or Jensen-Shannon above), and our reference has about that many
rows: a report could switch tests between two trainings. So every column gets an explicit
method and threshold here, and the rest of the code reads our summary, never Evidently's
objects. A contract test pins the output keys this module reads, so an upgrade that renames
them fails loudly instead of reporting no drift.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.metrics import DriftedColumnsCount, MissingValueCount, ValueDrift

# Distances (drift when at or above the threshold) and tests (drift when the p-value is below).
DISTANCES = frozenset({"wasserstein", "jensenshannon", "psi", "hellinger", "kl_div"})
TESTS = frozenset({"ks", "chisquare", "z", "mannw", "anderson", "cramer_von_mises"})


@dataclass(frozen=True)
class DriftMethods:
    """The explicit drift methods (Evidently's names) and thresholds."""

    numeric: str = "wasserstein"
    categorical: str = "jensenshannon"
    # Wasserstein is normalised by the reference's standard deviation. Two samples of the same
    # students (a few hundred filled values per column) already differ by up to 0.1 of a
    # standard deviation, Evidently's default threshold, so 0.15 is used: drift is a shift
    # beyond sampling noise. Jensen-Shannon is a distance in [0, 1].
    numeric_threshold: float = 0.15
    categorical_threshold: float = 0.1
    # A column needs this many non-missing values on each side to be compared at all.
    min_values: int = 30

    def method(self, categorical: bool) -> str:
        """The method of a column of this kind."""
        return self.categorical if categorical else self.numeric

    def threshold(self, categorical: bool) -> float:
        """The threshold of a column of this kind."""
        return self.categorical_threshold if categorical else self.numeric_threshold


@dataclass(frozen=True)
class ColumnDrift:
    """One column's drift, as Evidently computed it."""

    column: str
    method: str
    statistic: float
    threshold: float
    drifted: bool

    @property
    def is_distance(self) -> bool:
        """True when the statistic is a distance, False when it is a p-value."""
        return self.method in DISTANCES


def compare(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str],
    methods: DriftMethods,
) -> tuple[Any, dict[str, ColumnDrift]]:
    """Run the report on the columns with enough values on both sides.

    Returns Evidently's snapshot (for the HTML) and the drift of each compared column.
    """
    usable = [
        c
        for c in (*numeric, *categorical)
        if reference[c].notna().sum() >= methods.min_values
        and current[c].notna().sum() >= methods.min_values
    ]
    kinds = {c: c in categorical for c in usable}
    definition = DataDefinition(
        numerical_columns=[c for c in usable if not kinds[c]],
        categorical_columns=[c for c in usable if kinds[c]],
    )
    metrics: list[Any] = [
        ValueDrift(column=c, method=methods.method(kinds[c]), threshold=methods.threshold(kinds[c]))
        for c in usable
    ]
    if usable:
        metrics.append(
            DriftedColumnsCount(
                columns=usable,
                num_method=methods.numeric,
                cat_method=methods.categorical,
                num_threshold=methods.numeric_threshold,
                cat_threshold=methods.categorical_threshold,
            )
        )
    metrics.extend(MissingValueCount(column=c) for c in (*numeric, *categorical))
    columns = [*numeric, *categorical]
    snapshot = Report(metrics).run(
        Dataset.from_pandas(current[columns].copy(), data_definition=definition),
        Dataset.from_pandas(reference[columns].copy(), data_definition=definition),
    )
    return snapshot, read_drift(snapshot.dict())


def read_drift(output: dict[str, Any]) -> dict[str, ColumnDrift]:
    """The ValueDrift results of ``snapshot.dict()`` (the keys the contract test pins)."""
    out: dict[str, ColumnDrift] = {}
    for metric in output["metrics"]:
        config = metric["config"]
        if not config["type"].endswith(":ValueDrift"):
            continue
        method = str(config["method"])
        threshold = float(config["threshold"])
        statistic = float(metric["value"])
        if method in DISTANCES:
            drifted = statistic >= threshold
        elif method in TESTS:
            drifted = statistic < threshold
        else:  # a method this module does not know how to read: refuse, never guess
            raise ValueError(f"método de drift sem leitura definida: {method}")
        column = str(config["column"])
        out[column] = ColumnDrift(
            column, method, statistic, threshold, drifted and not math.isnan(statistic)
        )
    return out


def save_html(snapshot: Any, path: Path) -> None:
    """Evidently's self-contained HTML report (its scripts are inline: no CDN)."""
    snapshot.save_html(str(path))
