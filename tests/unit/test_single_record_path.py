"""The single-record path (no DataFrame) gives the batch path's numbers exactly."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from builders import assert_fast_path_matches, random_pairs
from defasagem.data.ingest import IngestResult
from defasagem.features import FEATURES, year_features
from defasagem.ideal_phase import IdealPhaseRule, fit_rule
from defasagem.modeling.bundle import load_bundle
from defasagem.modeling.candidates import build_pipeline
from defasagem.modeling.fast_path import FastModel
from defasagem.modeling.model import fit_calibrated
from defasagem.predict import score_record, score_records, score_year
from defasagem.records import features_of, record_features, year_records


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("logistic", {"C": 1.0}),
        ("lightgbm", {"n_estimators": 40, "num_leaves": 4}),
        # Larger trees than the TreeSHAP tables hold: LightGBM's own pred_contrib.
        ("lightgbm", {"n_estimators": 20, "num_leaves": 31, "min_child_samples": 5}),
    ],
)
def test_the_compiled_model_matches_the_pipeline(kind: str, params: dict[str, float]) -> None:
    def make(numeric: list[str], categorical: list[str]):  # type: ignore[no-untyped-def]
        return build_pipeline(kind, params, numeric=numeric, categorical=categorical, seed=0)

    model, _ = fit_calibrated(make, random_pairs(), seed=0)
    fast = FastModel.compile(model)
    if kind == "lightgbm":
        assert (fast.tables is None) == (params["num_leaves"] > 9)
    test = random_pairs(years=(2030,), n=40, seed=5)
    test.loc[3, "genero"] = "nunca visto"
    test.loc[4, "tipo_instituicao"] = np.nan
    test.loc[5, ["ida", "ieg"]] = np.nan
    assert_fast_path_matches(fast, model, test)


def test_record_features_equal_the_year_table_features(synthetic_result: IngestResult) -> None:
    table = synthetic_result.table
    rule = fit_rule(table, 2024)
    expected = year_features(table, 2024, rule)
    for ra, record in year_records(table, 2024).items():
        got = record_features(record, rule)
        row = expected.loc[ra].to_dict()
        for name in FEATURES:
            want, value = row[name], got[name]
            if pd.isna(want):
                assert value is None or (isinstance(value, float) and math.isnan(value)), name
            else:
                assert value == want, (ra, name)


def test_single_and_batch_paths_give_identical_probabilities(
    synthetic_bundle: Path, synthetic_result: IngestResult
) -> None:
    bundle = load_bundle(synthetic_bundle)
    table = synthetic_result.table
    batch = score_year(bundle, table)
    by_ra = batch.table.set_index("ra")
    records = year_records(table, 2024)
    for ra, row in by_ra.iterrows():
        single = score_record(bundle, records[str(ra)], batch.rule)
        assert single.probability == pytest.approx(row["probabilidade"], abs=1e-12)
        assert single.band == row["faixa"]
    first = by_ra.index[0]
    reasons = score_record(bundle, records[str(first)], batch.rule).reasons
    assert [r.text for r in reasons] == [
        by_ra.loc[first, f"motivo_{k + 1}"] for k in range(len(reasons))
    ]


def test_a_student_in_a_batch_gets_the_bits_of_the_student_alone(
    synthetic_bundle: Path, synthetic_result: IngestResult
) -> None:
    # A batch computes features column by column, one student in plain Python: same numbers.
    bundle = load_bundle(synthetic_bundle)
    records = list(year_records(synthetic_result.table, 2024).values())
    records[0] = {**records[0], "data_nascimento": None, "ano_nascimento": None}
    records[1] = {**records[1], "ano": 2023, "instituicao_ensino": None, "genero": None}
    batch = score_records(bundle, records)
    for record, together in zip(records, batch, strict=True):
        alone = score_record(bundle, record)
        assert alone.probability == together.probability
        assert [(r.text, r.contribution) for r in alone.reasons] == [
            (r.text, r.contribution) for r in together.reasons
        ]
        assert alone.features.keys() == together.features.keys()
        for name, value in alone.features.items():
            other = together.features[name]
            assert value == other or (pd.isna(value) and pd.isna(other)), name


@pytest.mark.parametrize("born", ["birth_year", "nothing"])
def test_batch_features_equal_single_features_with_birth_years_or_none(born: str) -> None:
    # A rule counting ages on 31/12 places a student from the birth year alone.
    rule = IdealPhaseRule(2023, 12, 31, (8, 10, 12, 14, 15, 16, 17, 18), 1.0, 0)
    records = [
        {"ano": 2023 + i % 2, "fase": i % 8, "fase_ideal": (i + 1) % 8, "ieg": i / 3,
         "ano_nascimento": 2010 + i % 5 if born == "birth_year" else None,
         "fase_anterior": None if i % 3 else 1, "instituicao_ensino": "Escola Pública"}
        for i in range(12)
    ]  # fmt: skip
    columns = features_of(records, rule)
    assert np.isnan(np.asarray(columns["fase_ideal_proxima"], float)).all() == (born == "nothing")
    for i, record in enumerate(records):
        for name, value in record_features(record, rule).items():
            other = columns[name][i]
            assert value == other or (pd.isna(value) and pd.isna(other)), name
