"""a collection another courier says they made: who has the parcels, and since when

A courier without network collects at a shop while the operator moves one of the orders
to another round; when the tap arrives, that order's collection on the other round is
marked as claimed, for the operator to settle.

Revision ID: d003
Revises: d002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d003"
down_revision = "d002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_stop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_delivery_stop_claimed_by_id_user_account"),
            "user_account",
            ["claimed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_stop", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_delivery_stop_claimed_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claimed_by_id")
