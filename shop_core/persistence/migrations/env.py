"""Alembic environment: the engine comes from ``config.attributes`` (see migrate.py)."""

from __future__ import annotations

from alembic import context

import shop_core.models  # noqa: F401  (fills Base.metadata)
from shop_core.persistence.autogen import include_object, render_item
from shop_core.persistence.base import Base


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
