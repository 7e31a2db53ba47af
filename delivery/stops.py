"""What a courier does at a stop: collect at the shop, deliver with the shopper's code, or
report a failed delivery and say where the parcel goes next.

A courier acts on the stops of today's runs (or of a past day's, a tap kept offline sent
later): a run still to come is only to look at, its parcels are not on board yet
(:func:`check_its_day`).

A courier acts on a *visit*: the consecutive stops of a run at the same place for the same
purpose (every parcel of one shop, every merchant order of one shopper, everything for one
pickup point). Each merchant order moves through the core's ``transition``, so the order
history, the invoices and the shopper's e-mails follow as for any other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from delivery import calendar
from delivery import returns as way_back
from delivery.day_problem import door_key, point_window, to_datetime
from delivery.distances import GreatCircleDistances
from delivery.model import DayPlan, RoundRun, Stop, StopKind, StopStatus, date_fr, territory_stops
from delivery.plan_state import OUT_OF_SHOP, lock_day
from delivery.problem import NO_LIMIT
from shop_core.audit.services import Actor, record
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders import returns
from shop_core.orders.delivery_codes import WrongDeliveryCode, check_code
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.orders.redelivery import redirect_delivery
from shop_core.orders.services import transition
from shop_core.payments.model import PaymentMeans, Receiver
from shop_core.payments.offline import check_hand_over, take_payment
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import PickupPoint, Territory

S = MerchantOrderStatus


class NotReady(DomainError):
    code = "not_ready"
    template = "{detail}"


class AlreadyRecorded(ValidationError):
    """The stop was recorded meanwhile (a double tap, a tap kept offline and sent again, the
    operator or another phone): nothing more to do."""

    code = "already_recorded"


class NotYetItsDay(ValidationError):
    """The stop is on a run of a day still to come: its parcels are not on board yet."""

    code = "not_yet_its_day"


class AfterFailure(StrEnum):
    """Where a parcel goes after a failed delivery."""

    NEXT_ROUND = "next_round"
    PICKUP_POINT = "pickup_point"
    RETURN_TO_SHOP = "return_to_shop"


def after_failure_choices(*, refused: bool) -> tuple[AfterFailure, ...]:
    """Where a parcel may go after a failed delivery: one the shopper refused is not
    presented again, it goes back to its shop; any other (nobody in, no way to the door)
    is presented again on the next round, or left at a pickup point."""
    if refused:
        return (AfterFailure.RETURN_TO_SHOP,)
    return (AfterFailure.NEXT_ROUND, AfterFailure.PICKUP_POINT)


REFUSED_GOES_BACK = (
    "Un colis refusé par le client ne se représente pas : il retourne à sa boutique."
)
ONLY_REFUSED_GOES_BACK = (
    "Seul un colis refusé par le client retourne à sa boutique depuis la tournée : sinon, "
    "représentez-le ou déposez-le dans un point de retrait."
)
NOTHING_HANDED_OVER = (
    "Cochez au moins une commande remise au client. S'il refuse tout, touchez « Absent ou "
    "problème » puis « Colis refusé par le client »."
)
VISIT_CHANGED = (
    "Les commandes de cet arrêt ont changé depuis l'affichage de la page : vérifiez-les et "
    "recommencez."
)
NO_PART_AT_POINT = (
    "Au point de retrait, l'équipe du point prend tous les colis : aucun n'y est refusé."
)
#: A failed delivery left at a pickup point that does not open on the run's day.
POINT_CLOSED_THAT_DAY = (
    "Ce point de retrait est fermé ce jour-là : choisissez-en un autre, ou représentez le "
    "colis à la prochaine tournée."
)
NO_REFUSAL_AT_POINT = (
    "Au point de retrait, le client n'est pas là pour refuser le colis : choisissez une "
    "autre raison."
)


class NothingTakenAndCodeRefused(ValidationError):
    """A door handed over in part with nothing ticked as taken and a code refused too
    (missing or wrong): both are said at once, each by its field (``parts_error``,
    ``code_error``), rather than the code on the next try. A ``ValidationError`` of the
    ticks still, worded as their refusal, for whoever shows only that."""

    def __init__(self, parts_error: ValidationError, code_error: WrongDeliveryCode) -> None:
        super().__init__(
            parts_error.message, field=parts_error.field, code="nothing_taken_and_code_refused"
        )
        self.parts_error = parts_error
        self.code_error = code_error


@dataclass(frozen=True)
class Collection:
    """What a collection did: how many merchant orders were taken, and which were left at
    the shop because they were not ready (their ids)."""

    collected: int
    left: tuple[int, ...] = ()


@dataclass(frozen=True)
class HandOver:
    """What a hand-over did: how many merchant orders the shopper (or the point) took, and
    for those the shopper refused, the orders sent back to their shops and how many
    merchant orders went back."""

    handed_over: int
    orders: tuple[int, ...] = ()
    returned: int = 0


@dataclass(frozen=True)
class FailureOutcome:
    """Where the parcels of a failed visit went: the date of the round presenting them
    again, the pickup point, or back to their shops (the orders and how many merchant
    orders were returned)."""

    then: AfterFailure
    date: dt.date | None
    pickup_point: str = ""
    orders: tuple[int, ...] = ()
    returned: int = 0


def place_key(stop: Stop) -> tuple[str, int | str]:
    """What makes stops one visit: the shop, the pickup point, or the shopper's door.

    A door is one shopper at one address: a shopper who ordered twice for the same slot
    (something forgotten in the first basket) is visited once, and either order's code
    hands over both (see ``deliver``). Two shoppers at one address stay two visits, each
    with their own code.
    """
    mo = stop.merchant_order
    if stop.kind.at_shop:
        return ("merchant", mo.merchant_id)
    # The stop's own point, not its order's of the moment: a failed delivery sent to a
    # point leaves its stop at the door.
    if stop.pickup_point_id is not None:
        return ("point", stop.pickup_point_id)
    if stop.kind is StopKind.TAKE_BACK:
        return ("point", f"{stop.lat:.5f},{stop.lon:.5f}")
    return ("door", door_key(mo.order))


def visit_of(stop: Stop) -> list[Stop]:
    """The stops of ``stop``'s visit: its neighbours in the run with the same kind and place."""
    stops = stop.run.stops
    at = stops.index(stop)
    key = (stop.kind, place_key(stop))
    first = at
    while first > 0 and (stops[first - 1].kind, place_key(stops[first - 1])) == key:
        first -= 1
    last = at
    while last + 1 < len(stops) and (stops[last + 1].kind, place_key(stops[last + 1])) == key:
        last += 1
    return stops[first : last + 1]


def has_delivery_to_do(stop: Stop) -> bool:
    """Whether ``stop``'s visit still has a parcel to hand over (``stop`` itself may be
    closed: an order of the visit left at its shop, not ready, fails on its own)."""
    return bool(_open(visit_of(stop), StopKind.DELIVER))


def courier_stop(session: Session, *, territory_id: int, courier_id: int, stop_id: int) -> Stop:
    """A stop of one of the courier's own runs (NotFound for anyone else's)."""
    stop = session.get(Stop, stop_id)
    if (
        stop is None
        or stop.run.courier_id != courier_id
        or stop.run.plan.territory_id != territory_id
    ):
        raise NotFound(what="Arrêt")
    return stop


def check_its_day(stop: Stop, *, today: dt.date) -> None:
    """Refuse to record ``stop`` before the day of its run (``today``: the territory's
    current date): the parcels of a run still to come are not collected, nor on board."""
    date = stop.run.plan.date
    if date > today:
        raise NotYetItsDay(
            f"Cette tournée est prévue le {date_fr(date)} : les colis ne sont pas encore à bord. "
            "Vous pourrez enregistrer cet arrêt ce jour-là.",
            date=date.isoformat(),
        )


def _check_its_day(session: Session, stop: Stop, today: dt.date | None, now: dt.datetime) -> None:
    """:func:`check_its_day`, ``today`` by default the date of ``now`` in the territory."""
    if today is None:
        territory = session.get_one(Territory, stop.run.plan.territory_id)
        today = now.astimezone(ZoneInfo(territory.timezone)).date()
    check_its_day(stop, today=today)


def _one_at_a_time(uow: UnitOfWork, stop_id: int) -> None:
    """Actions on a run wait for each other: a second tap on the same stop (a double tap,
    the phone sending a tap it kept offline while the courier taps again) finds the stop
    recorded by the first instead of recording it twice."""
    run_id = uow.session.scalar(select(Stop.run_id).where(Stop.id == stop_id))
    if run_id is not None:
        uow.lock_row(RoundRun, run_id)


def _open(stops: list[Stop], kind: StopKind) -> list[Stop]:
    return [s for s in stops if s.is_open and s.kind is kind]


def _done(
    stop: Stop, status: StopStatus, courier_id: int, now: dt.datetime, reason: str = ""
) -> None:
    stop.status, stop.done_at, stop.done_by_id = status, now, courier_id
    stop.reason = reason.strip()[:300]


NOT_READY_REASON = "Pas prête au passage du livreur"
#: Merchant orders whose parcels cannot leave the shop yet.
UNREADY = (S.PLACED, S.PAID, S.ACCEPTED, S.PREPARING)


def collect(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    leave_unready: bool = False,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> Collection:
    """The courier took the parcels at the shop: merchant orders go to *handed to courier*.

    While one of them is not ready, the collection is refused (nothing changes) unless the
    courier chose to ``leave_unready``: then the ready ones are collected and the others
    stay at the shop, their collection and delivery marked failed on this run. Such an order
    is still due that day: the next planning gives it to a round that can still take it, or
    reports it with the next possible date. A cancelled one is marked failed on the sheet.
    ``today``: the territory's current date (by default ``now``'s), refused before the
    run's day (:func:`check_its_day`), as for the courier's other actions.
    """
    now = now or utcnow()
    _one_at_a_time(uow, stop_id)
    stop = courier_stop(
        uow.session, territory_id=territory_id, courier_id=courier_id, stop_id=stop_id
    )
    _check_its_day(uow.session, stop, today, now)
    open_stops = _open(visit_of(stop), StopKind.COLLECT)
    # Parcels another courier says they took are not there to take (claim_collections).
    stops = [s for s in open_stops if s.claimed_by_id in (None, courier_id)]
    if open_stops and not stops:
        raise AlreadyRecorded(
            "Un autre livreur a déjà pris ces colis : l'animation règle la question."
        )
    if not stops:
        raise AlreadyRecorded("Cette collecte est déjà enregistrée.")
    unready = [s for s in stops if s.merchant_order.status in UNREADY]
    if unready and not leave_unready:
        shop = unready[0].merchant_order.merchant.trade_name
        references = ", ".join(s.merchant_order.reference for s in unready)
        if len(unready) == 1:
            detail = (
                f"La commande {references} n'est pas encore prête chez « {shop} » : "
                "attendez qu'elle soit marquée prête, ou partez sans elle."
            )
        else:
            detail = (
                f"{len(unready)} commandes ne sont pas encore prêtes chez « {shop} » "
                f"({references}) : attendez qu'elles soient marquées prêtes, ou partez sans elles."
            )
        raise NotReady(
            detail=detail, at="collect", references=references, shop=shop, count=len(unready)
        )
    actor = Actor(user_id=courier_id)
    collected = 0
    left: list[int] = []
    for s in stops:
        mo = s.merchant_order
        if mo.status in (S.CANCELLED, S.REFUSED):
            _done(s, StopStatus.FAILED, courier_id, now, "Commande annulée")
            _fail_delivery(s, "Commande annulée")
            continue
        if mo.status in UNREADY:
            _done(s, StopStatus.FAILED, courier_id, now, NOT_READY_REASON)
            _fail_delivery(s, NOT_READY_REASON)
            left.append(mo.id)
            continue
        _done(s, StopStatus.DONE, courier_id, now)
        if mo.status is S.READY:
            transition(
                uow=uow, merchant_order_id=mo.id, target=S.HANDED_TO_COURIER, actor=actor,
                now=now, commit=False,
            )  # fmt: skip
        collected += 1
    uow.commit()  # the whole visit at once
    return Collection(collected, tuple(left))


def _fail_delivery(collect_stop: Stop, reason: str) -> None:
    """The parcels stayed at the shop: their delivery on this run will not happen."""
    for other in collect_stop.run.stops:
        if (
            other.merchant_order_id == collect_stop.merchant_order_id
            and other.kind is StopKind.DELIVER
            and other.is_open
        ):
            other.status, other.reason = StopStatus.FAILED, reason


def claim_collections(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    date: dt.date,
    merchant_order_ids: Iterable[int],
    now: dt.datetime,
) -> list[str]:
    """The courier collected these merchant orders on ``date`` (a visit tapped without
    network), but some have left their rounds meanwhile: the operator gave them to another
    courier.

    Each such order ready at the shop whose collection is still to do on another run is
    marked as claimed by this courier, who has its parcels: the operator sees it on the
    board (and gives the order back to that courier's round, which records the collection,
    see ``delivery.replanning.move_shipment``), and the other courier sees there is nothing
    to take for it. Orders on this courier's own runs, collected already, or of another
    territory are left alone. Returns the references claimed.
    """
    wanted = sorted(set(merchant_order_ids))
    if not wanted:
        return []

    query = (
        territory_stops(territory_id)
        .where(
            DayPlan.date == date,
            Stop.kind == StopKind.COLLECT,
            Stop.status == StopStatus.TODO,
            Stop.merchant_order_id.in_(wanted),
            or_(RoundRun.courier_id.is_(None), RoundRun.courier_id != courier_id),
        )
        .order_by(Stop.id)
    )
    plan_id = uow.session.scalar(query.with_only_columns(RoundRun.plan_id).limit(1))
    if plan_id is None:
        return []  # the usual answer, for a visit the operator left alone: no lock taken
    lock_day(uow, plan_id)  # the operator's changes and the other courier's taps wait
    claimed = []
    for stop in uow.session.scalars(query):
        mo = stop.merchant_order
        if mo.status is not S.READY:
            continue  # not handed over by the shop: the courier cannot have it
        if stop.claimed_by_id is None:
            stop.claimed_by_id, stop.claimed_at = courier_id, now
            record(
                uow.session,
                territory_id=territory_id,
                actor=Actor(user_id=courier_id),
                action="delivery.collection_claimed",
                subject=mo.reference,
                details={"stop_id": stop.id, "run": stop.run.round.name},
            )
        claimed.append(mo.reference)
    uow.commit()
    return claimed


def awaits_collection(status: MerchantOrderStatus) -> bool:
    """Whether a merchant order in ``status`` still has its parcels at its shop: its
    delivery can be recorded (handed over, or failed) only once they are collected. Parcels
    back from a failed delivery (at the depot, or still on board) are out of the shop.

    The one rule for :func:`deliver` and :func:`fail`, which refuse such a delivery, and for
    the courier's page, which says to collect first instead of offering the delivery."""
    return status not in OUT_OF_SHOP


def _check_on_board(stops: list[Stop]) -> None:
    for s in stops:
        mo = s.merchant_order
        if awaits_collection(mo.status):
            raise NotReady(
                detail=f"La commande {mo.reference} n'a pas été collectée chez "
                f"« {mo.merchant.trade_name} » : enregistrez d'abord la collecte.",
                at="deliver",
                references=mo.reference,
                shop=mo.merchant.trade_name,
                count=1,
            )


def deliver(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    code: str = "",
    means: PaymentMeans | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> int:
    """Hand the parcels over: at a door, only against the shopper's delivery code, and for
    an order paid on delivery against its payment (``means``: cash or cheque, which the
    courier then hands in); at a pickup point, the point's staff takes them (no code, no
    money). Returns how many merchant orders."""
    return _deliver(
        uow, territory_id, courier_id, stop_id, code=code, means=means, now=now, today=today
    ).handed_over


def deliver_part(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    handed_over: Iterable[int],
    refused: Iterable[int],
    reason: str,
    code: str = "",
    means: PaymentMeans | None = None,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> HandOver:
    """At a door, the shopper takes some of the visit's merchant orders (``handed_over``)
    and refuses the others (``refused``): together, every order still to hand over there.

    The code is checked as for :func:`deliver`, the payment only for the orders taken. The
    refused ones fail with ``reason`` and go back to their shops as after a refusal
    (:func:`fail` with ``refused``), in the same transaction; nothing else of their shop
    orders goes back. Refused when nothing is taken (a refusal of everything is
    :func:`fail`'s; a code refused too is said with it, :class:`NothingTakenAndCodeRefused`),
    when the two do not make the visit's orders (a page out of date, an id made up), and at
    a pickup point."""
    taken, back = set(handed_over), set(refused)
    if taken & back:
        raise ValidationError(VISIT_CHANGED, field="handed_over", code="visit_changed")
    if not reason.strip():
        raise ValidationError("Indiquez ce qui s'est passé.", field="reason")
    if back:
        # As a refusal does: the days of the orders first, then the run (see ``fail``).
        way_back.lock_days_of_orders(
            uow, _visit_orders(uow.session, territory_id, courier_id, stop_id)
        )
    return _deliver(
        uow, territory_id, courier_id, stop_id, code=code, means=means, now=now, today=today,
        parts=(taken, back, reason),
    )  # fmt: skip


def _deliver(
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    *,
    code: str,
    means: PaymentMeans | None,
    now: dt.datetime | None,
    today: dt.date | None,
    parts: tuple[set[int], set[int], str] | None = None,
) -> HandOver:
    """:func:`deliver`, or with ``parts`` (taken, refused, reason) :func:`deliver_part`."""
    now = now or utcnow()
    _one_at_a_time(uow, stop_id)
    stop = courier_stop(
        uow.session, territory_id=territory_id, courier_id=courier_id, stop_id=stop_id
    )
    _check_its_day(uow.session, stop, today, now)
    stops = _open(visit_of(stop), StopKind.DELIVER)
    if not stops:
        raise AlreadyRecorded("Cette livraison est déjà enregistrée.")
    _check_on_board(stops)
    back: set[int] = set()
    reason = ""
    if parts is not None:
        taken, back, reason = parts
        if place_key(stop)[0] != "door":
            raise ValidationError(NO_PART_AT_POINT, field="handed_over", code="no_part_at_point")
        if {s.merchant_order_id for s in stops} != taken | back:
            raise ValidationError(VISIT_CHANGED, field="handed_over", code="visit_changed")
    at_door = stops[0].merchant_order.order.delivery_method is DeliveryMethod.HOME
    # At a door every order is the same shopper's (place_key): the code of any proves it.
    orders = {s.merchant_order.order.id: s.merchant_order.order for s in stops}.values()
    if parts is not None and not parts[0]:
        _nothing_taken(orders, code)
    kept = [s for s in stops if s.merchant_order_id not in back]
    refused = [s for s in stops if s.merchant_order_id in back]
    checked = (
        check_hand_over(orders, code, [s.merchant_order for s in kept], means) if at_door else None
    )
    actor = Actor(user_id=courier_id)
    for s in kept:
        mo = s.merchant_order
        if at_door:
            take_payment(
                uow.session, merchant_order=mo, means=means, actor=actor, now=now,
                receiver=Receiver.COURIER,
            )  # fmt: skip
        if mo.status is S.DELIVERY_FAILED:
            transition(
                uow=uow, merchant_order_id=mo.id, target=S.HANDED_TO_COURIER, actor=actor,
                reason="Nouvelle présentation", now=now, commit=False,
            )  # fmt: skip
        _done(s, StopStatus.DONE, courier_id, now)
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.DELIVERED, actor=actor, now=now,
            commit=False, checked=checked,
        )  # fmt: skip
    _record_failed(uow, refused, courier_id, reason, now)  # as ``fail`` records a refusal
    sent_back, returned = _send_back(uow, territory_id, refused, actor, reason, now)
    uow.commit()  # the whole visit, its payments and its way back with it
    return HandOver(len(kept), sent_back, returned)


def _nothing_taken(orders: Iterable[Order], code: str) -> NoReturn:
    """Refuse a door handed over in part with nothing taken, and say at once whether the
    code is refused too (:class:`NothingTakenAndCodeRefused`)."""
    nothing = ValidationError(NOTHING_HANDED_OVER, field="handed_over", code="nothing_handed_over")
    try:
        check_code(orders, code)
    except WrongDeliveryCode as code_error:
        raise NothingTakenAndCodeRefused(nothing, code_error) from None
    raise nothing


def _record_failed(
    uow: UnitOfWork, stops: Iterable[Stop], courier_id: int, reason: str, now: dt.datetime
) -> None:
    """The courier's failed delivery of ``stops``: closed with ``reason``, and their merchant
    orders *livraison impossible* (those still in the van)."""
    for s in stops:
        _done(s, StopStatus.FAILED, courier_id, now, reason)
        if s.merchant_order.status is S.HANDED_TO_COURIER:
            transition(
                uow=uow, merchant_order_id=s.merchant_order_id, target=S.DELIVERY_FAILED,
                actor=Actor(user_id=courier_id), reason=reason, now=now, commit=False,
            )  # fmt: skip


def _send_back(
    uow: UnitOfWork,
    territory_id: int,
    stops: Sequence[Stop],
    actor: Actor,
    reason: str,
    now: dt.datetime,
) -> tuple[tuple[int, ...], int]:
    """Return the merchant orders of ``stops`` (refused at the door) to their shops, and
    only those, not another failed part of their shop orders on its way elsewhere; the
    orders concerned and how many merchant orders went back. Left uncommitted."""
    only = {s.merchant_order_id for s in stops}
    orders = tuple(sorted({s.merchant_order.order_id for s in stops}))
    returned = 0
    for order_id in orders:
        returned += len(
            way_back.return_to_merchant(
                uow=uow,
                territory_id=territory_id,
                order_id=order_id,
                reason=reason,
                actor=actor,
                now=now,
                commit=False,
                only=only,
            )  # fmt: skip
        )
    return orders, returned


def fail(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    reason: str,
    then: AfterFailure,
    pickup_point_id: int | None = None,
    refused: bool = False,
    now: dt.datetime | None = None,
    received: dt.datetime | None = None,
    today: dt.date | None = None,
) -> FailureOutcome:
    """Nobody could take the parcels: the merchant orders go to *delivery failed* with the
    reason, then either to the next day the commune's round runs, or to a pickup point later
    on this run. ``now``: when it happened; ``received``: when the server heard of it, if
    later (a tap made without network), which the next round must follow.

    Parcels the shopper ``refused`` at the door are not presented again: they go back to
    their shops (``then`` must be ``RETURN_TO_SHOP``, see :func:`after_failure_choices`) as
    when the operator sends them back (``delivery.returns.return_to_merchant``: the sale is
    undone, the way back planned), in the same transaction. ``today``: as for
    :func:`collect`."""
    now = now or utcnow()
    session = uow.session
    if not reason.strip():
        raise ValidationError("Indiquez ce qui s'est passé.", field="reason")
    if then not in after_failure_choices(refused=refused):
        if refused:
            raise ValidationError(REFUSED_GOES_BACK, field="then", code="refused_goes_back")
        raise ValidationError(ONLY_REFUSED_GOES_BACK, field="then", code="only_refused_goes_back")
    if then is AfterFailure.RETURN_TO_SHOP:
        # Sending parcels back locks the days of their orders (as the operator's changes do:
        # plan first, then runs), so before this run's row, or a courier would wait for the
        # operator who waits for them.
        way_back.lock_days_of_orders(uow, _visit_orders(session, territory_id, courier_id, stop_id))
    _one_at_a_time(uow, stop_id)
    stop = courier_stop(session, territory_id=territory_id, courier_id=courier_id, stop_id=stop_id)
    _check_its_day(session, stop, today, now)
    stops = _open(visit_of(stop), StopKind.DELIVER)
    if not stops:
        raise AlreadyRecorded("Cette livraison est déjà enregistrée.")
    _check_on_board(stops)
    if refused and place_key(stop)[0] == "point":
        # Every shopper's parcels for the point: none of them refused anything there.
        raise ValidationError(NO_REFUSAL_AT_POINT, field="reason", code="no_refusal_at_point")
    # A visit may hand over several orders: a shopper's two orders at one door, or every
    # order for a pickup point. Each is sent on, not only the first.
    orders = list({s.merchant_order.order_id: s.merchant_order.order for s in stops}.values())
    order = orders[0]
    point: PickupPoint | None = None
    if then is AfterFailure.PICKUP_POINT:
        point = session.get(PickupPoint, pickup_point_id) if pickup_point_id else None
        if point is None or point.territory_id != territory_id or not point.active:
            raise ValidationError("Choisissez un point de retrait.", field="pickup_point")
        if any(
            o.delivery_method is DeliveryMethod.PICKUP_POINT and o.pickup_point_id == point.id
            for o in orders
        ):
            raise ValidationError(
                "Le colis est déjà destiné à ce point de retrait.", field="pickup_point"
            )
        if not open_on(point, stop.run.plan.date):
            raise ValidationError(
                POINT_CLOSED_THAT_DAY, field="pickup_point", code="point_closed_that_day"
            )
    actor = Actor(user_id=courier_id)
    _record_failed(uow, stops, courier_id, reason, now)
    run = stop.run
    if then is AfterFailure.RETURN_TO_SHOP:
        sent_back, returned = _send_back(uow, territory_id, stops, actor, reason, now)
        uow.commit()
        return FailureOutcome(
            AfterFailure.RETURN_TO_SHOP, None, orders=sent_back, returned=returned
        )
    if point is not None:
        zone = ZoneInfo(session.get_one(Territory, territory_id).timezone)
        _add_point_stops(run, stops, point, zone)
        for o in orders:
            redirect_delivery(
                uow=uow, order_id=o.id, actor=actor, pickup_point_id=point.id, reason=reason,
                commit=False,
            )  # fmt: skip
        uow.commit()
        return FailureOutcome(AfterFailure.PICKUP_POINT, run.plan.date, point.name)
    # One door or one point: one commune, so one next round for all of them.
    insee = order.pickup_point.insee_code if order.pickup_point else order.insee_code
    # A failure recorded late (the courier's phone was offline, the round ran past
    # midnight) still goes to a round that is yet to come.
    territory = session.get(Territory, territory_id)
    assert territory is not None  # the stop was found in it
    recorded_on = max(now, received or now).astimezone(ZoneInfo(territory.timezone)).date()
    # The courier leaves the parcels at the depot the run ends at.
    date = calendar.next_run_day(
        session, territory_id, insee, max(run.plan.date, recorded_on), depot_id=run.depot_id
    )
    for o in orders:
        redirect_delivery(
            uow=uow, order_id=o.id, actor=actor, date=date, reason=reason, commit=False
        )
    uow.commit()
    return FailureOutcome(AfterFailure.NEXT_ROUND, date)


def open_on(point: PickupPoint, day: dt.date) -> bool:
    """Whether ``point`` takes parcels on ``day``: a point that has not given its hours
    takes them any day."""
    return not point.opening_hours or bool(point.opening_windows(day.weekday()))


def _visit_orders(session: Session, territory_id: int, courier_id: int, stop_id: int) -> list[int]:
    """The orders of the deliveries still to do at ``stop_id``'s visit."""
    stop = courier_stop(session, territory_id=territory_id, courier_id=courier_id, stop_id=stop_id)
    return sorted({s.merchant_order.order_id for s in _open(visit_of(stop), StopKind.DELIVER)})


#: The time reckoned for a stop on the way (the previous one's service, the drop itself).
_DROP_SECONDS = 120


def _add_point_stops(run: RoundRun, failed: list[Stop], point: PickupPoint, zone: ZoneInfo) -> None:
    """Add a drop at ``point`` for the failed merchant orders where it lengthens the rest of
    the run least (straight-line estimate: the next planning re-times everything)."""
    lat = point.lat if point.lat is not None else failed[0].lat
    lon = point.lon if point.lon is not None else failed[0].lon
    stops = run.stops
    after = max(stops.index(s) for s in failed)
    rest = stops[after + 1 :]
    path = [stops[after], *[s for s in rest if s.is_open]]
    points = [(s.lat, s.lon) for s in path] + [(lat, lon), (run.depot.lat, run.depot.lon)]
    travel = GreatCircleDistances().matrices(points)
    new, depot = len(path), len(path) + 1
    best, best_cost = len(path), None
    for i in range(len(path)):
        nxt = i + 1 if i + 1 < len(path) else None
        cost = int(travel.metres[i, new]) + (
            int(travel.metres[new, nxt]) - int(travel.metres[i, nxt]) if nxt is not None else 0
        )
        if best_cost is None or cost < best_cost:
            best, best_cost = i + 1, cost
    previous = path[best - 1]
    arrival = previous.expected_start + dt.timedelta(
        seconds=int(travel.seconds[best - 1, new]) + _DROP_SECONDS
    )
    # The way back moves with the detour: the return the pages show comes after the drop.
    if best == len(path):
        back = arrival + dt.timedelta(seconds=_DROP_SECONDS + int(travel.seconds[new, depot]))
    elif run.return_time is not None:
        i, nxt = best - 1, best
        detour = (
            int(travel.seconds[i, new]) + _DROP_SECONDS + int(travel.seconds[new, nxt])
            - int(travel.seconds[i, nxt])
        )  # fmt: skip
        back = run.return_time + dt.timedelta(seconds=max(0, detour))
    else:
        back = None
    if back is not None and (run.return_time is None or back > run.return_time):
        run.return_time = back
    # After the whole of ``previous``'s visit: its stops already closed (an order left at
    # its shop) are not on the path, and a drop put before them would split the visit.
    insert_at = stops.index(visit_of(previous)[-1]) + 1
    address = f"{point.address}, {point.postal_code} {point.city}"
    # The point's hours that day, as planning writes them (« Point ouvert : 8 h 30 – 12 h »).
    date = run.plan.date
    early, late = point_window(point, date, 0) or (0, NO_LIMIT)
    window_start = to_datetime(date, zone, early) if early > 0 else None
    window_end = to_datetime(date, zone, late) if late < NO_LIMIT else None
    for offset, s in enumerate(failed):
        stops.insert(
            insert_at + offset,
            Stop(
                kind=StopKind.DELIVER,
                merchant_order_id=s.merchant_order_id,
                sequence=0,
                place_name=point.name[:160],
                address=address[:300],
                lat=lat,
                lon=lon,
                approximate=point.lat is None,
                pickup_point_id=point.id,
                expected_arrival=arrival,
                expected_start=arrival,
                window_start=window_start,
                window_end=window_end,
                parcels=s.parcels,
            ),
        )
    for sequence, s in enumerate(stops, start=1):
        s.sequence = sequence


def _returning_visit(
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    kind: StopKind | None,
    *,
    now: dt.datetime,
    today: dt.date | None,
) -> tuple[Stop, list[Stop]]:
    """The courier's return stop and the open stops of its visit (of ``kind``, or of its
    own kind when None), one tap at a time, on the run's day or after."""
    _one_at_a_time(uow, stop_id)
    stop = courier_stop(
        uow.session, territory_id=territory_id, courier_id=courier_id, stop_id=stop_id
    )
    _check_its_day(uow.session, stop, today, now)
    if not stop.kind.returning:
        raise ValidationError("Cet arrêt n'est pas un retour de colis.")
    stops = _open(visit_of(stop), kind or stop.kind)
    if not stops:
        raise AlreadyRecorded(
            "Cette reprise est déjà enregistrée."
            if stop.kind is StopKind.TAKE_BACK
            else "Ce retour est déjà enregistré."
        )
    return stop, stops


def take_back(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> int:
    """At a pickup point, the courier took the returned parcels the point's staff kept
    aside: they travel with the courier now (``returns.taken_from_point``). Returns how many
    merchant orders."""
    now = now or utcnow()
    stop, stops = _returning_visit(
        uow, territory_id, courier_id, stop_id, StopKind.TAKE_BACK, now=now, today=today
    )
    for s in stops:
        returns.taken_from_point(uow.session, s.merchant_order_id)
        _done(s, StopStatus.DONE, courier_id, now)
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=courier_id),
        action="delivery.taken_back",
        subject=stop.place_name,
        details={"merchant_orders": [s.merchant_order.reference for s in stops]},
    )
    uow.commit()
    return len(stops)


def bring_back(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> int:
    """At the shop, the courier gave the returned parcels back: they are at the shop again
    (``returns.back_at_shop``, recorded as said by the courier); the merchant then decides
    whether the goods go back on sale. Returns how many merchant orders."""
    now = now or utcnow()
    _, stops = _returning_visit(
        uow, territory_id, courier_id, stop_id, StopKind.BRING_BACK, now=now, today=today
    )
    for s in stops:
        if any(
            other.kind is StopKind.TAKE_BACK
            and other.merchant_order_id == s.merchant_order_id
            and other.is_open
            for other in s.run.stops
        ):
            mo = s.merchant_order
            raise NotReady(
                detail=f"Les colis de la commande {mo.reference} n'ont pas été repris au point "
                "de retrait : enregistrez d'abord la reprise.",
                at="bring_back",
                references=mo.reference,
                shop=mo.merchant.trade_name,
                count=1,
            )
    actor = Actor(user_id=courier_id)
    for s in stops:
        _done(s, StopStatus.DONE, courier_id, now)
        returns.back_at_shop(
            uow=uow, territory_id=territory_id, merchant_order_id=s.merchant_order_id,
            actor=actor, now=now, commit=False,
        )  # fmt: skip
    uow.commit()
    return len(stops)


def return_failed(
    *,
    uow: UnitOfWork,
    territory_id: int,
    courier_id: int,
    stop_id: int,
    reason: str,
    now: dt.datetime | None = None,
    today: dt.date | None = None,
) -> int:
    """The returned parcels could not be taken back at the point, or given back at the
    shop (closed, nobody there): the visit's stops fail with the reason, and so does the
    rest of their way back on this run. The parcels stay where they are (at the point, or
    with the courier, who leaves them at the depot); the planning of another day takes them.
    Returns how many merchant orders."""
    now = now or utcnow()
    if not reason.strip():
        raise ValidationError("Indiquez ce qui s'est passé.", field="reason")
    stop, stops = _returning_visit(
        uow, territory_id, courier_id, stop_id, None, now=now, today=today
    )
    failed = {s.merchant_order_id for s in stops}
    for s in stops:
        _done(s, StopStatus.FAILED, courier_id, now, reason)
    for other in stop.run.stops:
        if other.kind.returning and other.merchant_order_id in failed and other.is_open:
            other.status, other.reason = StopStatus.FAILED, reason.strip()[:300]
    record(
        uow.session,
        territory_id=territory_id,
        actor=Actor(user_id=courier_id),
        action="delivery.return_failed",
        subject=stop.place_name,
        details={
            "merchant_orders": [s.merchant_order.reference for s in stops],
            "reason": reason.strip(),
        },
    )
    uow.commit()
    return len(stops)
