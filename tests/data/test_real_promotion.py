"""The promotion sub-model on the real PEDE files, measured on training years only (issue 15).

The test transition (the latest) is never read here: the evidence that the structure helps is
the validation transition, predicted by a model fit on the transitions before it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from defasagem.data.ingest import IngestResult
from defasagem.features import LABEL, build_pairs
from defasagem.modeling.baselines import persistence_score
from defasagem.modeling.candidates import load_config
from defasagem.modeling.promotion import DISTANCE, fit_promotion, phases_gained
from defasagem.modeling.training import learn_rules

pytestmark = pytest.mark.real_data
CONFIG = Path(__file__).parents[2] / "configs" / "training.toml"


def test_every_transition_records_the_gain(real_both_result: IngestResult) -> None:
    table = real_both_result.table
    pairs = build_pairs(table, learn_rules(table))
    gain = phases_gained(table, pairs)
    # The gain is known where the label is, birth dates or not (2020 and 2021 have none).
    assert gain.notna().all()
    assert set(np.unique(gain)) <= {-1.0, 0.0, 1.0, 2.0, 3.0}
    for year in (2020, 2021):
        assert pairs.loc[pairs["ano"] == year, DISTANCE].isna().all()


def test_promotion_learned_before_the_validation_year_ranks_it(
    real_both_result: IngestResult,
) -> None:
    """Fit on 2020→2021 and 2021→2022 (no birth dates: a direct model cannot learn the distance
    there), the structural risk ranks 2022→2023 well above persistence."""
    table = real_both_result.table
    config = load_config(CONFIG)
    assert config.promotion is not None
    pairs = build_pairs(table, learn_rules(table))
    pairs = pairs[pairs["ano"] < pairs["ano"].max()]  # the test transition stays unread
    gain = phases_gained(table, pairs)
    validation_year = int(pairs["ano"].max())
    earlier = pairs["ano"] < validation_year
    model, _ = fit_promotion(config.promotion, pairs[earlier], gain[earlier], config.seed)
    validation = pairs[~earlier]
    structural = roc_auc_score(validation[LABEL], model.lag_log_odds(validation))
    persistence = roc_auc_score(validation[LABEL], persistence_score(validation))
    assert structural > persistence + 0.05
    on_track = (validation["defasagem"] >= 0).to_numpy()
    new_lag = roc_auc_score(
        validation.loc[on_track, LABEL], model.lag_log_odds(validation)[on_track]
    )
    assert new_lag > 0.75
