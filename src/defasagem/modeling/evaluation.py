"""Out-of-time evaluation of the selected setting: the test transition, backtests, baselines,
fairness and the capacity policy (the metric blocks of metrics.json, DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from defasagem.features import LABEL
from defasagem.modeling.baselines import DefasagemLogistic, persistence_score
from defasagem.modeling.candidates import TrainingConfig
from defasagem.modeling.metrics import error_rates_by_group, metric_block, paired_auc_gain
from defasagem.modeling.model import CalibratedModel, fit_calibrated
from defasagem.modeling.policy import Policy
from defasagem.modeling.selection import Setting, transition_name, window_pairs

Array = npt.NDArray[np.float64]

# Persistence scores −Defasagem(t): at 1 it flags exactly the students behind now.
PERSISTENCE_THRESHOLD = 1.0
FAIRNESS_GROUPS = {"genero": "genero", "tipo_instituicao": "tipo_instituicao"}


@dataclass(frozen=True)
class FittedRun:
    """A calibrated model fit for one target transition, with what it was fit on."""

    model: CalibratedModel
    policy: Policy
    train: pd.DataFrame
    train_probabilities: Array


def fit_run(
    pairs: pd.DataFrame, before: int, setting: Setting, config: TrainingConfig
) -> FittedRun:
    """Fit and calibrate ``setting`` on the transitions its window takes before ``before``."""
    train = window_pairs(pairs, before, setting.window)
    model, oof = fit_calibrated(setting.factory(config.seed), train, config.seed)
    policy = Policy.from_training(oof, config.threshold_share, config.medium_share)
    return FittedRun(model, policy, train, oof)


@dataclass(frozen=True)
class TestScores:
    """Scores of the model and the baselines on one test transition (kept for the plots)."""

    pairs: pd.DataFrame
    model: Array
    persistence: Array
    logistic_defasagem: Array


def score_transition(run: FittedRun, test: pd.DataFrame) -> TestScores:
    """The model and both baselines on ``test`` (baselines fit on the same training pairs)."""
    baseline = DefasagemLogistic().fit(run.train)
    return TestScores(
        test, run.model.predict_proba(test), persistence_score(test), baseline.score(test)
    )


def _block(
    y: pd.Series, score: Array, test: pd.DataFrame, threshold: float, config: TrainingConfig
) -> dict[str, Any]:
    return metric_block(
        y.to_numpy(),
        score,
        defasagem_t=test["defasagem"].to_numpy(dtype=np.float64, na_value=np.nan),
        threshold=threshold,
        seed=config.seed,
        n_boot=config.n_boot,
    )


def evaluate_test(run: FittedRun, scores: TestScores, config: TrainingConfig) -> dict[str, Any]:
    """Everything metrics.json reports about the test transition."""
    test, y = scores.pairs, scores.pairs[LABEL]
    baseline_cut = float(
        np.quantile(DefasagemLogistic().fit(run.train).score(run.train), 1 - config.threshold_share)
    )
    model = _block(y, scores.model, test, run.policy.threshold, config)
    flagged = scores.model >= run.policy.threshold
    history = test["tem_historico"].to_numpy() == 1
    return {
        "model": model,
        "baselines": {
            "persistence": _block(y, scores.persistence, test, PERSISTENCE_THRESHOLD, config),
            "logistic_defasagem": _block(y, scores.logistic_defasagem, test, baseline_cut, config),
        },
        "gain_over_persistence": paired_auc_gain(
            y.to_numpy(), scores.model, scores.persistence, seed=config.seed, n_boot=config.n_boot
        ),
        "by_history": {
            "com_historico": _block(
                y[history], scores.model[history], test[history], run.policy.threshold, config
            ),
            "sem_historico": _block(
                y[~history], scores.model[~history], test[~history], run.policy.threshold, config
            ),
        },
        "fairness": _fairness(y, flagged, test),
        # The same rates when the team follows the top share of this cohort, whatever the cut.
        "fairness_capacity": _fairness(
            y, capacity_flags(scores.model, config.threshold_share), test
        ),
        "policy": {
            **run.policy.describe(),
            "prevalence_train": float(run.train[LABEL].mean()),
            "prevalence_test": float(y.mean()),
            "flagged_share_test": float(flagged.mean()),
            "mean_probability_test": float(scores.model.mean()),
        },
    }


def capacity_flags(score: Array, share: float) -> npt.NDArray[np.bool_]:
    """The ``share`` of the cohort with the highest scores (ties broken by order)."""
    k = int(np.ceil(share * len(score)))
    flags = np.zeros(len(score), dtype=bool)
    flags[np.argsort(-score, kind="stable")[:k]] = True
    return flags


def _fairness(y: pd.Series, flagged: npt.NDArray[np.bool_], test: pd.DataFrame) -> dict[str, Any]:
    return {
        name: error_rates_by_group(y.to_numpy(), flagged, test[column].fillna("não informado"))
        for name, column in FAIRNESS_GROUPS.items()
    }


def backtest(
    pairs: pd.DataFrame,
    year: int,
    setting: Setting,
    config: TrainingConfig,
    *,
    validation_year: int,
) -> dict[str, Any]:
    """The selected setting fit on the transitions before ``year`` and scored on it."""
    run = fit_run(pairs, year, setting, config)
    test = pairs[pairs["ano"] == year]
    scores = score_transition(run, test)
    return {
        "train": [transition_name(int(t)) for t in sorted(run.train["ano"].unique())],
        "test": transition_name(year),
        # The validation transition chose the setting: its backtest is optimistic.
        "used_for_selection": year == validation_year,
        "model": _block(test[LABEL], scores.model, test, run.policy.threshold, config),
        "persistence": _block(test[LABEL], scores.persistence, test, PERSISTENCE_THRESHOLD, config),
    }
