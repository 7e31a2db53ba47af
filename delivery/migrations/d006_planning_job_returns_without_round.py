"""a planning job counts the returned orders whose way back no round can ever take

Revision ID: d006
Revises: d005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d006"
down_revision = "d005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_planning_job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("returns_without_round", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_planning_job", schema=None) as batch_op:
        batch_op.drop_column("returns_without_round")
