"""Gender as an input (issue 15): kept only if training years show it ranks better.

The same student should not score differently for being a girl, unless the data show that
knowing gender improves the list beyond chance. The test: the chosen setting, scored by grouped
cross-validation on the validation transition (folds by student, the earlier transitions of
its window added to the training folds), with and without gender, on the same folds; the paired
bootstrap CI of the ROC-AUC difference. Out-of-time scores cannot judge it: the older files
(2020–2021) record no gender. Gender is kept only if the whole CI lies above zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from joblib import Parallel, delayed

from defasagem.features import LABEL
from defasagem.modeling.candidates import TrainingConfig
from defasagem.modeling.evaluation import fit_setting
from defasagem.modeling.metrics import paired_auc_gain
from defasagem.modeling.model import grouped_folds
from defasagem.modeling.selection import Setting, jobs, transition_name, window_pairs

Array = npt.NDArray[np.float64]
GENDER = "genero"


def without_gender(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs as the model sees them once gender is dropped: a column never measured is
    never used (``usable_columns``), so predictions cannot depend on it."""
    return pairs.assign(**{GENDER: np.nan})


def gender_decision(
    pairs: pd.DataFrame, validation_year: int, setting: Setting, config: TrainingConfig
) -> dict[str, Any]:
    """Whether gender stays an input, with the figures behind the decision (metrics.json)."""
    validation = pairs[pairs["ano"] == validation_year]
    extra = window_pairs(pairs[pairs["ano"] < validation_year], validation_year, setting.window)
    if setting.window == "recente":
        extra = extra.iloc[0:0]  # the validation transition is itself the most recent one
    folds = grouped_folds(validation["ra"], config.seed)
    variants = (validation, without_gender(validation)), (extra, without_gender(extra))
    tasks = [
        delayed(_held_out)(rows, earlier, fit_rows, held_rows, setting, config)
        for rows, earlier in zip(*variants, strict=True)
        for fit_rows, held_rows in folds
    ]
    with Parallel(n_jobs=jobs()) as parallel:
        parts = parallel(tasks)
    scores = []
    for variant in range(2):
        pooled = np.zeros(len(validation))
        for (_, held_rows), values in zip(folds, parts[variant * len(folds) :], strict=False):
            pooled[held_rows] = values
        scores.append(pooled)
    y = validation[LABEL].to_numpy()
    difference = paired_auc_gain(y, scores[0], scores[1], seed=config.seed, n_boot=config.n_boot)
    keep = difference["ci"][0] > 0
    return {
        "keep": bool(keep),
        "validation_transition": transition_name(validation_year),
        "n": len(validation),
        "n_with_gender": int(validation[GENDER].notna().sum()),
        "roc_auc_difference_with_minus_without": difference,
        "rule": (
            "o gênero fica como entrada só se o IC 95 % da diferença de ROC-AUC (com − sem, "
            "validação cruzada por aluno na transição de validação) estiver todo acima de zero"
        ),
    }


def _held_out(
    rows: pd.DataFrame,
    extra: pd.DataFrame,
    fit_rows: npt.NDArray[np.intp],
    held_rows: npt.NDArray[np.intp],
    setting: Setting,
    config: TrainingConfig,
) -> Array:
    held = rows.iloc[held_rows]
    train = pd.concat([rows.iloc[fit_rows], extra[~extra["ra"].isin(held["ra"])]])
    model, _ = fit_setting(setting, train, config)
    return model.predict_proba(held)
