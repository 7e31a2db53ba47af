"""Planning in the background: one job per day at a time, its outcome, a lost worker."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery import planning_jobs
from delivery.geocoding import Geocoder, make_geocoder
from delivery.model import DayPlan, PlanningJob, PlanningStatus, Stop, StopKind
from delivery.plan_state import PlanningFailed
from delivery.planning_jobs import (
    CRASHED,
    INTERRUPTED,
    latest_job,
    request_planning,
    run_planning_job,
)
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrder, Order
from tests.unit.delivery.fake_http import serving

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import DISTANCES, SAINT_POL, SETTINGS, SYSTEM, add_fleet, order
from .test_delivery_geocoding import ban_answer

# 3 rue des Tilleuls as checkout leaves an address the shopper did not place on a map: at
# the centre of Saint-Pol, approximate.
AT_THE_TOWN_HALL = dataclasses.replace(SAINT_POL, lat=50.3844, lon=2.3318, approximate=True)


def ask(db: Database, shop: Shop, now: dt.datetime = NOW, date: dt.date = TUESDAY):  # type: ignore[no-untyped-def]
    with db.uow() as uow:
        return request_planning(
            uow=uow, territory_id=shop.territory_id, date=date, actor=SYSTEM, now=now
        )


def run(db: Database, job_id: int, geocoder: Geocoder | None = None) -> PlanningStatus:
    with db.uow() as uow:
        return run_planning_job(
            uow=uow, job_id=job_id, distances=DISTANCES, settings=SETTINGS, geocoder=geocoder,
            now=NOW,
        )  # fmt: skip


def job(db: Database, job_id: int) -> PlanningJob:
    with db.uow() as uow:
        return uow.session.get_one(PlanningJob, job_id)


def test_a_requested_planning_runs_once_and_records_what_it_did(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    order(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)

    first = ask(db, shop)
    again = ask(db, shop)
    assert first.created and not again.created
    assert again.job_id == first.job_id  # one job per day at a time
    assert job(db, first.job_id).status is PlanningStatus.QUEUED

    assert run(db, first.job_id) is PlanningStatus.DONE
    done = job(db, first.job_id)
    assert (done.planned, done.unplanned, done.runs) == (3, 0, 2)
    assert done.started_at is not None and done.finished_at is not None
    with db.uow() as uow:
        assert uow.session.scalar(select(DayPlan.id)) is not None
        shown = latest_job(uow.session, shop.territory_id, TUESDAY, now=NOW)
    assert shown is not None and shown.status is PlanningStatus.DONE and not shown.active

    # A second delivery of the same job (a broker redelivering it) does nothing.
    assert run(db, first.job_id) is PlanningStatus.DONE
    assert job(db, first.job_id).finished_at == done.finished_at
    assert ask(db, shop).created  # the day can be planned again


def test_a_past_date_is_refused_when_asked_not_later(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    with pytest.raises(ValidationError, match="passée"):
        ask(db, shop, date=NOW.date() - dt.timedelta(days=1))
    with db.uow() as uow:
        assert uow.session.scalar(select(PlanningJob.id)) is None


def test_a_refused_plan_and_a_crash_are_recorded_with_their_reason(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})

    def refused(**_: object) -> None:
        raise PlanningFailed(detail="Le plan calculé ne respecte pas toutes les contraintes.")

    monkeypatch.setattr(planning_jobs, "plan_day", refused)
    asked = ask(db, shop)
    assert run(db, asked.job_id) is PlanningStatus.FAILED
    assert (
        job(db, asked.job_id).message == "Le plan calculé ne respecte pas toutes les contraintes."
    )

    def crashed(**_: object) -> None:
        raise RuntimeError("solver bug")

    monkeypatch.setattr(planning_jobs, "plan_day", crashed)
    asked = ask(db, shop)
    assert asked.created  # the failed job no longer blocks the day
    assert run(db, asked.job_id) is PlanningStatus.FAILED
    assert job(db, asked.job_id).message == CRASHED
    with db.uow() as uow:
        assert uow.session.scalar(select(DayPlan.id)) is None


def test_a_job_whose_worker_died_is_given_up_and_the_day_can_be_planned_again(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    lost = ask(db, shop)
    with db.uow() as uow:  # a worker took it, then died
        uow.session.get_one(PlanningJob, lost.job_id).status = PlanningStatus.RUNNING
        uow.commit()

    later = NOW + planning_jobs.GIVE_UP_AFTER + dt.timedelta(seconds=1)
    with db.uow() as uow:
        running = latest_job(uow.session, shop.territory_id, TUESDAY, now=NOW)
        given_up = latest_job(uow.session, shop.territory_id, TUESDAY, now=later)
    assert running is not None and running.active
    assert given_up is not None and given_up.status is PlanningStatus.FAILED
    assert given_up.message == INTERRUPTED

    asked = ask(db, shop, now=later)
    assert asked.created and asked.job_id != lost.job_id
    assert job(db, lost.job_id).status is PlanningStatus.FAILED
    assert run(db, asked.job_id) is PlanningStatus.DONE


def test_a_job_taken_by_one_worker_is_not_run_by_another(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    asked = ask(db, shop)
    planning_started, go = threading.Event(), threading.Event()
    plan_day = planning_jobs.plan_day
    calls: list[int] = []

    def slow_plan_day(**kwargs: Any) -> Any:
        calls.append(1)
        planning_started.set()
        assert go.wait(30)
        return plan_day(**kwargs)

    monkeypatch.setattr(planning_jobs, "plan_day", slow_plan_day)
    first: list[PlanningStatus] = []
    worker = threading.Thread(target=lambda: first.append(run(db, asked.job_id)))
    worker.start()
    assert planning_started.wait(30)

    assert run(db, asked.job_id) is PlanningStatus.RUNNING  # the broker delivered it twice
    go.set()
    worker.join(30)
    assert first == [PlanningStatus.DONE] and len(calls) == 1


def test_a_planning_first_locates_the_addresses_still_at_their_communes_centre(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop)
    home = order(db, shop, {shop.bread_id: 1}, address=AT_THE_TOWN_HALL)
    with db.uow() as uow:
        placed = uow.session.get_one(Order, home)
        assert placed.address_approximate  # the commune's centre, as checkout leaves it

    asked = ask(db, shop)
    with serving(ban_answer) as service:
        geocoder = make_geocoder("ban", domain=service.domain, scheme="http", min_delay_seconds=0)
        status = run(db, asked.job_id, geocoder)
        assert len(service.requests) == 1
    assert status is PlanningStatus.DONE
    with db.uow() as uow:
        located = uow.session.get_one(Order, home)
        assert (located.lat, located.lon, located.address_approximate) == (50.3841, 2.329, False)
        door = uow.session.scalar(
            select(Stop).where(
                Stop.kind == StopKind.DELIVER,
                Stop.merchant_order_id.in_(
                    select(MerchantOrder.id).where(MerchantOrder.order_id == home)
                ),
            )
        )
        assert door is not None and (door.lat, door.lon, door.approximate) == (
            50.3841,
            2.329,
            False,
        )


def test_a_dead_geocoder_does_not_stop_the_planning(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    home = order(db, shop, {shop.bread_id: 1}, address=AT_THE_TOWN_HALL)
    asked = ask(db, shop)
    with serving(lambda path, q: (502, {"error": "bad gateway"})) as service:
        geocoder = make_geocoder("ban", domain=service.domain, scheme="http", min_delay_seconds=0)
        status = run(db, asked.job_id, geocoder)
    assert status is PlanningStatus.DONE
    with db.uow() as uow:
        assert uow.session.get_one(Order, home).address_approximate  # corrected later by hand
        assert uow.session.scalar(select(Stop.id)) is not None
