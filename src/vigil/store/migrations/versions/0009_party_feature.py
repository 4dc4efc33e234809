"""party_feature: packed resolution features per party, for quick-hit and search.

Revision ID: 0009
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0002"
branch_labels = None
depends_on = None

RowId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "party_feature",
        sa.Column("record_id", RowId, autoincrement=False, nullable=False),
        sa.Column("party", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "party"),
    )


def downgrade() -> None:
    op.drop_table("party_feature")
