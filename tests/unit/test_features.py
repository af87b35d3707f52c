"""Pairs and features: the right population and label, and no value of t+1 in any feature."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from defasagem.data.ingest import IngestResult
from defasagem.data.schema import COLUMNS
from defasagem.features import (
    BLOCKED,
    FEATURES,
    LABEL,
    build_pairs,
    institution_type,
    year_features,
)
from defasagem.ideal_phase import IdealPhaseRule, fit_rule


@pytest.fixture(scope="module")
def synthetic_pairs(
    synthetic_result: IngestResult,
) -> tuple[pd.DataFrame, dict[int, IdealPhaseRule]]:
    table = synthetic_result.table
    rules = {year: fit_rule(table, year) for year in (2022, 2023)}
    return build_pairs(table, rules), rules


def test_population_and_label(
    synthetic_result: IngestResult,
    synthetic_pairs: tuple[pd.DataFrame, dict[int, IdealPhaseRule]],
) -> None:
    pairs, _ = synthetic_pairs
    table = synthetic_result.table.set_index(["ra", "ano"])
    assert set(pairs["ano"]) == {2022, 2023}
    assert pairs["fase"].between(0, 7).all()
    assert not pairs.duplicated(["ra", "ano"]).any()
    labels = table["defasagem"].to_dict()
    for row in pairs.sample(50, random_state=0).to_dict("records"):
        following = labels[(row["ra"], int(row["ano"]) + 1)]
        assert row[LABEL] == int(following < 0)
    continuing = set(table.xs(2023, level="ano").index) & set(table.xs(2024, level="ano").index)
    in_phase = table.xs(2023, level="ano")["fase"].between(0, 7)
    assert (pairs["ano"] == 2023).sum() == len(continuing & set(in_phase[in_phase].index))


def test_no_blocked_column_is_a_feature() -> None:
    assert not BLOCKED & set(FEATURES)
    assert not {c for c in FEATURES if c.endswith("_proximo_ano") or c == LABEL}
    assert "ra" not in FEATURES


def test_changing_any_next_year_value_but_the_label_leaves_features_unchanged(
    synthetic_result: IngestResult,
    synthetic_pairs: tuple[pd.DataFrame, dict[int, IdealPhaseRule]],
) -> None:
    pairs, rules = synthetic_pairs
    table = synthetic_result.table.copy()
    future = table["ano"] == 2024
    rng = np.random.default_rng(1)
    for column, dtype in COLUMNS.items():
        if column in ("ra", "ano", "defasagem"):
            continue
        values = table.loc[future, column]
        if dtype in ("float64", "Int64"):
            table.loc[future, column] = values.sample(frac=1, random_state=1).to_numpy()
            table.loc[future, column] = table.loc[future, column].fillna(3)
        elif dtype == "string":
            table.loc[future, column] = "alterado"
        else:
            table.loc[future, column] = pd.Timestamp(2001, 1, 1) + pd.to_timedelta(
                rng.integers(0, 3000, future.sum()), unit="D"
            )
    changed = build_pairs(table, rules)
    pd.testing.assert_frame_equal(changed, pairs)


def test_the_label_is_the_only_thing_next_year_decides(
    synthetic_result: IngestResult,
    synthetic_pairs: tuple[pd.DataFrame, dict[int, IdealPhaseRule]],
) -> None:
    pairs, rules = synthetic_pairs
    table = synthetic_result.table.copy()
    future = table["ano"] == 2024
    table.loc[future, "defasagem"] = -1
    changed = build_pairs(table, rules)
    features = [c for c in changed.columns if c != LABEL]
    pd.testing.assert_frame_equal(changed[features], pairs[features])
    assert (changed.loc[changed["ano"] == 2023, LABEL] == 1).all()


def test_history_features_come_from_the_previous_year(
    synthetic_result: IngestResult, synthetic_pairs: tuple[pd.DataFrame, dict[int, IdealPhaseRule]]
) -> None:
    _, rules = synthetic_pairs
    table = synthetic_result.table
    features = year_features(table, 2023, rules[2023])
    before = table[table["ano"] == 2022].set_index("ra")
    shared = features.index.intersection(before.index)
    assert (features.loc[shared, "tem_historico"] == 1).all()
    assert (features.loc[shared, "ieg_anterior"] == before.loc[shared, "ieg"]).all()
    new = features.index.difference(before.index)
    assert (features.loc[new, "tem_historico"] == 0).all()
    assert features.loc[new, "ieg_anterior"].isna().all()


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("Escola Pública", "publica"),
        ("Pública", "publica"),
        ("Rede Decisão", "privada"),
        ("Privada - Programa de Apadrinhamento", "privada"),
        ("Escola JP II", "privada"),
        ("Concluiu o 3º EM", "concluiu_em"),
        ("Bolsista Universitário *Formado (a)", "concluiu_em"),
        ("Nenhuma das opções acima", "outra"),
        (None, None),
    ],
)
def test_institution_types(label: str | None, kind: str | None) -> None:
    assert institution_type(label) == kind


def test_no_pairs_gives_an_empty_frame(synthetic_result: IngestResult) -> None:
    only_2024 = synthetic_result.table[synthetic_result.table["ano"] == 2024]
    assert build_pairs(only_2024, {}).empty
