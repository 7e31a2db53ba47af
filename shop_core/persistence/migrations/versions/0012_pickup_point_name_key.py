"""pickup points: a name key unique per territory, so two points cannot share a name

The name as it is compared (case, accents and punctuation ignored, ``shop_core.names``)
was checked in Python only: two requests at the same instant could both pass. Points of
one territory whose names already read the same are numbered (« Mairie (2) »: the oldest
keeps its name) before the key is made unique; a downgrade keeps those names.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shop_core.names import fill_name_keys

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pickup_point", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=255), nullable=True))
    fill_name_keys(op.get_bind(), "pickup_point")
    with op.batch_alter_table("pickup_point", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_pickup_point_territory_id_name_key"), ["territory_id", "name_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("pickup_point", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_pickup_point_territory_id_name_key"), type_="unique"
        )
        batch_op.drop_column("name_key")
