"""Follow-up records and their audit trail.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``followups`` and ``followup_events``."""
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ra", sa.String(64), nullable=False),
        sa.Column("ano", sa.Integer, nullable=False),
        sa.Column("intervention", sa.String(120), nullable=False),
        sa.Column("responsible", sa.String(120), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "ra", "ano", "intervention", name="uq_followups_student_year_intervention"
        ),
    )
    op.create_table(
        "followup_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("followup_id", sa.Integer, sa.ForeignKey("followups.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("who", sa.String(120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
    )
    op.create_index("ix_followup_events_followup_id", "followup_events", ["followup_id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_followup_events_followup_id", "followup_events")
    op.drop_table("followup_events")
    op.drop_table("followups")
