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

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline

from defasagem.errors import DefasagemError
from defasagem.features import LABEL, RISK_DIRECTION
from defasagem.modeling.candidates import STRUCTURAL, Candidate, TrainingConfig, build_pipeline
from defasagem.modeling.model import (
    PipelineFactory,
    feature_frame,
    grouped_folds,
    margin,
    usable_columns,
)
from defasagem.modeling.promotion import DISTANCE
from defasagem.modeling.structural import NotLearnableError, StructuralParts, fit_parts
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
        if self.kind == STRUCTURAL:
            base = self.base()
            params = ", ".join(f"{k}={v}" for k, v in sorted(base.params.items()))
            text = (
                f"{self.candidate} ({self.kind}), janela {self.window}: "
                f"weight={self.params['weight']} com {base.candidate} ({base.kind}: {params})"
            )
            return text.replace(".", ",")
        params = ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return f"{self.candidate} ({self.kind}), janela {self.window}: {params}".replace(".", ",")

    def base(self) -> Setting:
        """The direct setting a structural one blends with (same window)."""
        base = self.params["base"]
        return Setting(base["candidate"], base["kind"], base["params"], self.window)

    def key(self) -> tuple[str, str, str]:
        """What identifies a setting across validation transitions: a structural setting's
        base is chosen again on each one, so it is known by its weight alone."""
        params = {"weight": self.params["weight"]} if self.kind == STRUCTURAL else self.params
        return (self.candidate, repr(sorted(params.items())), self.window)

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
    """Validation scores of one setting on one validation transition."""

    setting: Setting
    out_of_time_auc: float | None
    grouped_cv_auc: float | None
    # Features whose learned effect contradicts RISK_DIRECTION (e.g. higher IEG → more risk).
    wrong_direction: tuple[str, ...] = ()

    @property
    def score(self) -> float | None:
        """Selection score: mean of the validation AUCs that exist (None without any)."""
        values = [v for v in (self.out_of_time_auc, self.grouped_cv_auc) if v is not None]
        return float(np.mean(values)) if values else None

    def describe(self) -> dict[str, Any]:
        """JSON form for metrics.json."""
        return {
            **self.setting.describe(),
            "out_of_time_roc_auc": self.out_of_time_auc,
            "grouped_cv_roc_auc": self.grouped_cv_auc,
            "score": self.score,
            "wrong_direction": list(self.wrong_direction),
        }


# How a setting is picked from its validation scores; "media" is the rule that chooses, the
# other two are reported to show how each would have held over time (regret).
CRITERIA: dict[str, Callable[[Trial], float | None]] = {
    "media": lambda t: t.score,
    "fora_do_tempo": lambda t: t.out_of_time_auc,
    "validacao_cruzada": lambda t: t.grouped_cv_auc,
}


def comparable(trials: tuple[Trial, ...]) -> list[Trial]:
    """The trials with every figure the others have: one without an out-of-time score where
    the rest has one (a learned weight with nothing to learn from) is not comparable."""
    return [
        t
        for t in trials
        if all(
            getattr(t, name) is not None or all(getattr(u, name) is None for u in trials)
            for name in ("out_of_time_auc", "grouped_cv_auc")
        )
    ]


def pick(trials: tuple[Trial, ...], criterion: str = "media") -> Trial | None:
    """The best trial by ``criterion`` among those whose effects respect RISK_DIRECTION (all,
    if none does); the first of equal scores (the simpler candidates come first)."""
    value = CRITERIA[criterion]
    scored = [t for t in comparable(trials) if value(t) is not None]
    sensible = [t for t in scored if not t.wrong_direction] or scored
    return max(sensible, key=lambda t: float(value(t) or 0.0), default=None)


@dataclass(frozen=True)
class Selection:
    """The chosen setting, every trial behind it, and the earlier validations."""

    best: Setting
    validation_year: int
    trials: tuple[Trial, ...]
    # Trials on the training transitions before the validation one that can validate too.
    earlier: tuple[tuple[int, tuple[Trial, ...]], ...] = ()

    def regret(self) -> list[dict[str, Any]]:
        """For each earlier validation and criterion: the pick there, its score on the latest
        validation, and how far it falls from the best setting on the latest."""
        out = []
        latest = {t.setting.key(): t for t in self.trials}
        for year, trials in self.earlier:
            for criterion, value in CRITERIA.items():
                chosen = pick(trials, criterion)
                judge = pick(self.trials, criterion)
                if chosen is None or judge is None:
                    continue
                later = latest.get(chosen.setting.key())
                later_value = None if later is None else value(later)
                best_value = value(judge)
                # The best among the settings the earlier transition could score at all (a
                # structural one cannot be scored without birth dates).
                scored = {t.setting.key() for t in trials if value(t) is not None}
                comparable = pick(
                    tuple(t for t in self.trials if t.setting.key() in scored), criterion
                )
                comparable_value = None if comparable is None else value(comparable)
                out.append(
                    {
                        "criterion": criterion,
                        "picked_on": transition_name(year),
                        "judged_on": transition_name(self.validation_year),
                        "picked": chosen.setting.describe(),
                        "picked_score_later": later_value,
                        "best_later": judge.setting.describe(),
                        "best_score_later": best_value,
                        "regret": _difference(best_value, later_value),
                        "best_comparable_score_later": comparable_value,
                        "regret_comparable": _difference(comparable_value, later_value),
                    }
                )
        return out

    def describe(self) -> dict[str, Any]:
        """JSON form for metrics.json."""
        return {
            "validation_transition": transition_name(self.validation_year),
            "criterion": (
                "média da ROC-AUC fora do tempo e da validação cruzada por aluno, entre as "
                "configurações cujos efeitos respeitam o bom senso pedagógico (RISK_DIRECTION)"
            ),
            "chosen": self.best.describe(),
            "trials": _described(self.trials),
            "earlier_validations": [
                {"transition": transition_name(year), "trials": _described(trials)}
                for year, trials in self.earlier
            ],
            "regret": self.regret(),
        }


def _described(trials: tuple[Trial, ...]) -> list[dict[str, Any]]:
    eligible = comparable(trials)
    return [{**t.describe(), "comparable": t in eligible} for t in trials]


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


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
    """Every setting of the configured direct grids and windows (structural settings depend
    on the direct trials: :func:`structural_settings`)."""
    for candidate in config.candidates:
        if candidate.kind == STRUCTURAL:
            continue
        for params in candidate.settings():
            for window in windows:
                yield Setting(candidate.name, candidate.kind, params, window)


def structural_settings(
    candidate: Candidate, direct: list[Trial], windows: tuple[str, ...]
) -> Iterator[Setting]:
    """A structural candidate's settings: each weight over the best trial of its base
    candidate in the same window."""
    for window in windows:
        base = pick(
            tuple(
                t
                for t in direct
                if t.setting.candidate == candidate.grid["base"][0] and t.setting.window == window
            )
        )
        if base is None:
            continue
        described = {
            "candidate": base.setting.candidate,
            "kind": base.setting.kind,
            "params": base.setting.params,
        }
        for weight in candidate.grid["weight"]:
            yield Setting(candidate.name, STRUCTURAL, {"weight": weight, "base": described}, window)


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
    """Choose the setting with the best validation score; ``test_year`` pairs are never read.

    The latest training transition chooses; each earlier one that can validate (it has an
    earlier transition to train on, and both outcomes) is scored the same way, so the
    selection rule's regret over time is on record.
    """
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
    wrong: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for setting in settings(config, windows):
        wrong[setting.key()] = _wrong_direction(
            window_pairs(pairs, test_year, setting.window), setting, config.seed
        )
    trials = _validate(training, validation_year, config, windows, wrong, progress)
    earlier = []
    for year in years[1:-1]:
        chunk = training[training["ano"] == year]
        if min(int(chunk[LABEL].sum()), len(chunk) - int(chunk[LABEL].sum())) < MIN_CLASS:
            continue
        progress(f"validação anterior {transition_name(year)} (para o arrependimento):")
        earlier.append(
            (
                year,
                _validate(
                    training[training["ano"] <= year], year, config, windows, wrong, progress
                ),
            )
        )
    best = pick(trials)
    assert best is not None  # every direct trial has a grouped-CV score
    return Selection(best.setting, validation_year, trials, tuple(earlier))


def _validate(
    training: pd.DataFrame,
    year: int,
    config: TrainingConfig,
    windows: tuple[str, ...],
    wrong: dict[tuple[str, str, str], tuple[str, ...]],
    progress: Callable[[str], None],
) -> tuple[Trial, ...]:
    """Every setting scored on validation transition ``year`` (``training``: pairs up to it).

    Settings are independent, so they run in parallel (one LightGBM thread each); the trials
    come back in the configuration's order, so the choice does not depend on the timing.
    """
    seed = config.seed
    trials: list[Trial] = []

    def report(trial: Trial) -> None:
        trials.append(trial)
        against = f"; contraria o bom senso em {', '.join(trial.wrong_direction)}"
        progress(
            f"{trial.setting.label()} → ROC-AUC fora do tempo {number(trial.out_of_time_auc)}, "
            f"CV por aluno {number(trial.grouped_cv_auc)}"
            + (against if trial.wrong_direction else "")
        )

    with Parallel(n_jobs=jobs()) as parallel:
        direct = list(settings(config, windows))
        scores = parallel(delayed(_direct_trial)(training, year, s, seed) for s in direct)
        for setting, (oot, cv) in zip(direct, scores, strict=True):
            report(Trial(setting, oot, cv, wrong[setting.key()]))
        groups = [
            group
            for candidate in config.candidates
            if candidate.kind == STRUCTURAL
            for window in windows
            if (group := list(structural_settings(candidate, trials, (window,))))
        ]
        results = parallel(delayed(_structural_trials)(training, year, g, config) for g in groups)
        for group, group_scores in zip(groups, results, strict=True):
            for setting, (oot, cv) in zip(group, group_scores, strict=True):
                report(Trial(setting, oot, cv, wrong[setting.base().key()]))
    return tuple(trials)


def jobs() -> int:
    """Worker processes for the selection: ``DEFASAGEM_JOBS``, else one per core."""
    value = os.environ.get("DEFASAGEM_JOBS", "")
    return int(value) if value.isdigit() and int(value) > 0 else os.cpu_count() or 1


Scores = tuple[float | None, float | None]
# Scores held-out pairs from a split's training pairs (the split's index keys the caches).
Scorer = Callable[[pd.DataFrame, pd.DataFrame, int], npt.NDArray[np.float64] | None]


def _direct_trial(training: pd.DataFrame, year: int, setting: Setting, seed: int) -> Scores:
    validation = training[training["ano"] == year]

    def score(train: pd.DataFrame, held: pd.DataFrame, split: int) -> npt.NDArray[np.float64]:
        return margin(_fit(setting, train, seed), held)

    return (
        _out_of_time_auc(training, validation, setting.window, score),
        _grouped_cv_auc(training, validation, setting.window, score, seed),
    )


def _structural_trials(
    training: pd.DataFrame, year: int, group: list[Setting], config: TrainingConfig
) -> list[Scores]:
    """The scores of a structural candidate's weights in one window; the sub-models are fit
    once per split and shared by every weight."""
    validation = training[training["ano"] == year]
    if validation[DISTANCE].isna().all():
        # No birth dates in this transition (2020–2021): the structural part never applies,
        # and the scores would be the base setting's. Not comparable.
        return [(None, None) for _ in group]
    base = group[0].base()
    parts: dict[int, StructuralParts] = {}
    out = []
    for setting in group:
        weight = setting.params["weight"]

        def score(
            train: pd.DataFrame, held: pd.DataFrame, split: int, weight: float | str = weight
        ) -> npt.NDArray[np.float64] | None:
            if split not in parts:
                parts[split] = fit_parts(
                    base.factory(config.seed), config.promotion or {}, train, config.seed
                )
            try:
                model, _ = parts[split].with_weight(weight, train[LABEL])
            except NotLearnableError:
                return None  # this split cannot score the setting: not comparable here
            return model.predict_proba(held)

        out.append(
            (
                _out_of_time_auc(training, validation, setting.window, score),
                _grouped_cv_auc(training, validation, setting.window, score, config.seed),
            )
        )
    return out


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


# The split index of the out-of-time fit (grouped-CV folds are 0, 1, ...).
OUT_OF_TIME = -1


def _out_of_time_auc(
    training: pd.DataFrame, validation: pd.DataFrame, window: str, score: Scorer
) -> float | None:
    train = window_pairs(training, int(validation["ano"].iloc[0]), window)
    if train.empty or train[LABEL].nunique() < 2:
        return None
    scores = score(train, validation, OUT_OF_TIME)
    return None if scores is None else float(roc_auc_score(validation[LABEL], scores))


def _grouped_cv_auc(
    training: pd.DataFrame, validation: pd.DataFrame, window: str, score: Scorer, seed: int
) -> float | None:
    extra = window_pairs(training, int(validation["ano"].iloc[0]), window)
    if window == "recente":
        extra = extra.iloc[0:0]  # the validation transition is itself the most recent one
    aucs: list[float] = []
    for split, (fit_rows, held_rows) in enumerate(grouped_folds(validation["ra"], seed)):
        held = validation.iloc[held_rows]
        # Earlier years of the held-out students stay out too: folds are by student.
        train = pd.concat([validation.iloc[fit_rows], extra[~extra["ra"].isin(held["ra"])]])
        if held[LABEL].nunique() < 2:
            continue
        scores = score(train, held, split)
        if scores is None:
            return None
        aucs.append(float(roc_auc_score(held[LABEL], scores)))
    return float(np.mean(aucs)) if aucs else None
