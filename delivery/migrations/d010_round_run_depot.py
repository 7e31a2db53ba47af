"""a run remembers the depot it left from and came back to

Where parcels a courier left at a depot wait was read from the round's depot of the day:
moving a round to another depot moved, on paper, the parcels its earlier runs had left at
the old one. Runs already planned are given their round's depot, the only one known.

Revision ID: d010
Revises: d009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "d010"
down_revision = "d009"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_delivery_round_run_depot_id_delivery_depot"


def upgrade() -> None:
    with op.batch_alter_table("delivery_round_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("depot_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE delivery_round_run SET depot_id = ("
        "SELECT delivery_round.depot_id FROM delivery_round "
        "WHERE delivery_round.id = delivery_round_run.round_id)"
    )
    with op.batch_alter_table("delivery_round_run", schema=None) as batch_op:
        batch_op.alter_column("depot_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f(FOREIGN_KEY), "delivery_depot", ["depot_id"], ["id"], ondelete="RESTRICT"
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_round_run", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.drop_column("depot_id")
