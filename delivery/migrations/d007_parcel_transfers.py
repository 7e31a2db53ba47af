"""parcels carried from one depot to another, as the operator records it

Revision ID: d007
Revises: d006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d007"
down_revision = "d006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_parcel_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_order_id", sa.Integer(), nullable=False),
        sa.Column("from_depot_id", sa.Integer(), nullable=True),
        sa.Column("to_depot_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_id"],
            ["user_account.id"],
            name=op.f("fk_delivery_parcel_transfer_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["from_depot_id"],
            ["delivery_depot.id"],
            name=op.f("fk_delivery_parcel_transfer_from_depot_id_delivery_depot"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merchant_order_id"],
            ["merchant_order.id"],
            name=op.f("fk_delivery_parcel_transfer_merchant_order_id_merchant_order"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["to_depot_id"],
            ["delivery_depot.id"],
            name=op.f("fk_delivery_parcel_transfer_to_depot_id_delivery_depot"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_parcel_transfer")),
    )
    with op.batch_alter_table("delivery_parcel_transfer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_delivery_parcel_transfer_merchant_order_id"),
            ["merchant_order_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_parcel_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_parcel_transfer_merchant_order_id"))
    op.drop_table("delivery_parcel_transfer")
