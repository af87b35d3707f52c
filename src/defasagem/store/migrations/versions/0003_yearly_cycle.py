"""The yearly cycle: promotions of the champion model, the lists of each year, outcome reports.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``model_promotions``, ``year_lists``, ``year_list_students``, ``outcome_reports``."""
    op.create_table(
        "model_promotions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("version", sa.String(80), nullable=False),
        sa.Column("previous", sa.String(80), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_table(
        "year_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("students", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("estimate", sa.JSON, nullable=False),
    )
    op.create_index("ix_year_lists_created_at", "year_lists", ["created_at"])
    op.create_index("ix_year_lists_year", "year_lists", ["year"])
    op.create_table(
        "year_list_students",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("year_lists.id"), nullable=False),
        sa.Column("ra", sa.String(64), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("priority", sa.Boolean, nullable=False),
    )
    op.create_index("ix_year_list_students_list_id", "year_list_students", ["list_id"])
    op.create_table(
        "outcome_reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
    )
    op.create_index("ix_outcome_reports_year", "outcome_reports", ["year"])


def downgrade() -> None:
    """Drop the yearly-cycle tables."""
    op.drop_index("ix_outcome_reports_year", "outcome_reports")
    op.drop_table("outcome_reports")
    op.drop_index("ix_year_list_students_list_id", "year_list_students")
    op.drop_table("year_list_students")
    op.drop_index("ix_year_lists_year", "year_lists")
    op.drop_index("ix_year_lists_created_at", "year_lists")
    op.drop_table("year_lists")
    op.drop_table("model_promotions")
