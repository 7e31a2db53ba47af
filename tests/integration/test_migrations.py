"""Migrations: upgrade head works on both databases and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shop_core.database import Database
from shop_core.persistence.autogen import include_object
from shop_core.persistence.base import Base
from shop_core.persistence.migrate import downgrade, upgrade


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include_object, "compare_type": True}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_upgrade_head_creates_every_table_and_the_search_index(db: Database) -> None:
    names = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= names
    assert "product_search" in names
    assert "alembic_version" in names


def test_downgrade_to_base_then_upgrade_again(db: Database) -> None:
    downgrade(db.engine, "base")
    assert "product" not in inspect(db.engine).get_table_names()
    upgrade(db.engine)
    assert "product" in inspect(db.engine).get_table_names()
