"""The work the shop does on its own: expiring unpaid orders, reminding shoppers of parcels
at a pickup point (postponing a day's leftovers is in test_rounds.py)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from reference_app import create_app, jobs, routines
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, Order, PaymentMethod, PaymentStatus
from shop_core.persistence.routine_runs import RoutineRun

from .backoffice import dropped_at_point, place_order
from .conftest import NOW, World, app_config

# The parcel reaches the pickup point on Monday 23 November; Thursday is its third day.
THURSDAY = dt.date(2026, 11, 26)
PARIS = dt.timezone(dt.timedelta(hours=1))  # November: UTC+1


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of the territory's day (Europe/Paris), as the app's clock gives it."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS).astimezone(dt.UTC)


def _reminders(app: Flask, world: World) -> list[str]:
    return [m.subject for m in app.extensions["cabas_outbox"] if m.to == world.shopper_email]


def _tick(app: Flask, moment: dt.datetime) -> list[str]:
    app.config["FIXED_NOW"] = moment
    with app.app_context():
        return routines.tick().lines


def test_shoppers_are_reminded_once_on_the_third_day_from_nine_in_the_morning(
    app: Flask, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    app.extensions["cabas_outbox"].clear()

    assert _tick(app, at(THURSDAY, 8, 59)) == []  # before nine: not yet
    assert _reminders(app, world) == []
    lines = _tick(app, at(THURSDAY, 9, 0))
    assert "Ternois : 1 rappel(s) envoyé(s)." in lines
    assert _reminders(app, world) == [
        f"Votre commande {order.reference} vous attend au point de retrait"
    ]
    assert _tick(app, at(THURSDAY, 9, 1)) == []  # every minute after: done already
    assert _tick(app, at(THURSDAY, 18, 0)) == []
    result = app.test_cli_runner().invoke(args=["remind-pickups"])  # a cron line left in place
    assert "Ternois : rappels du jour déjà envoyés." in result.output
    assert len(_reminders(app, world)) == 1
    assert _tick(app, at(THURSDAY + dt.timedelta(days=1), 9, 0)) == []  # the fourth day


def test_parcels_not_collected_within_the_keeping_time_go_back_to_the_shop_once(
    app: Flask, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)  # arrived on Monday 23 November, kept 14 days
    outbox = app.extensions["cabas_outbox"]
    seventh = dt.date(2026, 11, 30)
    _tick(app, at(seventh, 9, 0))
    (reminder,) = [m.body for m in outbox if m.to == world.shopper_email]
    assert "restent au point de retrait jusqu'au dimanche 6 décembre inclus" in reminder
    outbox.clear()

    last_day, then = dt.date(2026, 12, 6), dt.date(2026, 12, 7)
    assert not any("retournée" in line for line in _tick(app, at(last_day, 9, 0)))
    with db.uow() as uow:
        assert [mo.status.value for mo in uow.session.get_one(Order, order.id).merchant_orders] == [
            "delivered"
        ]
    assert _tick(app, at(then, 8, 59)) == []  # before nine: not yet
    lines = _tick(app, at(then, 9, 0))

    assert "Ternois : 1 commande(s) non retirée(s) retournée(s)." in lines
    with db.uow() as uow:
        (mo,) = uow.session.get_one(Order, order.id).merchant_orders
        assert mo.status.value == "returned"
        assert mo.history[-1].reason == "Non retirée au point de retrait dans les 14 jours"
    (shopper,) = [m for m in outbox if m.to == world.shopper_email]
    assert "retourne à la boutique" in shopper.subject
    assert [m for m in outbox if m.to == world.baker_email]
    assert _tick(app, at(then, 9, 1)) == []  # claimed for the day: once


def test_no_parcel_goes_back_by_itself_when_the_keeping_time_is_off(
    app: Flask, db: Database, world: World
) -> None:
    app.config["PICKUP_KEEP_DAYS"] = 0
    order = dropped_at_point(db, world)
    _tick(app, at(dt.date(2027, 1, 4), 9, 0))  # six weeks later
    with db.uow() as uow:
        (mo,) = uow.session.get_one(Order, order.id).merchant_orders
        assert mo.status.value == "delivered"


def test_an_unpaid_online_order_is_cancelled_when_its_reservation_expires(
    app: Flask, db: Database, world: World
) -> None:
    oid = place_order(
        db, world, {world.cake_id: 2}, DeliveryMethod.PICKUP_POINT, PaymentMethod.ONLINE
    )
    assert _tick(app, NOW + dt.timedelta(minutes=29)) == []
    assert "1 commande(s) expirée(s) annulée(s)." in _tick(app, NOW + dt.timedelta(minutes=31))
    with db.uow() as uow:
        assert uow.session.get_one(Order, oid).payment_status is PaymentStatus.FAILED
        assert uow.session.get_one(Product, world.cake_id).stock_quantity == 2  # back on sale


@pytest.fixture
def ticking_app(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app whose routines are on, as outside the tests, with jobs in threads."""
    monkeypatch.setattr(routines, "FIRST_TICK_S", 0.01)
    app = create_app(app_config(db, tmp_path, ROUTINES="on", JOBS="thread"))
    yield app
    routines.stop_ticking(app)
    jobs.finish(app)
    app.extensions["cabas_db"].dispose()


def test_the_web_process_ticks_by_itself_from_its_first_request(
    ticking_app: Flask, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    ticking_app.config["FIXED_NOW"] = at(THURSDAY, 10, 0)
    assert "cabas_ticker" not in ticking_app.extensions  # building the app starts nothing

    ticking_app.test_client().get("/")

    deadline = time.monotonic() + 30
    while not _reminders(ticking_app, world) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _reminders(ticking_app, world) == [
        f"Votre commande {order.reference} vous attend au point de retrait"
    ]
    with db.uow() as uow:
        periods = uow.session.scalars(
            select(RoutineRun.period).where(RoutineRun.name == "remind-pickups")
        ).all()
    assert f"{world.territory_id}:{THURSDAY.isoformat()}" in periods  # each territory its own


def test_with_celery_a_beat_hands_a_tick_to_a_worker_every_minute(
    db: Database, tmp_path: Path, world: World
) -> None:
    app = create_app(
        app_config(
            db, tmp_path, ROUTINES="on", JOBS="celery", CELERY_BROKER_URL="redis://127.0.0.1:1"
        )
    )
    try:
        celery = jobs.celery_app(app)
        assert celery.conf.beat_schedule == {
            "cabas-routines": {"task": "cabas.routines", "schedule": 60.0}
        }
        app.test_client().get("/")
        assert "cabas_ticker" not in app.extensions  # the web process leaves it to the beat
        oid = place_order(
            db, world, {world.cake_id: 1}, DeliveryMethod.PICKUP_POINT, PaymentMethod.ONLINE
        )
        app.config["FIXED_NOW"] = NOW + dt.timedelta(hours=1)

        celery.tasks["cabas.routines"].apply()  # what a worker does with the beat's message

        with db.uow() as uow:
            assert uow.session.get_one(Order, oid).payment_status is PaymentStatus.FAILED
    finally:
        app.extensions["cabas_db"].dispose()


def test_a_wrong_setting_is_refused_at_start(db: Database, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="CABAS_ROUTINES='sometimes'"):
        create_app(app_config(db, tmp_path, ROUTINES="sometimes"))


@pytest.fixture
def app_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Removes the handlers the app adds to its loggers when nothing else is set up."""
    from reference_app.logs import LOGGERS, StderrHandler

    yield
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for handler in [h for h in logger.handlers if isinstance(h, StderrHandler)]:
            logger.removeHandler(handler)


def test_what_the_routines_did_is_printed_under_flask_run(
    db: Database,
    tmp_path: Path,
    world: World,
    app_logs: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The routines say what they did at INFO, which Python drops unless logging is set up:
    # under `make run` a morning's « colis retournés » or reminders left no trace.
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as `flask run` leaves it
    app = create_app(app_config(db, tmp_path, ROUTINES="on", MAIL_BACKEND="console"))
    try:
        dropped_at_point(db, world)
        app.config["FIXED_NOW"] = at(THURSDAY, 9, 0)
        routines.run_tick(app)  # what the ticking thread and the Celery task run
    finally:
        app.extensions["cabas_db"].dispose()
    printed = capsys.readouterr().err
    assert re.search(r"INFO cabas\.routines: .*rappel", printed), printed
    assert printed.count(f"E-mail to {world.shopper_email}") == 1  # the mail once, bare


def test_a_wrong_log_level_is_refused_at_start(db: Database, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="CABAS_LOG_LEVEL='loud'"):
        create_app(app_config(db, tmp_path, LOG_LEVEL="loud"))
