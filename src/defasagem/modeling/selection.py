"""Model and hyperparameter selection on training transitions only (DESIGN §2, issue 3).

Every setting (candidate × hyperparameters × training window) is scored on the *validation*
transition, the latest one before the test transition, in two ways that are both reported:

- out of time: fit on the transitions before the validation one, score the validation pairs;
- grouped cross-validation inside the validation transition (folds by student), the earlier
  transitions added to the training folds when the window takes them.

Out-of-time scores are the honest ones, but the oldest transitions (2020→2021, 2021→2022 from
the old CSV) lack birth dates, gender and sometimes Defasagem, so a model fit on them alone
cannot learn the strongest facts; grouped CV has those facts but overstates next-year AUC.
The selection score is therefore their mean, and the test transition is never touched here.
The window decides, on training years only, whether the old transitions help.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from defasagem.errors import DefasagemError
from defasagem.features import LABEL, RISK_DIRECTION
from defasagem.modeling.candidates import TrainingConfig, build_pipeline
from defasagem.modeling.model import (
    PipelineFactory,
    feature_frame,
    grouped_folds,
    margin,
    usable_columns,
)
from defasagem.ptbr import number

# "recente": only the transition just before the one predicted; "todas": every earlier one.
WINDOWS = ("recente", "todas")
MIN_CLASS = 5


@dataclass(frozen=True)
class Setting:
    """One point of the search: a candidate, its hyperparameters and the training window."""

    candidate: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    window: str = "todas"

    def factory(self, seed: int) -> PipelineFactory:
        """A function giving a fresh pipeline of this setting for the given columns."""

        def make(numeric: list[str], categorical: list[str]) -> Pipeline:
            return build_pipeline(
                self.kind, self.params, numeric=numeric, categorical=categorical, seed=seed
            )

        return make

    def label(self) -> str:
        """``"gradient_boosting (lightgbm), janela todas: learning_rate=0,03, ..."``."""
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.candidate} ({self.kind}), janela {self.window}: {params}".replace(".", ",")

    def describe(self) -> dict[str, Any]:
        """JSON form for metrics.json and metadata.json."""
        return {
            "candidate": self.candidate,
            "kind": self.kind,
            "params": self.params,
            "window": self.window,
        }


@dataclass(frozen=True)
class Trial:
    """Validation scores of one setting."""

    setting: Setting
    out_of_time_auc: float | None
    grouped_cv_auc: float
    # Features whose learned effect contradicts RISK_DIRECTION (e.g. higher IEG → more risk).
    wrong_direction: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """Selection score: mean of the validation AUCs that exist."""
        values = [v for v in (self.out_of_time_auc, self.grouped_cv_auc) if v is not None]
        return float(np.mean(values))


@dataclass(frozen=True)
class Selection:
    """The chosen setting and every trial behind it."""

    best: Setting
    validation_year: int
    trials: tuple[Trial, ...]

    def describe(self) -> dict[str, Any]:
        """JSON form for metrics.json."""
        return {
            "validation_transition": transition_name(self.validation_year),
            "criterion": (
                "média da ROC-AUC fora do tempo e da validação cruzada por aluno, entre as "
                "configurações cujos efeitos respeitam o bom senso pedagógico (RISK_DIRECTION)"
            ),
            "chosen": self.best.describe(),
            "trials": [
                {
                    **t.setting.describe(),
                    "out_of_time_roc_auc": t.out_of_time_auc,
                    "grouped_cv_roc_auc": t.grouped_cv_auc,
                    "score": t.score,
                    "wrong_direction": list(t.wrong_direction),
                }
                for t in self.trials
            ],
        }


def transition_name(year: int) -> str:
    """``2023`` → ``"2023->2024"``."""
    return f"{year}->{year + 1}"


def transition_years(pairs: pd.DataFrame) -> list[int]:
    """Years t that start a transition, oldest first."""
    return sorted(int(y) for y in pairs["ano"].unique())


def window_pairs(pairs: pd.DataFrame, before: int, window: str) -> pd.DataFrame:
    """Training pairs for predicting transition ``before``: the earlier transitions the
    window takes (empty when there is none)."""
    earlier = [y for y in transition_years(pairs) if y < before]
    if window == "recente":
        earlier = earlier[-1:]
    return pairs[pairs["ano"].isin(earlier)]


def settings(config: TrainingConfig, windows: tuple[str, ...] = WINDOWS) -> Iterator[Setting]:
    """Every setting of the configured grids and windows."""
    for candidate in config.candidates:
        for params in candidate.settings():
            for window in windows:
                yield Setting(candidate.name, candidate.kind, params, window)


def check_both_classes(pairs: pd.DataFrame, what: str) -> None:
    """A transition used to validate or test needs both outcomes, or AUC means nothing."""
    positives = int(pairs[LABEL].sum())
    negatives = len(pairs) - positives
    if min(positives, negatives) < MIN_CLASS:
        raise DefasagemError(
            f"{what}: {positives} aluno(s) defasado(s) e {negatives} em dia no ano seguinte; "
            f"são necessários ao menos {MIN_CLASS} de cada para avaliar o modelo."
        )


def select(
    pairs: pd.DataFrame,
    test_year: int,
    config: TrainingConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> Selection:
    """Choose the setting with the best validation score; ``test_year`` pairs are never read."""
    training = pairs[pairs["ano"] < test_year]
    years = transition_years(training)
    if not years:
        raise DefasagemError(
            "não há transição de treino antes da de teste: são necessários ao menos três anos "
            "consecutivos de dados (duas transições ano → ano seguinte)."
        )
    validation_year = years[-1]
    validation = training[training["ano"] == validation_year]
    check_both_classes(validation, f"transição de validação {transition_name(validation_year)}")
    # With a single training transition the two windows train on the same pairs here, but not
    # in the final model (which adds the test transition): keep all the data then.
    windows = WINDOWS if len(years) > 1 else ("todas",)
    if len(years) == 1:
        progress(
            "sem transição anterior à de validação: só a validação cruzada por aluno pontua "
            "(fora do tempo: —), e o treino usa todas as transições"
        )
    trials = []
    for setting in settings(config, windows):
        trial = Trial(
            setting,
            _out_of_time_auc(training, validation, setting, config.seed),
            _grouped_cv_auc(training, validation, setting, config.seed),
            _wrong_direction(window_pairs(pairs, test_year, setting.window), setting, config.seed),
        )
        trials.append(trial)
        against = f"; contraria o bom senso em {', '.join(trial.wrong_direction)}"
        progress(
            f"{setting.label()} → ROC-AUC fora do tempo {number(trial.out_of_time_auc)}, "
            f"CV por aluno {number(trial.grouped_cv_auc)}"
            + (against if trial.wrong_direction else "")
        )
    sensible = [t for t in trials if not t.wrong_direction] or trials
    # max() keeps the first of equal scores: the simpler candidates come first in the config.
    best = max(sensible, key=lambda t: t.score)
    return Selection(best.setting, validation_year, tuple(trials))


def _wrong_direction(train: pd.DataFrame, setting: Setting, seed: int) -> tuple[str, ...]:
    """Features a linear setting, fit on the training pairs, weighs against RISK_DIRECTION.

    The tree candidate is held to those directions by monotone constraints; a logistic
    regression on correlated indicators can learn "higher IEG, more risk", which would show
    coordinators a reason that contradicts the data's meaning.
    """
    if setting.kind != "logistic":
        return ()
    pipeline = _fit(setting, train, seed)
    names = pipeline[:-1].get_feature_names_out()
    coefficients = pipeline[-1].coef_[0]
    return tuple(
        name.removeprefix("num__")
        for name, coefficient in zip(names, coefficients, strict=True)
        if coefficient * RISK_DIRECTION.get(name.removeprefix("num__"), 0) < 0
    )


def _fit(setting: Setting, train: pd.DataFrame, seed: int) -> Pipeline:
    pipeline = setting.factory(seed)(*usable_columns(train))
    return pipeline.fit(feature_frame(train), train[LABEL])


def _out_of_time_auc(
    training: pd.DataFrame, validation: pd.DataFrame, setting: Setting, seed: int
) -> float | None:
    train = window_pairs(training, int(validation["ano"].iloc[0]), setting.window)
    if train.empty or train[LABEL].nunique() < 2:
        return None
    return float(roc_auc_score(validation[LABEL], margin(_fit(setting, train, seed), validation)))


def _grouped_cv_auc(
    training: pd.DataFrame, validation: pd.DataFrame, setting: Setting, seed: int
) -> float:
    extra = window_pairs(training, int(validation["ano"].iloc[0]), setting.window)
    if setting.window == "recente":
        extra = extra.iloc[0:0]  # the validation transition is itself the most recent one
    aucs: list[float] = []
    for fit_rows, held_rows in grouped_folds(validation["ra"], seed):
        held = validation.iloc[held_rows]
        # Earlier years of the held-out students stay out too: folds are by student.
        train = pd.concat([validation.iloc[fit_rows], extra[~extra["ra"].isin(held["ra"])]])
        if held[LABEL].nunique() < 2:
            continue
        aucs.append(float(roc_auc_score(held[LABEL], margin(_fit(setting, train, seed), held))))
    return float(np.mean(aucs))
