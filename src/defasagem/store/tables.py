"""The database schema, as SQLAlchemy Core tables (Alembic migrations create them).

A scored list (``scored_lists``) is kept for two hours under an unguessable token, so every
replica can show, filter and export it; it holds no names (the upload itself is never kept).

A follow-up record belongs to a student (RA) and a year, not to one upload; every change is
also written to ``followup_events``, so nothing is overwritten without a trace. ``version``
counts the changes: an edit names the version it started from, and a stale one is refused.

The yearly cycle keeps, beyond the two hours: every change of the champion model
(``model_promotions``: who, when, why); the list of each scored year, reduced to what its
outcome needs (``year_lists`` with the performance estimated when it was scored, and one row
per student in ``year_list_students``: RA, probability, band, rank); and the outcome reports
measured when the next year's export arrived (``outcome_reports``).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ra", String(64), nullable=False),
    Column("ano", Integer, nullable=False),
    Column("intervention", String(120), nullable=False),
    Column("responsible", String(120), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("status", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_by", String(120), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("ra", "ano", "intervention", name="uq_followups_student_year_intervention"),
)

followup_events = Table(
    "followup_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("followup_id", Integer, ForeignKey("followups.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("who", String(120), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("record", JSON, nullable=False),
)

scored_lists = Table(
    "scored_lists",
    metadata,
    Column("token", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("model_version", String(80), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("students", Integer, nullable=False),
    # The ranked year, pickled and compressed: written and read only by this program.
    Column("payload", LargeBinary, nullable=False),
)

model_promotions = Table(
    "model_promotions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("who", String(120), nullable=False),
    Column("action", String(16), nullable=False),
    Column("version", String(80), nullable=False),
    Column("previous", String(80), nullable=True),
    Column("reason", Text, nullable=False),
)

year_lists = Table(
    "year_lists",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("created_by", String(120), nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("model_version", String(80), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("students", Integer, nullable=False),
    Column("capacity", Integer, nullable=False),
    # The performance estimated from the probabilities alone when the list was scored.
    Column("estimate", JSON, nullable=False),
)

year_list_students = Table(
    "year_list_students",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("list_id", Integer, ForeignKey("year_lists.id"), nullable=False, index=True),
    Column("ra", String(64), nullable=False),
    Column("probability", Float, nullable=False),
    Column("band", String(16), nullable=False),
    Column("position", Integer, nullable=False),
    Column("priority", Boolean, nullable=False),
)

outcome_reports = Table(
    "outcome_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(120), nullable=False),
    Column("year", Integer, nullable=False, index=True),
    Column("filename", String(255), nullable=False),
    Column("report", JSON, nullable=False),
)
