"""Parcels sent back to their shops, and the rounds that no longer carry them.

``shop_core.orders.returns`` undoes the sale; here the delivery stops still to do for those
parcels (an order whose delivery failed is already on a later round) are closed, so no
courier goes to the door for nothing. The days holding such stops are locked first, as for
the operator's other changes of a plan (``plan_state.lock_day``): a courier's tap on the
same stop waits, and then finds it closed.

Parcels already in a courier's vehicle (:func:`on_board`: a failed delivery presented
again by a run under way today) are not sent back from the office: the courier, who has
them, would only learn it from a stop gone from the list, and the shopper may be waiting
at the door. They stay on their round; the rest of the order goes back. If the courier
cannot hand them over, they come back to the depot and can be returned then; if the
shopper refuses them at the door, the courier sends them back there and then.

The way back itself goes on the rounds (``plan_state.return_trips``, ``stops.take_back`` and
``stops.bring_back``). When the merchant or the operator says the parcels are at the shop
again by another way (:func:`back_at_shop`, :func:`put_back_on_sale`), the return stops still
to do are closed, so no courier goes to fetch them.

A way back that no round can ever take (:func:`no_round_for`: more parcels than any round
carries, a pickup point no round big enough serves, a depot no round big enough leaves
from, a shop or point with no position on the map) is told apart from one that found no
room on a day's rounds: it waits for no round, someone has to bring the parcels back by
other means (or place the shop or point on the map).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from delivery import calendar
from delivery.day_problem import ReturnTrip, merchant_place, point_place
from delivery.model import (
    RETURN_KINDS,
    DayPlan,
    Round,
    RoundRun,
    Stop,
    StopKind,
    StopStatus,
    territory_stops,
)
from delivery.optimiser import UnassignedReason
from delivery.plan_state import lock_day, return_trips, under_way
from shop_core.audit.services import Actor
from shop_core.errors import ValidationError
from shop_core.orders import returns
from shop_core.orders.model import MerchantOrder, Order
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import Territory

RETURNED_REASON = "Colis retourné à la boutique"
BACK_REASON = "Colis déjà revenus à la boutique"
ON_THE_ROUND = (
    "Ces colis sont dans la camionnette du livreur, sur sa tournée en cours : ils ne peuvent "
    "pas être retournés d'ici. S'il ne peut pas les remettre, ils reviennent au dépôt et vous "
    "pourrez alors les retourner ; si le client les refuse à la porte, le livreur les renvoie "
    "lui-même à la boutique."
)


@dataclass(frozen=True)
class OnBoard:
    """A merchant order's parcels in a courier's vehicle, and the run that has them."""

    merchant_order_id: int
    round_name: str
    courier_name: str
    expected: dt.datetime
    """When the run should hand them over, on the territory's clock."""


def on_board(
    session: Session, *, territory_id: int, merchant_order_ids: Iterable[int], today: dt.date
) -> dict[int, OnBoard]:
    """Which of these merchant orders, out of their shop (a failed delivery, parcels at a
    pickup point), have their parcels in a courier's vehicle now, by id: still to hand
    over, at a door or a pickup point, by a run of ``today`` that has left
    (``plan_state.under_way``). A past day's run left unfinished says nothing of where its
    parcels are now."""
    wanted = sorted(set(merchant_order_ids))
    if not wanted:
        return {}
    zone = ZoneInfo(session.get_one(Territory, territory_id).timezone)
    stops = session.scalars(
        territory_stops(territory_id)
        .where(
            DayPlan.date == today,
            Stop.kind == StopKind.DELIVER,
            Stop.status == StopStatus.TODO,
            Stop.merchant_order_id.in_(wanted),
        )
        .options(
            selectinload(Stop.run).selectinload(RoundRun.stops),
            selectinload(Stop.run).selectinload(RoundRun.round),
            selectinload(Stop.run).selectinload(RoundRun.courier),
        )
        .order_by(Stop.expected_start, Stop.id)
    )
    found: dict[int, OnBoard] = {}
    for stop in stops:
        run = stop.run
        if under_way(run.stops):
            found.setdefault(
                stop.merchant_order_id,
                OnBoard(
                    stop.merchant_order_id,
                    run.round.name,
                    run.courier.full_name if run.courier else "",
                    stop.expected_start.astimezone(zone),
                ),
            )
    return found


def _on_board_of(
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    only: Collection[int] | None,
    now: dt.datetime,
) -> tuple[list[int], set[int]]:
    """The merchant orders of ``order_id`` the return would take (``only`` those), and those
    of them in a courier's vehicle (:func:`on_board`)."""
    order = uow.session.get(Order, order_id)
    if order is None or order.territory_id != territory_id:
        return [], set()  # the core says it is not found
    waiting = [mo.id for mo in returns.returnable(order) if only is None or mo.id in only]
    zone = ZoneInfo(uow.session.get_one(Territory, territory_id).timezone)
    aboard = on_board(
        uow.session,
        territory_id=territory_id,
        merchant_order_ids=waiting,
        today=now.astimezone(zone).date(),
    )
    return waiting, set(aboard)


def _open_stops(*order_ids: int) -> Select[Stop]:
    return (
        select(Stop)
        .join(MerchantOrder, MerchantOrder.id == Stop.merchant_order_id)
        .where(MerchantOrder.order_id.in_(order_ids), Stop.status == StopStatus.TODO)
        .order_by(Stop.id)
    )


def _lock_days_of(uow: UnitOfWork, stops: Select[Stop]) -> None:
    """Lock the days whose runs hold these stops (``plan_state.lock_day``), in plan order."""
    plans = uow.session.scalars(
        select(RoundRun.plan_id)
        .join(Stop, Stop.run_id == RoundRun.id)
        .where(Stop.id.in_(stops.with_only_columns(Stop.id).order_by(None)))
        .distinct()
    ).all()
    for plan_id in sorted(plans):
        lock_day(uow, plan_id)


def lock_days_of_orders(uow: UnitOfWork, order_ids: Iterable[int]) -> None:
    """Lock the days whose runs still have stops to do for these orders, as
    :func:`return_to_merchant` does: for a caller about to lock a run's row (a courier's
    tap), which must come after its day's."""
    wanted = sorted(set(order_ids))
    if wanted:
        _lock_days_of(uow, _open_stops(*wanted))


def return_to_merchant(
    *,
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    commit: bool = True,
    only: Collection[int] | None = None,
) -> list[int]:
    """Return the order's waiting or failed parcels to their shops (``only`` those of these
    merchant orders; see ``shop_core.orders.returns.return_to_merchant``) and close the stops
    of rounds that were to deliver them; returns the merchant orders returned. One
    transaction (left open without ``commit``: a courier's refused delivery sends them back
    with its failure).

    Parcels in a courier's vehicle (:func:`on_board`) stay on their round, the others go
    back; when every parcel to return is on board, nothing is recorded (``ValidationError``
    with the code ``on_the_round``)."""
    now = now or utcnow()
    _lock_days_of(uow, _open_stops(order_id))  # the runs first: no courier's tap meanwhile
    waiting, aboard = _on_board_of(uow, territory_id, order_id, only, now)
    if aboard:
        if aboard.issuperset(waiting):
            raise ValidationError(ON_THE_ROUND, code="on_the_round")
        only = [mo_id for mo_id in waiting if mo_id not in aboard]
    returned = returns.return_to_merchant(
        uow=uow, territory_id=territory_id, order_id=order_id, reason=reason, actor=actor,
        now=now, commit=False, only=only,
    )  # fmt: skip
    for stop in uow.session.scalars(_open_stops(order_id)):
        if stop.merchant_order_id in returned:
            stop.status, stop.reason = StopStatus.FAILED, RETURNED_REASON
    if commit:
        uow.commit()
    return returned


def _close_return_stops(uow: UnitOfWork, merchant_order_id: int) -> None:
    """Lock the days whose rounds still go to fetch these parcels, then close those stops."""
    query = (
        select(Stop)
        .where(
            Stop.merchant_order_id == merchant_order_id,
            Stop.kind.in_(RETURN_KINDS),
            Stop.status == StopStatus.TODO,
        )
        .order_by(Stop.id)
    )
    _lock_days_of(uow, query)
    for stop in uow.session.scalars(query):
        stop.status, stop.reason = StopStatus.FAILED, BACK_REASON


def back_at_shop(
    *,
    uow: UnitOfWork,
    territory_id: int,
    merchant_order_id: int,
    actor: Actor,
    merchant_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """``shop_core.orders.returns.back_at_shop``, and the rounds no longer fetch them."""
    _close_return_stops(uow, merchant_order_id)
    returns.back_at_shop(
        uow=uow, territory_id=territory_id, merchant_order_id=merchant_order_id, actor=actor,
        merchant_id=merchant_id, now=now, commit=False,
    )  # fmt: skip
    uow.commit()


def put_back_on_sale(
    *,
    uow: UnitOfWork,
    merchant_id: int,
    merchant_order_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """``shop_core.orders.returns.put_back_on_sale`` (the goods are in the merchant's hands),
    and the rounds no longer fetch them."""
    _close_return_stops(uow, merchant_order_id)
    units = returns.put_back_on_sale(
        uow=uow, merchant_id=merchant_id, merchant_order_id=merchant_order_id, actor=actor,
        now=now, commit=False,
    )  # fmt: skip
    uow.commit()
    return units


#: A way back whose shop, or pickup point to fetch the parcels at, has no position: no
#: planning can place it until someone puts it on the map (the orders' ``no_position``).
NO_POSITION = "no_position"
#: Parcels waiting at a depot that no round big enough leaves from any more (a round moved
#: to another depot): only a round leaving from there may load them.
NO_ROUND_FROM_DEPOT = "no_round_from_depot"


def no_round_for(
    trip: ReturnTrip, rounds: Sequence[Round], run_depots: Mapping[int, int] | None = None
) -> str | None:
    """Why none of ``rounds``, whatever its day, could ever bring ``trip`` back to its shop,
    for the reasons the orders' screening gives for good (``problem.screen_shipment``):
    more parcels than any of them carries (``TOO_LARGE``), or a pickup point that none big
    enough serves (``NOT_ALLOWED``; the shop is on every round's way), or parcels at a
    depot none big enough leaves from (:data:`NO_ROUND_FROM_DEPOT`); or the shop, or the
    point it waits at, has no position (:data:`NO_POSITION`, whatever the rounds). None
    when one could, today or another day, and when there is no round at all to judge by.
    ``run_depots``: the depot a planned run of a round leaves from, by round id, when it is
    not the round's own any more (a round moved after its day was planned still loads at
    the old depot that day)."""
    if merchant_place(trip.merchant) is None or (
        trip.point is not None and point_place(trip.point) is None
    ):
        return NO_POSITION
    if not rounds:
        return None
    parcels = max(1, trip.parcels)
    fitting = [r for r in rounds if parcels <= r.capacity]
    if not fitting:
        return UnassignedReason.TOO_LARGE
    point = trip.point
    if point is not None and not any(r.serves(point.insee_code) for r in fitting):
        return UnassignedReason.NOT_ALLOWED
    if point is None and trip.depot_id is not None:
        leaving = {r.depot_id for r in fitting} | {
            depot for r in fitting if (depot := (run_depots or {}).get(r.id)) is not None
        }
        if trip.depot_id not in leaving:
            return NO_ROUND_FROM_DEPOT
    return None


def without_round(
    session: Session,
    territory_id: int,
    trips: Iterable[ReturnTrip],
    *,
    runs: Iterable[RoundRun] = (),
) -> dict[int, str]:
    """The ways back among ``trips`` that no round of the territory going out on some day
    (active, with a courier) can ever take, by merchant order, with the reason
    (:func:`no_round_for`). Parcels already on a round's vehicle are the caller's to
    leave out: that round gives them back. ``runs``: a planned day's runs, of which those
    not yet under way leave from the depot they were planned from (a round moved since
    still loads there that day)."""
    trips = list(trips)
    if not trips:
        return {}
    rounds = [
        r
        for r in calendar.active_rounds(session, territory_id)
        if r.courier_id and r.weekday_numbers
    ]
    run_depots = {run.round_id: run.depot_id for run in runs if not under_way(run.stops)}
    found = {trip.merchant_order_id: no_round_for(trip, rounds, run_depots) for trip in trips}
    return {mo_id: reason for mo_id, reason in found.items() if reason is not None}


def ways_back_without_round(
    session: Session, *, territory_id: int, merchant_order_ids: Iterable[int], today: dt.date
) -> dict[int, str]:
    """Which of these returned merchant orders' ways back no round can ever take, with the
    reason (:func:`without_round`), as they stand on ``today``."""
    wanted = list(merchant_order_ids)
    if not wanted:
        return {}
    trips = return_trips(session, territory_id, today, today=today, only=wanted)
    return without_round(session, territory_id, trips)
