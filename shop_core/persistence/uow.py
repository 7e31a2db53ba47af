"""Unit of work: one transaction around one service call."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, sessionmaker

_WROTE = "cabas_wrote"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay usable after commit. Its sessions
    note whether their transaction has written anything yet (see UnitOfWork.lock_row)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _wrote)
    event.listen(factory, "after_commit", _ended)
    event.listen(factory, "after_rollback", _ended)
    return factory


def _wrote(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


def _ended(session: Session) -> None:
    session.info.pop(_WROTE, None)


class UnitOfWork:
    """Opens a session for a block; commits on ``commit()``, rolls back otherwise.

    Usage::

        with UnitOfWork(sessions) as uow:
            ...
            uow.commit()

    Services take a ``uow`` keyword argument; tests can pass one bound to any engine.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside a 'with' block")
        return self._session

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``: some services lock rows differently."""
        bind = self.session.get_bind()
        return bind.dialect.name

    def __enter__(self) -> UnitOfWork:
        self._session = self._sessions()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            if exc_type is not None:
                self._session.rollback()
        finally:
            # close() ends any uncommitted transaction without expiring loaded objects, so
            # what a service returned stays readable after the block.
            self._session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def begin_write(self) -> None:
        """Start the transaction as a writer now (SQLite ``BEGIN IMMEDIATE``).

        On SQLite a deferred transaction that reads then writes can fail with
        "database is locked" under concurrency; taking the write lock first avoids it.
        PostgreSQL locks rows instead, so this is a no-op there.
        """
        session = self.session
        if session.in_transaction():
            return
        if session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})

    def lock_row(self, model: Any, ident: int) -> None:
        """Make this transaction the only writer of ``model``'s row ``ident`` until it ends,
        and what follows read what the writer before it committed.

        Two requests acting on the same thing at once (a double tap, a phone sending again
        what it kept offline) then run one after the other: the second sees what the first
        did instead of doing it again. PostgreSQL locks the row (``SELECT … FOR UPDATE``);
        SQLite has one writer at a time (``BEGIN IMMEDIATE``). A transaction that has only
        read so far (a view that looked the thing up first) is ended before, since SQLite
        cannot turn a read that went stale into a write, and the objects it loaded are
        read again.
        """
        session = self.session
        pending = session.new or session.dirty or session.deleted
        reads_only = not pending and not session.info.get(_WROTE)
        if reads_only and session.in_transaction():
            session.commit()
        self.begin_write()
        if self.dialect == "postgresql":
            session.execute(select(model.id).where(model.id == ident).with_for_update())
        if reads_only:
            session.expire_all()
