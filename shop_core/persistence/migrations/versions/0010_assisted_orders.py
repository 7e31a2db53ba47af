"""assisted orders: an order taken by the operator for a shopper, who may have no e-mail

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=True)
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("placed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_shop_order_placed_by_id_user_account"),
            "user_account",
            ["placed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("shop_order", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_shop_order_placed_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("placed_by_id")
    # An account without e-mail gets an address that can receive nothing, as deletion does.
    op.execute(
        "UPDATE user_account SET email = 'sans-email-' || id || '@invalid' WHERE email IS NULL"
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)
