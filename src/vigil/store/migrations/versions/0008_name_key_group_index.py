"""Covering index on name (last_key, first_group) for candidate retrieval.

Revision ID: 0008
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_name_key_group", "name", ["last_key", "first_group", "record_id", "party"])


def downgrade() -> None:
    op.drop_index("ix_name_key_group", table_name="name")
