"""indexes on the foreign keys that pages look up by

A checkout or an order page loads order lines by merchant order; product cards load photos
by product; shop pages load opening hours by merchant; the account page loads addresses by
user. Without these indexes each of those reads scans the whole table (400,000 order lines
in the benchmark territory: 50 ms per read).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_order_line_merchant_order_id", "order_line", "merchant_order_id"),
    ("ix_product_photo_product_id", "product_photo", "product_id"),
    ("ix_opening_hours_merchant_id", "opening_hours", "merchant_id"),
    ("ix_address_user_id", "address", "user_id"),
]


def upgrade() -> None:
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
