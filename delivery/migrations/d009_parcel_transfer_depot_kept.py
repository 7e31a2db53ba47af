"""a depot parcels were carried to cannot be deleted while the transfer says so

``delivery_parcel_transfer.to_depot_id`` cascaded: deleting the depot erased the record,
and the parcels were then taken to be where the last stop had left them. It now restricts,
as ``delivery_round.depot_id`` does.

Revision ID: d009
Revises: d008
"""

from __future__ import annotations

from alembic import op

revision = "d009"
down_revision = "d008"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_delivery_parcel_transfer_to_depot_id_delivery_depot"


def _to_depot(ondelete: str) -> None:
    with op.batch_alter_table("delivery_parcel_transfer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FOREIGN_KEY), type_="foreignkey")
        batch_op.create_foreign_key(
            batch_op.f(FOREIGN_KEY),
            "delivery_depot",
            ["to_depot_id"],
            ["id"],
            ondelete=ondelete,
        )


def upgrade() -> None:
    _to_depot("RESTRICT")


def downgrade() -> None:
    _to_depot("CASCADE")
