"""Out-of-time evaluation of the selected setting: the test transition, backtests, baselines,
fairness and the capacity policy (the metric blocks of metrics.json, DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from defasagem.features import LABEL
from defasagem.modeling.baselines import DefasagemLogistic, persistence_score
from defasagem.modeling.candidates import STRUCTURAL, TrainingConfig
from defasagem.modeling.fairness import fairness_audit
from defasagem.modeling.metrics import metric_block, paired_auc_gain
from defasagem.modeling.model import CalibratedModel, fit_calibrated
from defasagem.modeling.policy import Policy
from defasagem.modeling.selection import Setting, transition_name, window_pairs
from defasagem.modeling.structural import NotLearnableError, StructuralModel, fit_structural

Array = npt.NDArray[np.float64]

# Persistence scores −Defasagem(t): at 1 it flags exactly the students behind now.
PERSISTENCE_THRESHOLD = 1.0


@dataclass(frozen=True)
class FittedRun:
    """A calibrated model fit for one target transition, with what it was fit on."""

    model: CalibratedModel | StructuralModel
    policy: Policy
    train: pd.DataFrame
    train_probabilities: Array


def fit_run(
    pairs: pd.DataFrame, before: int, setting: Setting, config: TrainingConfig
) -> FittedRun:
    """Fit and calibrate ``setting`` on the transitions its window takes before ``before``.

    The band cut-offs come from the latest training transition only: the older ones (from the
    2020–2022 CSV) lack birth dates and gender, so their students do not score like the ones
    the model will meet.
    """
    train = window_pairs(pairs, before, setting.window)
    model, oof = fit_setting(setting, train, config)
    latest = (train["ano"] == train["ano"].max()).to_numpy()
    policy = Policy.from_training(oof[latest], config.threshold_share, config.medium_share)
    return FittedRun(model, policy, train, oof)


def fit_setting(
    setting: Setting, train: pd.DataFrame, config: TrainingConfig
) -> tuple[CalibratedModel | StructuralModel, Array]:
    """The calibrated model of ``setting`` fit on ``train``, and the calibrated out-of-fold
    probabilities of those pairs."""
    if setting.kind == STRUCTURAL:
        try:
            return fit_structural(
                setting.base().factory(config.seed),
                config.promotion or {},
                setting.params["weight"],
                train,
                config.seed,
            )
        except NotLearnableError:
            # A learned weight with nothing to learn it from (a backtest on the 2020–2021
            # files, without birth dates): the structural part never applies there, and the
            # model is its direct base, as for any student without a birth date.
            return fit_setting(setting.base(), train, config)
    model, margins = fit_calibrated(setting.factory(config.seed), train, config.seed)
    return model, np.asarray(expit(model.slope * margins + model.intercept), dtype=np.float64)


@dataclass(frozen=True)
class TestScores:
    """Scores of the model and the baselines on one test transition (kept for the plots)."""

    pairs: pd.DataFrame
    model: Array
    persistence: Array
    logistic_defasagem: Array
    logistic_defasagem_threshold: float


def score_transition(run: FittedRun, test: pd.DataFrame, share: float) -> TestScores:
    """The model and both baselines on ``test`` (baselines fit on the same training pairs; the
    one-feature regression gets the same capacity cut-off on its training scores)."""
    baseline = DefasagemLogistic().fit(run.train)
    cut = float(np.quantile(baseline.score(run.train), 1 - share))
    return TestScores(
        test, run.model.predict_proba(test), persistence_score(test), baseline.score(test), cut
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
    model = _block(y, scores.model, test, run.policy.threshold, config)
    flagged = scores.model >= run.policy.threshold
    history = test["tem_historico"].to_numpy() == 1
    latest_train = run.train["ano"] == run.train["ano"].max()
    return {
        "model": model,
        "baselines": {
            "persistence": _block(y, scores.persistence, test, PERSISTENCE_THRESHOLD, config),
            "logistic_defasagem": _block(
                y, scores.logistic_defasagem, test, scores.logistic_defasagem_threshold, config
            ),
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
        "calibration": calibration_line(y.to_numpy(), scores.model),
        # The list the team follows: the top share of this cohort, whatever the cut-off.
        "fairness": fairness_audit(
            y.to_numpy(),
            capacity_flags(scores.model, config.threshold_share),
            scores.model,
            test,
            seed=config.seed,
            n_boot=config.n_boot,
        ),
        "policy": {
            **run.policy.describe(),
            "prevalence_train": float(run.train[LABEL].mean()),
            "prevalence_latest_train": float(run.train.loc[latest_train, LABEL].mean()),
            "prevalence_test": float(y.mean()),
            "flagged_share_test": float(flagged.mean()),
            "mean_probability_test": float(scores.model.mean()),
        },
    }


def calibration_line(y: npt.ArrayLike, probability: Array) -> dict[str, float] | None:
    """Slope and intercept of the outcome regressed on the predicted log-odds: (1, 0) when the
    probabilities are calibrated; a slope below 1 means over-confident."""
    labels = np.asarray(y, dtype=np.int64)
    if len(np.unique(labels)) < 2:
        return None
    p = np.clip(probability, 1e-6, 1 - 1e-6)
    fit = LogisticRegression(C=1e6).fit(np.log(p / (1 - p)).reshape(-1, 1), labels)
    return {"slope": float(fit.coef_[0, 0]), "intercept": float(fit.intercept_[0])}


def capacity_flags(score: Array, share: float) -> npt.NDArray[np.bool_]:
    """The ``share`` of the cohort with the highest scores (ties broken by order)."""
    k = int(np.ceil(share * len(score)))
    flags = np.zeros(len(score), dtype=bool)
    flags[np.argsort(-score, kind="stable")[:k]] = True
    return flags


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
    scores = score_transition(run, test, config.threshold_share)
    return {
        "train": [transition_name(int(t)) for t in sorted(run.train["ano"].unique())],
        "test": transition_name(year),
        # The validation transition chose the setting: its backtest is optimistic.
        "used_for_selection": year == validation_year,
        # An earlier backtest runs the setting that later data chose: not a pure forecast.
        "setting_chosen_with_later_data": year < validation_year,
        "model": _block(test[LABEL], scores.model, test, run.policy.threshold, config),
        "persistence": _block(test[LABEL], scores.persistence, test, PERSISTENCE_THRESHOLD, config),
    }
