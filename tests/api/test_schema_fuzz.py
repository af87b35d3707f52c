"""No request body makes the API answer 5xx (hypothesis over JSON values and near-valid
records)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from defasagem.api.app import create_app
from defasagem.api.settings import ApiSettings
from defasagem.validation.record_schema import StudentRecord

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
FIELDS = list(StudentRecord.model_fields)
NEAR_VALUES = (
    st.none() | st.booleans() | st.integers(-5, 3000) | st.floats(-1, 12, allow_nan=False)
    | st.sampled_from(["ALFA", "FASE 3", "3A", "2012-05-01", "2012-02-30", "Feminino", "", "x"])
)  # fmt: skip
RECORDS = st.dictionaries(st.sampled_from([*FIELDS, "extra"]), NEAR_VALUES, max_size=12)


@pytest.fixture(scope="module")
def client(synthetic_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    logs = tmp_path_factory.mktemp("fuzz_logs")
    return create_app(ApiSettings(synthetic_bundle, logs)).test_client()


def post(client: FlaskClient, body: Any) -> int:
    return client.post(
        "/predict", data=json.dumps(body), content_type="application/json"
    ).status_code


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON)
def test_any_json_gets_an_answer_below_500(client: FlaskClient, body: Any) -> None:
    assert post(client, body) < 500


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=RECORDS, as_batch=st.booleans())
def test_near_valid_records_are_scored_or_refused_never_crash(
    client: FlaskClient, record: dict[str, Any], as_batch: bool
) -> None:
    body = {"students": [record, {"ano": 2024, "fase": 3}]} if as_batch else record
    status = post(client, body)
    assert status in (200, 422)
