"""Opening a Cabas database: engine, session factory with the search hook, migrations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shop_core.catalogue.search import install_index_maintenance
from shop_core.persistence.engine import create_engine_from_url
from shop_core.persistence.migrate import upgrade
from shop_core.persistence.uow import UnitOfWork, session_factory


@dataclass(frozen=True)
class Database:
    """An engine and its session factory; ``uow()`` opens a unit of work."""

    engine: Engine
    sessions: sessionmaker[Session]

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.sessions)

    def migrate(self) -> None:
        """Bring the schema to the latest revision."""
        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def connect(url: str, *, migrate: bool = False, **engine_options: object) -> Database:
    """Open the database at ``url`` (SQLite or PostgreSQL) for use with the core services."""
    engine = create_engine_from_url(url, **engine_options)
    sessions = session_factory(engine)
    install_index_maintenance(sessions)
    database = Database(engine=engine, sessions=sessions)
    if migrate:
        database.migrate()
    return database
