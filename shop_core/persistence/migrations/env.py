"""Alembic environment: the engine comes from ``config.attributes`` (see migrate.py)."""

from __future__ import annotations

from alembic import context

import shop_core.models  # noqa: F401  (fills Base.metadata)
from shop_core.persistence.autogen import include_object, render_item
from shop_core.persistence.base import Base


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode changes a table by copying it and dropping the old one; with foreign
            # keys on, that drop would delete (ON DELETE CASCADE) or refuse the rows pointing
            # at it. Off for the migration (before any transaction: SQLite ignores it inside
            # one, and the engine begins one before any statement: hence the DBAPI
            # connection), checked at the end, and on again for the pooled connection.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                include_object=include_object,
                render_as_batch=sqlite,
                compare_type=True,
                render_item=render_item,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows pointing nowhere: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:  # also after a failed migration: the connection goes back to the pool
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
