"""depots and rounds: a name key unique per territory, so two cannot share a name

The name as it is compared (case, accents and punctuation ignored, ``shop_core.names``)
was checked in Python only: two requests at the same instant could both pass. Depots (or
rounds) of one territory whose names already read the same are numbered (« Tournée nord
(2) »: the oldest keeps its name) before the key is made unique; a downgrade keeps those
names.

Revision ID: d008
Revises: d007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shop_core.names import fill_name_keys

revision = "d008"
down_revision = "d007"
branch_labels = None
depends_on = None

TABLES = ("delivery_depot", "delivery_round")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_key", sa.String(length=255), nullable=True))
        fill_name_keys(op.get_bind(), table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("name_key", existing_type=sa.String(length=255), nullable=False)
            batch_op.create_unique_constraint(
                batch_op.f(f"uq_{table}_territory_id_name_key"), ["territory_id", "name_key"]
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"uq_{table}_territory_id_name_key"), type_="unique"
            )
            batch_op.drop_column("name_key")
