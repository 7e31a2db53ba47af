"""pickup point staff: accounts that hand over the parcels waiting at one point

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_point_staff",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_pickup_point_staff_pickup_point_id_pickup_point"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_pickup_point_staff_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_pickup_point_staff")),
    )
    op.create_index(
        op.f("ix_pickup_point_staff_pickup_point_id"),
        "pickup_point_staff",
        ["pickup_point_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pickup_point_staff_pickup_point_id"), table_name="pickup_point_staff")
    op.drop_table("pickup_point_staff")
