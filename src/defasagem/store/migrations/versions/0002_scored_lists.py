"""Scored lists in the database (every replica shows them).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``scored_lists``."""
    op.create_table(
        "scored_lists",
        sa.Column("token", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("students", sa.Integer, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_scored_lists_created_at", "scored_lists", ["created_at"])


def downgrade() -> None:
    """Drop ``scored_lists``."""
    op.drop_index("ix_scored_lists_created_at", "scored_lists")
    op.drop_table("scored_lists")
