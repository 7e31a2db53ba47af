"""The database of the app, one unit of work per request, and the request's territory."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, has_request_context, request
from sqlalchemy import select

from shop_core.database import Database, connect
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    options: dict[str, object] = {}
    if url.startswith("postgresql"):
        options = {"pool_size": 5, "max_overflow": 5}
    app.extensions["cabas_db"] = connect(url, **options)
    app.teardown_appcontext(_close_uow)


def database() -> Database:
    """The app's database (engine and session factory)."""
    db: Database = current_app.extensions["cabas_db"]
    return db


def uow() -> UnitOfWork:
    """The request's unit of work, opened on first use and closed at teardown.

    Services commit it themselves; templates may lazy-load from it until the request ends.
    """
    if "cabas_uow" not in g:
        g.cabas_uow = database().uow().__enter__()
        if has_request_context() and request.method in _WRITES:
            # On SQLite, a request that reads, then writes after another request wrote,
            # fails with "database is locked" (a double click): a request that may write
            # takes SQLite's writer lock from its first statement. Nothing on PostgreSQL.
            g.cabas_uow.begin_write()
    current: UnitOfWork = g.cabas_uow
    return current


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _close_uow(exc: BaseException | None) -> None:
    current = g.pop("cabas_uow", None)
    if current is not None:
        current.__exit__(type(exc) if exc else None, exc, None)


def find_territory(host: str | None = None) -> Territory | None:
    """The territory served at ``host`` (configured mapping, default slug, or the first)."""
    session = uow().session
    hosts: dict[str, str] = current_app.config["TERRITORY_HOSTS"] or {}
    slug = hosts.get((host or "").split(":")[0]) or current_app.config["DEFAULT_TERRITORY"]
    if slug:
        return session.scalar(select(Territory).where(Territory.slug == slug))
    return session.scalar(select(Territory).order_by(Territory.id).limit(1))


def territory() -> Territory:
    """The request's territory; 503 with a clear page when none is set up yet."""
    if "cabas_territory" not in g:
        found = find_territory(request.host)
        if found is None:
            abort(
                503,
                description="Aucun territoire n'est configuré : lancez « flask --app "
                "reference_app load-demo » ou créez-en un.",
            )
        g.cabas_territory = found
    current: Territory = g.cabas_territory
    return current
