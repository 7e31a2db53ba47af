"""The work the shop does on its own, at set times, without anyone to set up cron.

- Every minute: unpaid online orders whose stock reservation expired are cancelled, and
  their stock goes back on sale.
- Each night, from ``POSTPONE_FROM`` in the territory's time zone: the orders the day before
  did not deliver move to their next possible date; shoppers and shops are told by e-mail
  (what the round board's *Reporter* button does by hand).
- Each morning, from ``REMIND_FROM``: shoppers whose parcels have waited 3 or 7 days at a
  pickup point are reminded, with their code and what to pay; parcels that have waited
  ``PICKUP_KEEP_DAYS`` (14 by default) go back to their shops, as the operator's *Retourner
  à la boutique* does (sale undone, online payment refunded, shopper and shop told).

:func:`tick` does whatever is due and not done yet. ``CABAS_ROUTINES`` (``on`` by default,
``off`` in tests) says whether the app ticks by itself: with ``CABAS_JOBS=thread`` a thread of
each web process ticks every minute from its first request; with ``CABAS_JOBS=celery``,
Celery beat (``celery -A reference_app.worker beat``) hands a tick to a worker every minute.
``flask --app reference_app routines`` ticks once, for cron. Each night's and each morning's
work is claimed in the database (:mod:`shop_core.persistence.routine_runs`), so any number
of web processes, machines, beats and cron lines may tick at once: it is done once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from reference_app import db, notifications, payments
from reference_app.rounds import settings
from shop_core.audit.services import Actor
from shop_core.errors import DomainError
from shop_core.orders.pickup_points import waiting_at_points
from shop_core.orders.services import release_expired
from shop_core.persistence.routine_runs import claim
from shop_core.territories.model import Territory

log = logging.getLogger("cabas.routines")

#: Local time from which the day before is postponed, and from which reminders leave.
POSTPONE_FROM = dt.time(1, 0)
REMIND_FROM = dt.time(9, 0)
#: Days after their arrival at the pickup point when shoppers are reminded of their parcels.
REMIND_AFTER_DAYS = (3, 7)
#: Seconds between two ticks of a web process's thread, and before its first one.
INTERVAL_S = 60.0
FIRST_TICK_S = 5.0


@dataclass
class Done:
    """What a tick did, as lines for a log or a terminal."""

    lines: list[str] = field(default_factory=list)

    def add(self, report: Report) -> None:
        if report.acted:
            self.lines += report.lines


@dataclass
class Report:
    """What one routine did for one territory: ``lines`` to show; ``acted`` if anything
    was done or is left to decide (a tick only reports those)."""

    lines: list[str]
    acted: bool


def tick() -> Done:
    """Do what is due now and not done yet (in an app context); what was done."""
    done = Done()
    expired = expire_unpaid()
    if expired:
        done.lines.append(f"{expired} commande(s) expirée(s) annulée(s).")
    now = settings.now()
    for territory in territories():
        local = now.astimezone(ZoneInfo(territory.timezone))
        day_before = local.date() - dt.timedelta(days=1)
        if local.time() >= POSTPONE_FROM and _claim("postpone-unserved", territory, day_before):
            done.add(postpone_day(territory, day_before, today=local.date()))
        if local.time() >= REMIND_FROM and claim_reminders(territory, local.date()):
            done.add(remind_pickups(territory, local.date()))
        if local.time() >= REMIND_FROM and _claim("return-unclaimed", territory, local.date()):
            done.add(return_unclaimed(territory, local.date()))
    return done


def territories() -> list[Territory]:
    with db.database().uow() as uow:
        return list(uow.session.scalars(select(Territory).order_by(Territory.id)))


def expire_unpaid() -> int:
    """Cancel unpaid online orders whose reservation expired; how many."""
    with db.database().uow() as uow:
        return release_expired(uow=uow, now=settings.now())


def postpone_day(territory: Territory, date: dt.date, *, today: dt.date) -> Report:
    """Move the orders ``date`` did not deliver to their next possible date; what was done."""
    from delivery.postponing import postpone_unserved

    with db.database().uow() as uow:
        try:
            report = postpone_unserved(
                uow=uow, territory_id=territory.id, date=date, actor=Actor.system(), today=today
            )
        except DomainError as error:  # typically a day nobody planned: nothing to postpone
            return Report([f"{territory.name}, {date.isoformat()} : {error}"], acted=False)
    notifications.announce(
        *(notifications.Postponed(p.order_id, p.previous.isoformat()) for p in report.moved)
    )
    lines = [
        f"{territory.name}, {date.isoformat()} : {len(report.moved)} commande(s) "
        f"reportée(s), {len(report.kept)} laissée(s) à décider."
    ]
    lines += [f"  {moved.reference} → {moved.date.isoformat()}" for moved in report.moved]
    lines += [f"  {kept.reference} : {kept.reason}" for kept in report.kept]
    return Report(lines, acted=bool(report.moved or report.kept))


def remind_pickups(territory: Territory, today: dt.date) -> Report:
    """Remind the shoppers whose parcels have waited 3 or 7 days at a pickup point."""
    zone = ZoneInfo(territory.timezone)
    reminders, lines = [], []
    with db.database().uow() as uow:
        for waiting in waiting_at_points(uow.session, territory_id=territory.id):
            days = (today - waiting.since.astimezone(zone).date()).days
            if days in REMIND_AFTER_DAYS:
                reminders.append(notifications.PickupReminder(waiting.order_id, days))
                lines.append(f"  {waiting.reference} : {days} jours à {waiting.point_name}")
    notifications.announce(*reminders)
    sent = f"{territory.name} : {len(reminders)} rappel(s) envoyé(s)."
    return Report([sent, *lines], acted=bool(reminders))


def return_unclaimed(territory: Territory, today: dt.date) -> Report:
    """Send back to their shops the parcels that waited ``keep_days()`` at a pickup point."""
    from delivery.returns import return_to_merchant

    keep = settings.pickup_keep_days()
    if not keep:
        return Report([], acted=False)
    zone = ZoneInfo(territory.timezone)
    reason = f"Non retirée au point de retrait dans les {keep} jours"
    returned, lines = [], []
    with db.database().uow() as uow:
        late = [
            w
            for w in waiting_at_points(uow.session, territory_id=territory.id)
            if (today - w.since.astimezone(zone).date()).days >= keep
        ]
        for waiting in late:
            try:
                return_to_merchant(
                    uow=uow, territory_id=territory.id, order_id=waiting.order_id,
                    reason=reason, actor=Actor.system(), now=settings.now(),
                )  # fmt: skip
            except DomainError as error:  # collected meanwhile
                uow.rollback()
                lines.append(f"  {waiting.reference} : {error}")
                continue
            returned.append(waiting.order_id)
            lines.append(f"  {waiting.reference} : retournée ({waiting.point_name})")
    for order_id in returned:
        payments.settle_order(order_id)  # refund what was paid online
    head = f"{territory.name} : {len(returned)} commande(s) non retirée(s) retournée(s)."
    return Report([head, *lines], acted=bool(lines))


def claim_reminders(territory: Territory, today: dt.date) -> bool:
    """Whether this caller sends ``today``'s reminders of ``territory`` (nobody did yet)."""
    return _claim("remind-pickups", territory, today)


def _claim(name: str, territory: Territory, date: dt.date) -> bool:
    with db.database().uow() as uow:
        return claim(
            uow, name=name, period=f"{territory.id}:{date.isoformat()}", now=settings.now()
        )


def init_app(app: Flask) -> None:
    """Check ``ROUTINES``; with thread jobs, start the ticking thread on the first request."""
    mode = app.config.get("ROUTINES") or ("off" if app.testing else "on")
    if mode not in ("on", "off"):
        raise RuntimeError(f"CABAS_ROUTINES={mode!r}: expected on or off")
    app.config["ROUTINES"] = mode
    if mode == "off" or app.config["JOBS"] != "thread":
        return
    lock = threading.Lock()

    @app.before_request
    def start_ticking() -> None:
        # Not at import: `flask init-db` and the other commands build the app too.
        if "cabas_ticker" in app.extensions:
            return
        with lock:
            if "cabas_ticker" not in app.extensions:
                stop = threading.Event()
                thread = threading.Thread(
                    target=_ticking, args=(app, stop), name="cabas-routines", daemon=True
                )
                app.extensions["cabas_ticker"] = stop
                thread.start()


def stop_ticking(app: Flask) -> None:
    """Stop this app's ticking thread, if it runs (tests; a clean shutdown)."""
    stop: threading.Event | None = app.extensions.pop("cabas_ticker", None)
    if stop is not None:
        stop.set()


def run_tick(app: Flask) -> None:
    """One tick in an app context of its own, its failure logged (thread and Celery task)."""
    try:
        with app.app_context():
            for line in tick().lines:
                log.info("%s", line)
    except Exception:  # a tick that fails is tried again at the next one
        log.exception("routine tick failed")


def _ticking(app: Flask, stop: threading.Event) -> None:
    if stop.wait(FIRST_TICK_S):
        return
    while True:
        run_tick(app)
        if stop.wait(INTERVAL_S):
            return
