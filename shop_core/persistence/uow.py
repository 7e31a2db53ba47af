"""Unit of work: one transaction around one service call."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

_WROTE = "cabas_wrote"  # the transaction has flushed changes
_WRITER = "cabas_writer"  # the transaction began as SQLite's writer (BEGIN IMMEDIATE)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay usable after commit. Its sessions
    note whether their transaction has written anything yet (see UnitOfWork.begin_write)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    event.listen(factory, "after_flush", _wrote)
    event.listen(factory, "after_transaction_end", _ended)
    return factory


def _wrote(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_WRITER, None)


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
        """Make this transaction SQLite's writer now (``BEGIN IMMEDIATE``); nothing on
        PostgreSQL, which locks rows instead (see :meth:`lock_row`).

        On SQLite a transaction that has read, then writes after another writer committed,
        fails with "database is locked". So a transaction that has only read so far (a view
        that looked things up before calling the service) is ended first, and the objects
        it loaded are read again; one that has already written goes on as it is.
        """
        session = self.session
        if session.get_bind().dialect.name != "sqlite" or session.info.get(_WRITER):
            return
        if session.in_transaction():
            if session.new or session.dirty or session.deleted or session.info.get(_WROTE):
                return
            session.commit()
            session.expire_all()
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        session.info[_WRITER] = True

    def lock_row(self, model: Any, ident: int) -> None:
        """Make this transaction the only writer of ``model``'s row ``ident`` until it ends,
        and what follows read what the writer before it committed.

        Two requests acting on the same thing at once (a double tap, a phone sending again
        what it kept offline) then run one after the other: the second sees what the first
        did instead of doing it again. PostgreSQL locks the row (``SELECT … FOR UPDATE``,
        then the session's objects are read again); SQLite has one writer at a time
        (:meth:`begin_write`).
        """
        self.lock_rows(model, [ident])

    def lock_rows(self, model: Any, idents: Iterable[int]) -> None:
        """:meth:`lock_row` for several rows of ``model`` at once, taken in the order of
        their ids (so that two transactions locking overlapping sets cannot deadlock)."""
        session = self.session
        if self.dialect == "postgresql":
            wanted = sorted(set(idents))
            if wanted:
                rows = select(model.id).where(model.id.in_(wanted)).order_by(model.id)
                session.execute(rows.with_for_update())
            session.expire_all()  # changes were flushed by the statement above
        else:
            self.begin_write()
