"""pickup points: opening hours weekday by weekday, so shoppers are told when to come

A point gave its hours in words only (``opening_notes``): an order due on a day the point
is closed (a town hall on Saturday) could not say when the shopper may actually go.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_point_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_pickup_point_hours_pickup_point_id_pickup_point"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pickup_point_hours")),
    )
    with op.batch_alter_table("pickup_point_hours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pickup_point_hours_pickup_point_id"), ["pickup_point_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pickup_point_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pickup_point_hours_pickup_point_id"))
    op.drop_table("pickup_point_hours")
