"""The database schema, as SQLAlchemy Core tables (Alembic migrations create them).

A scored list (``scored_lists``) is kept for two hours under an unguessable token, so every
replica can show, filter and export it; it holds no names (the upload itself is never kept).

A follow-up record belongs to a student (RA) and a year, not to one upload; every change is
also written to ``followup_events``, so nothing is overwritten without a trace. ``version``
counts the changes: an edit names the version it started from, and a stale one is refused.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
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
