"""a stop remembers the pickup point it is at

Whether a stop was a drop at a pickup point was read from its order's delivery method of
the moment: once a failed home delivery was sent to a point, the failed stop at the door
read « Dépôt au point de retrait ». Stops already planned are given their order's point
when the order goes to one and the stop's place is not the shopper's name (what a door's
stop is called), the best that is known of them.

Revision ID: d011
Revises: d010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d011"
down_revision = "d010"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_delivery_stop_pickup_point_id_pickup_point"


def upgrade() -> None:
    with op.batch_alter_table("delivery_stop", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pickup_point_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f(FOREIGN_KEY), "pickup_point", ["pickup_point_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
    op.execute(
        "UPDATE delivery_stop SET pickup_point_id = ("
        "SELECT shop_order.pickup_point_id FROM merchant_order "
        "JOIN shop_order ON shop_order.id = merchant_order.order_id "
        "WHERE merchant_order.id = delivery_stop.merchant_order_id "
        "AND shop_order.delivery_method = 'pickup_point' "
        "AND (delivery_stop.kind = 'take_back' OR delivery_stop.place_name <> "
        "COALESCE(NULLIF(shop_order.recipient, ''), shop_order.customer_name))) "
        "WHERE delivery_stop.kind IN ('deliver', 'take_back')"
    )


def downgrade() -> None:
    with op.batch_alter_table("delivery_stop", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.drop_column("pickup_point_id")
