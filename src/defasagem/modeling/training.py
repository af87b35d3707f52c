"""``defasagem train``: read → rules → pairs → select → evaluate → backtest → refit → bundle.

Each stage reports its name and duration through ``progress`` (the CLI prints it). The test
transition (the latest) is scored once, by the setting chosen on earlier transitions; the shipped
model is then refit on every transition with that setting, and its report says which
evaluation backs it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from joblib import Parallel, delayed

from defasagem.data.ingest import ingest_files
from defasagem.errors import DefasagemError
from defasagem.features import (
    CATEGORICAL,
    DESCRIPTIONS,
    FEATURES,
    LABEL,
    NUMERIC,
    build_pairs,
    year_features,
)
from defasagem.ideal_phase import IdealPhaseRule, fit_rule, read_rule_file
from defasagem.modeling import bundle as bundle_files
from defasagem.modeling.candidates import TrainingConfig, load_config
from defasagem.modeling.card import write_card
from defasagem.modeling.evaluation import (
    FittedRun,
    backtest,
    evaluate_test,
    fit_run,
    score_transition,
)
from defasagem.modeling.gender import gender_decision, without_gender
from defasagem.modeling.metrics import metric_block
from defasagem.modeling.promotion import GAIN, phases_gained
from defasagem.modeling.selection import (
    Selection,
    check_both_classes,
    jobs,
    select,
    transition_name,
    transition_years,
)
from defasagem.ptbr import number, percent

LABEL_DEFINITION = (
    "1 se Defasagem(t+1) < 0 (atrás da Fase Ideal no ano seguinte); alunos da Fase 0–7 em t "
    "presentes em t+1"
)
LEAKAGE_ALARM_AUC = 0.90
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingResult:
    """What the CLI prints at the end."""

    out: Path
    metrics: dict[str, Any]
    selection: Selection
    # The test transition's pairs and the out-of-time probabilities of the chosen setting:
    # what a challenger is compared with the champion on.
    test: pd.DataFrame
    test_probability: npt.NDArray[np.float64]
    share: float
    seed: int


def train(
    files: list[Path],
    out: Path,
    *,
    config_path: Path,
    rule_path: Path | None = None,
    progress: Progress = lambda _: None,
    version: str | None = None,
    until: int | None = None,
) -> TrainingResult:
    """Train, evaluate and write the bundle to ``out`` (``version`` names it; by default the
    UTC time the training ends, ``AAAAMMDD-HHMMSS``; ``until`` leaves out every year after it,
    as if the files had been read that year)."""
    started = time.perf_counter()
    timings: dict[str, float] = {}

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        progress(f"» {name}...")
        begin = time.perf_counter()
        yield
        timings[name] = round(time.perf_counter() - begin, 2)
        progress(f"  {name}: {number(timings[name], 1)} s")

    # Everything that can be checked without the data is checked first: a wrong --out, rule or
    # config costs a second, not a training run.
    config = load_config(config_path)
    bundle_files.check_output_folder(out)
    operator_rule = read_rule_file(rule_path) if rule_path is not None else None
    with stage("leitura dos dados"):
        table = years_until(ingest_files(files).table, until)
    with stage("regras da Fase Ideal e pares (t, t+1)"):
        rules = learn_rules(table)
        pairs = build_pairs(table, rules)
        # The promotion sub-model's target: a t+1 fact, never an input (FEATURES guards that).
        pairs[GAIN] = phases_gained(table, pairs)
        years = transition_years(pairs)
        if len(years) < 2:
            raise DefasagemError(
                "são necessárias ao menos duas transições ano → ano seguinte (três anos "
                f"consecutivos) para treinar e testar fora do tempo; os dados dão {len(years)}."
            )
        test_year = years[-1]
        for year in years:
            chunk = pairs[pairs["ano"] == year]
            progress(
                f"  {transition_name(year)}: {len(chunk)} pares, "
                f"{percent(chunk[LABEL].mean(), 1)} defasados no ano seguinte"
            )
        scoring_rule = _scoring_rule(table, rules, operator_rule)
    with stage(f"seleção em transições de treino (teste {transition_name(test_year)} intocado)"):
        selection = select(pairs, test_year, config, lambda m: progress(f"    {m}"))
        progress(f"  escolhido: {selection.best.label()}")
    with stage("gênero como entrada (decisão em anos de treino)"):
        gender, model_pairs = _decide_gender(pairs, selection, config, progress)
    with stage(f"avaliação no teste {transition_name(test_year)}"):
        run = fit_run(model_pairs, test_year, selection.best, config)
        test = pairs[pairs["ano"] == test_year]
        check_both_classes(test, f"transição de teste {transition_name(test_year)}")
        scores = score_transition(run, test, config.threshold_share)
        evaluation = evaluate_test(run, scores, config)
        scenario = _next_rule_scenario(table, rules, test_year, run, config)
    with stage("backtests"):
        backtests = _backtests(model_pairs, years[1:], selection, config)
    with stage("modelo final (todas as transições)"):
        shipped = fit_run(model_pairs, test_year + 1, selection.best, config)
    auc = evaluation["model"]["roc_auc"]
    metrics = {
        "label": LABEL_DEFINITION,
        "test_transition": transition_name(test_year),
        **evaluation,
        "backtests": backtests,
        "selection": selection.describe(),
        "gender_as_input": gender,
        "scenario_next_year_rule_known": scenario,
        "leakage_alarm": auc is not None and auc > LEAKAGE_ALARM_AUC,
        "shipped_model": {
            "trained_on": _transitions(shipped.train),
            "n": len(shipped.train),
            "backed_by": (
                f"avaliação em {transition_name(test_year)} da mesma configuração treinada "
                f"em {', '.join(_transitions(run.train))}"
            ),
        },
    }
    if metrics["leakage_alarm"]:
        progress(
            f"  ALERTA: ROC-AUC {number(auc)} > {number(LEAKAGE_ALARM_AUC, 2)} no teste: "
            "suspeite de vazamento de informação do ano seguinte antes de confiar neste resultado."
        )
    with stage("pacote do modelo"):
        metadata = _metadata(files, config_path, selection, shipped, scoring_rule, config, timings)
        metadata["model_version"] = version or metadata["model_version"]
        bundle_files.write_bundle(
            out,
            model=shipped.model,
            metadata=metadata,
            metrics=metrics,
            schema=_schema(pairs.loc[shipped.train.index]),
            reference=_reference(shipped, pairs, table, scoring_rule),
            write_card=lambda folder: write_card(folder, metrics, metadata, run, scores),
        )
    progress(f"Treino concluído em {number(time.perf_counter() - started, 1)} s.")
    return TrainingResult(
        out, metrics, selection, test, scores.model, config.threshold_share, config.seed
    )


def years_until(table: pd.DataFrame, until: int | None) -> pd.DataFrame:
    """The years up to ``until`` (a Portuguese error naming the years when none is left)."""
    if until is None:
        return table
    kept = table[table["ano"] <= until]
    if kept.empty:
        years = ", ".join(str(y) for y in sorted(table["ano"].unique()))
        raise DefasagemError(f"--until-year {until}: os dados só têm os anos {years}.")
    return kept.reset_index(drop=True)


def _backtests(
    pairs: pd.DataFrame, years: list[int], selection: Selection, config: TrainingConfig
) -> list[dict[str, Any]]:
    """The chosen setting's backtest on each of ``years``: independent fits, one worker each
    (the results come back in the years' order)."""
    with Parallel(n_jobs=min(jobs(), len(years))) as parallel:
        return list(
            parallel(
                delayed(backtest)(
                    pairs, y, selection.best, config, validation_year=selection.validation_year
                )
                for y in years
            )
        )


def _decide_gender(
    pairs: pd.DataFrame, selection: Selection, config: TrainingConfig, progress: Progress
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The gender decision and the pairs the models are then fit on (evaluation and fairness
    keep reading the recorded gender)."""
    gender = gender_decision(pairs, selection.validation_year, selection.best, config)
    difference = gender["roc_auc_difference_with_minus_without"]
    low, high = difference["ci"]
    progress(
        f"  ROC-AUC com − sem gênero: {number(difference['gain'], sign=True)} (IC "
        f"{number(low, sign=True)} a {number(high, sign=True)}) → "
        + ("mantido como entrada" if gender["keep"] else "retirado das entradas")
    )
    return gender, pairs if gender["keep"] else without_gender(pairs)


def learn_rules(table: pd.DataFrame) -> dict[int, IdealPhaseRule]:
    """The ideal-phase rule of every year that records birth data and Fase Ideal."""
    rules = {}
    for year in sorted(int(y) for y in table["ano"].unique()):
        try:
            rules[year] = fit_rule(table, year)
        except DefasagemError:
            continue  # a year without birth data (2020, 2021): its rule features stay missing
    return rules


def _scoring_rule(
    table: pd.DataFrame, rules: dict[int, IdealPhaseRule], operator_rule: IdealPhaseRule | None
) -> IdealPhaseRule:
    """The rule the shipped model scores with: the operator's file, else the latest year's."""
    if operator_rule is not None:
        return operator_rule
    latest = int(table["ano"].max())
    if latest not in rules:
        raise DefasagemError(
            f"{latest}: sem datas de nascimento e Fase Ideal para aprender a regra da Fase "
            "Ideal do ano mais recente; informe-a com --rule configs/ideal_phase_rule.toml."
        )
    return rules[latest]


def _next_rule_scenario(
    table: pd.DataFrame,
    rules: dict[int, IdealPhaseRule],
    test_year: int,
    run: FittedRun,
    config: TrainingConfig,
) -> dict[str, Any] | None:
    """The same model with features from next year's rule, which is *not* known at t."""
    if test_year + 1 not in rules:
        return None
    known = {**rules, test_year: rules[test_year + 1]}
    test = build_pairs(table[table["ano"] <= test_year + 1], known)
    test = test[test["ano"] == test_year]
    score = run.model.predict_proba(test)
    return {
        "note": (
            "cenário hipotético: a regra da Fase Ideal do ano seguinte já conhecida em t; "
            "não é a avaliação honesta"
        ),
        "rule_from": test_year + 1,
        "model": metric_block(
            test[LABEL].to_numpy(),
            score,
            defasagem_t=test["defasagem"].to_numpy(dtype=np.float64, na_value=np.nan),
            threshold=run.policy.threshold,
            seed=config.seed,
            n_boot=config.n_boot,
        ),
    }


def _transitions(pairs: pd.DataFrame) -> list[str]:
    return [transition_name(int(y)) for y in sorted(pairs["ano"].unique())]


def _metadata(
    files: list[Path],
    config_path: Path,
    selection: Selection,
    shipped: FittedRun,
    rule: IdealPhaseRule,
    config: TrainingConfig,
    timings: dict[str, float],
) -> dict[str, Any]:
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "model_version": created.strftime("%Y%m%d-%H%M%S"),
        "created_at": created.isoformat(),
        "versions": bundle_files.library_versions(),
        "label": LABEL_DEFINITION,
        "features": {name: ("category" if name in CATEGORICAL else "float64") for name in FEATURES},
        "features_used": [*shipped.model.numeric, *shipped.model.categorical],
        "setting": selection.best.describe(),
        "policy": shipped.policy.describe(),
        "ideal_phase_rule": rule.to_dict(),
        "seed": config.seed,
        "training_config": config_path.read_text(encoding="utf-8"),
        "training_data": [
            {"file": path.name, "sha256": bundle_files.sha256(path)} for path in files
        ],
        "trained_on": _transitions(shipped.train),
        "timings_s": timings,
    }


def _schema(train: pd.DataFrame) -> dict[str, Any]:
    """The model's inputs: one year-t record of a student, each field optional."""
    properties: dict[str, Any] = {}
    for name in NUMERIC:
        values = train[name].dropna()
        properties[name] = {
            "type": ["number", "null"],
            "description": DESCRIPTIONS[name],
            **(
                {"x-training-range": [float(values.min()), float(values.max())]}
                if len(values)
                else {}
            ),
        }
    for name in CATEGORICAL:
        seen = sorted(str(v) for v in train[name].dropna().unique())
        properties[name] = {
            "type": ["string", "null"],
            "description": DESCRIPTIONS[name],
            "x-training-categories": seen,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Variáveis do modelo (registro do aluno no ano t)",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def _reference(
    shipped: FittedRun, pairs: pd.DataFrame, table: pd.DataFrame, scoring_rule: IdealPhaseRule
) -> pd.DataFrame:
    """The rows drift monitoring compares traffic with, without identifiers.

    The training rows (features, label, out-of-fold probabilities), plus the students of the
    latest year in the file, with the features and probabilities the API gives them (the
    bundle's rule, the shipped model; no label yet): the population the API serves first, hence
    the default reference of ``defasagem drift``.
    """
    # The recorded values (gender included, even when the model does not read it).
    rows = pairs.loc[shipped.train.index]
    training = rows.loc[:, ["ano", *FEATURES, LABEL]].reset_index(drop=True)
    training["probabilidade"] = shipped.train_probabilities
    latest = int(table["ano"].max())
    features = year_features(table, latest, scoring_rule)
    features = features[features["fase"].between(0, 7)]
    scored = features.loc[:, list(FEATURES)].reset_index(drop=True)
    scored.insert(0, "ano", latest)
    scored[LABEL] = np.nan
    scored["probabilidade"] = shipped.model.predict_proba(features) if len(features) else []
    return pd.concat([training, scored], ignore_index=True)
