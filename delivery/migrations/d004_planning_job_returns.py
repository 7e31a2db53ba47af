"""a planning job counts the returned orders whose parcels its rounds bring back

Revision ID: d004
Revises: d003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d004"
down_revision = "d003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_planning_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("returns", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("delivery_planning_job", schema=None) as batch_op:
        batch_op.drop_column("returns")
