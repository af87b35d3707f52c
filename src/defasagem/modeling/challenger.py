"""Training into a models folder: a new version beside the others, compared with the champion.

The first version of an empty folder becomes the champion (there is nothing to compare it
with); every later one is a challenger until a person promotes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defasagem.errors import DefasagemError
from defasagem.features import LABEL
from defasagem.modeling import versions
from defasagem.modeling.bundle import Bundle, load_bundle
from defasagem.modeling.comparison import paired_comparison
from defasagem.modeling.selection import transition_name
from defasagem.modeling.training import Progress, TrainingResult, train


@dataclass(frozen=True)
class TrainedVersion:
    """What ``defasagem train`` reports: the new version and where it stands."""

    name: str
    path: Path
    result: TrainingResult
    became_champion: bool
    comparison: dict[str, Any] | None


def train_version(
    files: list[Path],
    models: Path,
    *,
    config_path: Path,
    rule_path: Path | None = None,
    until: int | None = None,
    progress: Progress = lambda _: None,
    now: dt.datetime | None = None,
) -> TrainedVersion:
    """Train a new version into ``models``; the champion is never touched."""
    versions.check_models_folder(models)
    moment = now or dt.datetime.now(dt.UTC)
    fresh = not models.exists()
    name = versions.reserve_version(models, moment.strftime("%Y%m%d-%H%M%S"))
    path = models / name
    try:
        result = train(
            files,
            path,
            config_path=config_path,
            rule_path=rule_path,
            progress=progress,
            version=name,
            until=until,
        )
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        if fresh:  # a failed first training leaves no empty models folder behind (only empty:
            with contextlib.suppress(OSError):  # another training may be writing into it)
                models.rmdir()
        raise
    if versions.claim_first_champion(models, name):
        return TrainedVersion(name, path, result, True, None)
    current = versions.champion(models)
    assert current is not None
    report = compare_with_champion(models, current, name, result)
    versions.write_comparison(models, name, report)
    return TrainedVersion(name, path, result, False, report)


def compare_with_champion(
    models: Path, champion: str, challenger: str, result: TrainingResult
) -> dict[str, Any]:
    """The challenger against the champion on the challenger's test transition (the newest
    labelled one): a paired report, or the reason there is none."""
    test = result.test
    transition = transition_name(int(test["ano"].iloc[0]))
    report: dict[str, Any] = {
        "challenger": challenger,
        "champion": champion,
        "transition": transition,
        "made_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "share": result.share,
    }
    try:
        bundle = load_bundle(versions.version_path(models, champion))
    except DefasagemError as exc:
        return report | {"unavailable": f"o campeão não pôde ser carregado: {exc}"}
    seen = transition in bundle.metadata.get("trained_on", [])
    try:
        paired = paired_comparison(
            test[LABEL].to_numpy(),
            champion_scores(bundle, test),
            result.test_probability,
            share=result.share,
            seed=result.seed,
        )
    except ValueError as exc:
        return report | {"unavailable": str(exc)}
    except Exception as exc:  # the version is written: a comparison that fails never undoes it
        return report | {"unavailable": f"a campeã não pontuou a transição ({type(exc).__name__})"}
    return report | {"champion_saw_transition": seen} | paired


def champion_scores(bundle: Bundle, pairs: Any) -> Any:
    """The served model's probabilities for the pairs of a transition."""
    return bundle.model.predict_proba(pairs)
