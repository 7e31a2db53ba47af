"""Routine work is claimed once per period, by whoever asks first, even all at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from shop_core.database import Database
from shop_core.persistence.routine_runs import RoutineRun, claim

from .at_once import at_once

NOW = dt.datetime(2026, 11, 26, 8, 30, tzinfo=dt.UTC)


def _claim(db: Database, name: str, period: str) -> bool:
    with db.uow() as uow:
        return claim(uow, name=name, period=period, now=NOW)


def test_a_period_is_claimed_once_and_the_next_one_again(db: Database) -> None:
    assert _claim(db, "remind-pickups", "1:2026-11-26") is True
    assert _claim(db, "remind-pickups", "1:2026-11-26") is False
    assert _claim(db, "remind-pickups", "2:2026-11-26") is True  # another territory
    assert _claim(db, "remind-pickups", "1:2026-11-27") is True  # the next day
    assert _claim(db, "postpone-unserved", "1:2026-11-26") is True  # another routine


def test_six_processes_asking_at_the_same_instant_get_it_once(db: Database) -> None:
    won: list[bool] = []

    def ask() -> None:
        won.append(_claim(db, "remind-pickups", "1:2026-11-26"))

    assert at_once(*[ask] * 6) == ["ok"] * 6
    assert sorted(won) == [False] * 5 + [True]
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(RoutineRun.id))) == 1
