"""Routine work done once per period, whoever asks: the first caller claims the period.

A shop does some work on its own at set times: cancelling unpaid orders whose reservation
expired, reminding shoppers of parcels waiting at a pickup point, postponing what a day
did not deliver. Several processes may ask at once (web workers on several machines, a
Celery beat, a cron line left in place): each asks :func:`claim` for the routine and its
period (a date, say) and only the first gets it. The claim is a row with a unique key, so
it holds across processes and machines; nothing lives in a process's memory.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from shop_core.persistence.base import Base
from shop_core.persistence.uow import UnitOfWork


class RoutineRun(Base):
    """One routine claimed for one period (``name``, ``period`` unique)."""

    __tablename__ = "routine_run"
    __table_args__ = (UniqueConstraint("name", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(60))
    claimed_at: Mapped[dt.datetime]


def claim(uow: UnitOfWork, *, name: str, period: str, now: dt.datetime) -> bool:
    """Whether the caller is the first to claim routine ``name`` for ``period`` (committed).

    A second caller, at the same instant or later, gets ``False``: on PostgreSQL its insert
    waits for the first one's transaction, then meets the unique key; on SQLite the writers
    take turns. ``uow`` must hold nothing else to commit.
    """
    claimed = select(RoutineRun.id).where(RoutineRun.name == name, RoutineRun.period == period)
    if uow.session.scalar(claimed) is not None:
        return False  # the usual answer, every minute after the first: no write, no lock
    uow.begin_write()
    uow.session.add(RoutineRun(name=name, period=period, claimed_at=now))
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        return False
    return True
