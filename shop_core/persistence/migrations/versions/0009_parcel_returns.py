"""parcel returns: where a returned order's parcels are, and when they are back at the shop

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parcel_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("pickup_point_id", sa.Integer(), nullable=True),
        sa.Column("held_at", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("back_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("back_confirmed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["back_confirmed_by_id"],
            ["user_account.id"],
            name=op.f("fk_parcel_return_back_confirmed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_parcel_return_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pickup_point_id"],
            ["pickup_point.id"],
            name=op.f("fk_parcel_return_pickup_point_id_pickup_point"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_return")),
        sa.UniqueConstraint("merchant_order_id", name=op.f("uq_parcel_return_merchant_order_id")),
    )
    op.create_index(
        op.f("ix_parcel_return_back_confirmed_by_id"),
        "parcel_return",
        ["back_confirmed_by_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_parcel_return_pickup_point_id"), "parcel_return", ["pickup_point_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_parcel_return_pickup_point_id"), table_name="parcel_return")
    op.drop_index(op.f("ix_parcel_return_back_confirmed_by_id"), table_name="parcel_return")
    op.drop_table("parcel_return")
