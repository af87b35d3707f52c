"""Model behaviour (Made-With-ML style): invariance, direction and minimum functionality, on a
bundle trained on the synthetic workbook; the same checks run on the real model in
tests/data/test_real_model.py."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from behaviour import check_invariance_and_direction
from defasagem.data.ingest import IngestResult
from defasagem.modeling.bundle import Bundle, load_bundle
from defasagem.modeling.training import train
from defasagem.predict import score_year


@pytest.fixture(scope="module")
def bundle(synthetic_bundle: Path) -> Bundle:
    return load_bundle(synthetic_bundle)


@pytest.fixture(scope="module")
def table(synthetic_result: IngestResult) -> pd.DataFrame:
    return synthetic_result.table


def test_ra_and_row_order_do_not_change_scores_and_worse_indicators_do_not_lower_risk(
    bundle: Bundle, table: pd.DataFrame
) -> None:
    check_invariance_and_direction(bundle, table)


def test_students_far_behind_score_higher_than_students_ahead(
    bundle: Bundle, table: pd.DataFrame
) -> None:
    scored = score_year(bundle, table).table.set_index("ra")
    latest = table[table["ano"] == table["ano"].max()].set_index("ra")
    defasagem = latest["defasagem"].reindex(scored.index)
    far_behind = scored.loc[defasagem <= -2, "probabilidade"]
    ahead = scored.loc[defasagem >= 1, "probabilidade"]
    assert len(far_behind) >= 10
    assert len(ahead) >= 10
    assert far_behind.mean() > ahead.mean()
    assert (far_behind > ahead.median()).mean() >= 0.9


def test_probabilities_stay_in_range_for_records_with_nothing_measured(
    bundle: Bundle, table: pd.DataFrame
) -> None:
    latest = table["ano"] == table["ano"].max()
    blank = table.copy()
    for column in ("iaa", "ieg", "ips", "ida", "ipp", "ipv", "inde", "nota_mat", "nota_port"):
        blank.loc[latest, column] = np.nan
    scored = score_year(bundle, blank).table
    assert scored["probabilidade"].between(0, 1).all()
    assert scored["probabilidade"].notna().all()


def test_the_same_seed_gives_the_same_metrics(
    synthetic_workbook: Path, synthetic_bundle: Path, fast_config: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    train([synthetic_workbook], again, config_path=fast_config)
    first = json.loads((synthetic_bundle / "metrics.json").read_text(encoding="utf-8"))
    second = json.loads((again / "metrics.json").read_text(encoding="utf-8"))
    assert first == second
    assert first["model"]["roc_auc"] is not None
