"""The list of each scored year, kept for its outcome, and the outcome reports.

The result page's list lives two hours (``scored_lists``); what next year's outcome needs lives
longer, reduced to RA, probability, band and rank (no names, no indicators), with the
performance estimated when it was scored. A list older than ``RETENTION_DAYS`` is deleted at
the next save: by then its outcome has been measured.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select

from defasagem.store.database import as_utc
from defasagem.store.faults import translated
from defasagem.store.tables import outcome_reports, year_list_students, year_lists

# Two yearly cycles and some slack: the list of year t is measured when t+1 arrives.
RETENTION_DAYS = 3 * 366
STUDENT_COLUMNS = ("ra", "probability", "band", "position", "priority")


@dataclass(frozen=True)
class YearList:
    """One stored list of a year (without its students)."""

    id: int
    created_at: dt.datetime
    created_by: str
    year: int
    model_version: str
    filename: str
    students: int
    capacity: int
    estimate: dict[str, Any]


@dataclass(frozen=True)
class OutcomeReport:
    """An outcome report as stored: the year of the list it measures and the report."""

    id: int
    created_at: dt.datetime
    created_by: str
    year: int
    filename: str
    report: dict[str, Any]


class YearListStore:
    """``year_lists``, ``year_list_students`` and ``outcome_reports``."""

    def __init__(self, engine: Engine, retention_days: int = RETENTION_DAYS) -> None:
        self.engine = engine
        self.retention_days = retention_days

    def save(
        self,
        students: pd.DataFrame,
        *,
        year: int,
        model_version: str,
        filename: str,
        who: str,
        estimate: dict[str, Any],
    ) -> int:
        """Keep a year's list (columns ``STUDENT_COLUMNS``); lists past retention go first."""
        now = dt.datetime.now(dt.UTC)
        cut = now - dt.timedelta(days=self.retention_days)
        rows = students.loc[:, list(STUDENT_COLUMNS)]
        with translated(), self.engine.begin() as connection:
            old = select(year_lists.c.id).where(year_lists.c.created_at < cut)
            connection.execute(
                delete(year_list_students).where(year_list_students.c.list_id.in_(old))
            )
            connection.execute(delete(year_lists).where(year_lists.c.created_at < cut))
            inserted = connection.execute(
                insert(year_lists).values(
                    created_at=now,
                    created_by=who[:120],
                    year=year,
                    model_version=model_version[:80],
                    filename=filename[:255],
                    students=len(rows),
                    capacity=int(rows["priority"].sum()),
                    estimate=estimate,
                )
            ).inserted_primary_key
            assert inserted is not None
            list_id = int(inserted[0])
            if len(rows):
                connection.execute(
                    insert(year_list_students),
                    [
                        {
                            "list_id": list_id,
                            "ra": str(ra)[:64],
                            "probability": float(p),
                            "band": str(band),
                            "position": int(position),
                            "priority": bool(priority),
                        }
                        for ra, p, band, position, priority in rows.itertuples(index=False)
                    ],
                )
        return list_id

    def latest(self, year: int | None = None) -> YearList | None:
        """The newest list stored for ``year`` (of any year when None)."""
        query = select(year_lists)
        if year is not None:
            query = query.where(year_lists.c.year == year)
        with translated(), self.engine.connect() as connection:
            row = connection.execute(
                query.order_by(year_lists.c.created_at.desc(), year_lists.c.id.desc()).limit(1)
            ).first()
        return None if row is None else _year_list(row)

    def count(self, year: int) -> int:
        """How many lists were stored for ``year``."""
        with translated(), self.engine.connect() as connection:
            found = connection.execute(
                select(func.count()).select_from(year_lists).where(year_lists.c.year == year)
            ).scalar_one()
        return int(found)

    def students(self, list_id: int) -> pd.DataFrame:
        """The students of a list, by rank (columns ``STUDENT_COLUMNS``)."""
        columns = [getattr(year_list_students.c, name) for name in STUDENT_COLUMNS]
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(
                select(*columns)
                .where(year_list_students.c.list_id == list_id)
                .order_by(year_list_students.c.position)
            ).all()
        return pd.DataFrame(rows, columns=list(STUDENT_COLUMNS))

    def save_report(self, year: int, report: dict[str, Any], *, who: str, filename: str) -> int:
        """Keep the outcome report of the list of ``year``."""
        with translated(), self.engine.begin() as connection:
            inserted = connection.execute(
                insert(outcome_reports).values(
                    created_at=dt.datetime.now(dt.UTC),
                    created_by=who[:120],
                    year=year,
                    filename=filename[:255],
                    report=report,
                )
            ).inserted_primary_key
        assert inserted is not None
        return int(inserted[0])

    def report(self, year: int) -> OutcomeReport | None:
        """The newest outcome report of the list of ``year``."""
        with translated(), self.engine.connect() as connection:
            row = connection.execute(
                select(outcome_reports)
                .where(outcome_reports.c.year == year)
                .order_by(outcome_reports.c.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return OutcomeReport(
            row.id, as_utc(row.created_at), row.created_by, row.year, row.filename, row.report
        )

    def report_years(self) -> list[int]:
        """The years with an outcome report, newest first."""
        with translated(), self.engine.connect() as connection:
            rows = connection.execute(
                select(outcome_reports.c.year).distinct().order_by(outcome_reports.c.year.desc())
            ).all()
        return [int(row[0]) for row in rows]


def _year_list(row: Any) -> YearList:
    return YearList(
        id=row.id,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        year=row.year,
        model_version=row.model_version,
        filename=row.filename,
        students=row.students,
        capacity=row.capacity,
        estimate=dict(row.estimate),
    )
