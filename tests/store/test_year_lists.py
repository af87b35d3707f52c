"""The lists of each year and their outcome reports, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, update

from defasagem.store.migrate import upgrade
from defasagem.store.tables import year_list_students, year_lists
from defasagem.store.year_lists import YearListStore


@pytest.fixture
def store(database_engine: Engine) -> YearListStore:
    upgrade(database_engine)
    return YearListStore(database_engine)


def students(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ra": [f"RA-{i}" for i in range(n)],
            "probability": [1 - i / n for i in range(n)],
            "band": ["alto"] * (n // 2) + ["baixo"] * (n - n // 2),
            "position": range(1, n + 1),
            "priority": [i < n // 5 for i in range(n)],
        }
    )


def test_the_newest_list_of_a_year_is_the_one_measured(store: YearListStore) -> None:
    estimate = {"roc_auc": {"estimate": 0.8, "ci": [0.75, 0.85]}}
    first = store.save(
        students(30), year=2023, model_version="v1", filename="a.xlsx", who="ana", estimate={}
    )
    second = store.save(
        students(50), year=2023, model_version="v2", filename="b.xlsx", who="bia", estimate=estimate
    )
    store.save(students(10), year=2024, model_version="v2", filename="c.xlsx", who="x", estimate={})
    latest = store.latest(2023)
    assert latest is not None
    assert latest.id == second != first
    assert (latest.model_version, latest.students, latest.capacity) == ("v2", 50, 10)
    assert latest.estimate == estimate
    assert latest.created_by == "bia"
    assert store.count(2023) == 2
    assert store.latest(2022) is None
    kept = store.students(second)
    assert list(kept.columns) == ["ra", "probability", "band", "position", "priority"]
    assert len(kept) == 50
    assert kept["position"].tolist() == list(range(1, 51))
    assert kept["priority"].sum() == 10


def test_lists_past_retention_are_deleted_with_their_students(
    store: YearListStore, database_engine: Engine
) -> None:
    old = store.save(students(5), year=2020, model_version="v", filename="f", who="x", estimate={})
    with database_engine.begin() as connection:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(days=store.retention_days + 1)
        connection.execute(update(year_lists).where(year_lists.c.id == old).values(created_at=past))
    store.save(students(7), year=2024, model_version="v", filename="f", who="x", estimate={})
    assert store.latest(2020) is None
    with database_engine.connect() as connection:
        left = connection.execute(select(func.count()).select_from(year_list_students))
        assert left.scalar_one() == 7  # only the new list's students


def test_outcome_reports_are_kept_by_year(store: YearListStore) -> None:
    assert store.report(2023) is None
    assert store.report_years() == []
    store.save_report(2022, {"n": 1}, who="ana", filename="a.xlsx")
    store.save_report(2023, {"n": 2}, who="ana", filename="b.xlsx")
    store.save_report(2023, {"n": 3, "texto": "ção"}, who="bia", filename="c.xlsx")
    found = store.report(2023)
    assert found is not None
    assert found.report == {"n": 3, "texto": "ção"}
    assert (found.created_by, found.filename) == ("bia", "c.xlsx")
    assert store.report_years() == [2023, 2022]
