"""Orders paid by hand: cash or a cheque taken at the door by the courier, or in the shop by
the merchant at a click-and-collect pickup.

One :class:`OfflinePayment` per merchant order, for its final total (weighed lines
included). The order is *paid* once every part still to be served is. Money a courier takes
is theirs to bring back: the operator confirms the hand-in (:func:`hand_in`), then pays the
shops; so is money a pickup point's staff takes (:func:`held_at_points`,
:func:`hand_in_point`); money a merchant takes in the shop stays there and counts as handed
in. Each month, :func:`statement` gives every shop's balance (taken for it minus the
commission) and :func:`settle_month` records that the operator settled it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.audit.services import Actor, record
from shop_core.errors import InvalidTransition, NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.delivery_codes import CheckedCode, WrongDeliveryCode, check_code
from shop_core.orders.history import NOT_SERVED
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver, ShopPayout
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import PickupPoint, Territory

#: Who keeps the money for the operator until handing it in.
_HANDED_IN_LATER = (Receiver.COURIER, Receiver.POINT)


def means_from(value: str | None) -> PaymentMeans | None:
    """The means typed in a form (``cash``, ``cheque``), or None."""
    try:
        return PaymentMeans(value) if value else None
    except ValueError:
        return None


def to_take(merchant_order: MerchantOrder) -> int:
    """What the shopper pays by hand for this part when it is handed over: its total for an
    order paid on delivery or pickup, 0 when it was paid online."""
    if merchant_order.order.payment_method is PaymentMethod.OFFLINE:
        return merchant_order.total_incl_cents
    return 0


def require_means(merchant_orders: Iterable[MerchantOrder], means: PaymentMeans | None) -> None:
    """Refuse to hand these over without saying how the shopper paid, when one of them is
    to be paid by hand (check before recording anything)."""
    if means is None and any(to_take(mo) for mo in merchant_orders):
        raise ValidationError(
            "Indiquez comment le client a payé : espèces ou chèque.", field="means"
        )


class CodeAndMeansRefused(WrongDeliveryCode):
    """A hand-over whose code is refused (missing or wrong) and whose payment means is
    missing too: both are said at once, each by its field (``code_error``,
    ``means_error``), rather than the second on the next try. A ``WrongDeliveryCode``
    still, worded as the code's refusal, for whoever shows only that."""

    code = "code_and_means_refused"

    def __init__(self, code_error: WrongDeliveryCode, means_error: ValidationError) -> None:
        super().__init__(code_error.message)
        self.code_error = code_error
        self.means_error = means_error


def check_hand_over(
    orders: Iterable[Order],
    code: str,
    merchant_orders: Iterable[MerchantOrder],
    means: PaymentMeans | None,
) -> CheckedCode:
    """Check what a hand-over needs before anything is recorded: the shopper's code for
    ``orders`` (``check_code``) and, when one of ``merchant_orders`` is paid by hand, how
    (``require_means``); both refused at once raise :class:`CodeAndMeansRefused`."""
    merchant_orders = list(merchant_orders)
    try:
        checked = check_code(orders, code)
    except WrongDeliveryCode as code_error:
        try:
            require_means(merchant_orders, means)
        except ValidationError as means_error:
            raise CodeAndMeansRefused(code_error, means_error) from None
        raise
    require_means(merchant_orders, means)
    return checked


def payments_for(session: Session, merchant_order_ids: Iterable[int]) -> dict[int, OfflinePayment]:
    """The hand payments of these merchant orders, by merchant order id."""
    ids = set(merchant_order_ids)
    if not ids:
        return {}
    rows = session.scalars(select(OfflinePayment).where(OfflinePayment.merchant_order_id.in_(ids)))
    return {p.merchant_order_id: p for p in rows}


def take_payment(
    session: Session,
    *,
    merchant_order: MerchantOrder,
    means: PaymentMeans | None,
    actor: Actor,
    now: dt.datetime,
    receiver: Receiver,
) -> OfflinePayment | None:
    """Record that the shopper paid this part by hand (in the caller's transaction).

    Nothing to record for a part paid online (returns None); a part already paid keeps its
    payment. A courier or a pickup point hands the money in later (:func:`hand_in`); the
    operator's team and the merchant hold it from the start.
    """
    amount = to_take(merchant_order)
    if not amount:
        return None
    existing = payments_for(session, [merchant_order.id]).get(merchant_order.id)
    if existing is not None:
        return existing
    require_means([merchant_order], means)
    payment = OfflinePayment(
        merchant_order_id=merchant_order.id,
        amount_cents=amount,
        means=means,
        received_by_id=actor.user_id,
        received_at=now,
        receiver=receiver,
        handed_in_at=None if receiver in _HANDED_IN_LATER else now,
        handed_in_to_id=None if receiver in _HANDED_IN_LATER else actor.user_id,
    )
    session.add(payment)
    session.flush()
    mark_paid_if_settled(session, merchant_order.order)
    return payment


def mark_paid_if_settled(session: Session, order: Order) -> None:
    """An order paid by hand is *paid* once every part it still sells is: after the last
    payment, or when the only part left unpaid goes back to its shop."""
    if order.payment_method is not PaymentMethod.OFFLINE:
        return
    parts = [mo.id for mo in order.merchant_orders if mo.status not in NOT_SERVED]
    if parts and set(parts) <= set(payments_for(session, parts)):
        order.payment_status = PaymentStatus.PAID


def hand_over_at_shop(
    *,
    uow: UnitOfWork,
    merchant_order_id: int,
    merchant_id: int,
    code: str,
    means: PaymentMeans | None,
    actor: Actor,
    now: dt.datetime | None = None,
) -> None:
    """Click and collect: the shopper takes the order at the shop against their delivery
    code and, when it is paid on pickup, pays the merchant there (``means``), who keeps the
    money. Nothing is recorded when the code or the means is missing."""
    now = now or utcnow()
    uow.lock_row(MerchantOrder, merchant_order_id)  # a double tap hands over once
    merchant_order = uow.session.get(MerchantOrder, merchant_order_id)
    if merchant_order is None or merchant_order.merchant_id != merchant_id:
        raise NotFound(what="Commande")
    if merchant_order.order.delivery_method is not DeliveryMethod.CLICK_COLLECT:
        raise ValidationError("Cette commande part avec le livreur : il la prendra à la boutique.")
    if merchant_order.status is not MerchantOrderStatus.READY:  # e.g. handed over already
        raise InvalidTransition(
            current=merchant_order.status.value, target=MerchantOrderStatus.PICKED_UP.value
        )
    checked = check_hand_over([merchant_order.order], code, [merchant_order], means)
    take_payment(
        uow.session, merchant_order=merchant_order, means=means, actor=actor, now=now,
        receiver=Receiver.SHOP,
    )  # fmt: skip
    transition(  # commits the payment with the move
        uow=uow, merchant_order_id=merchant_order_id, target=MerchantOrderStatus.PICKED_UP,
        actor=actor, now=now, checked=checked,
    )  # fmt: skip


def hand_in(
    session: Session, *, payments: Iterable[OfflinePayment], actor: Actor, now: dt.datetime
) -> int:
    """The operator received this money from the courier or the point: returns the amount
    (cents) newly handed in; payments already handed in are left as they were."""
    total = 0
    for payment in payments:
        if payment.handed_in_at is None:
            payment.handed_in_at = now
            payment.handed_in_to_id = actor.user_id
            total += payment.amount_cents
    return total


@dataclass(frozen=True)
class HeldAtPoint:
    """The money a pickup point's staff took for orders paid on pickup and keeps for the
    operator: the payments, by means, and since when the oldest waits."""

    point_id: int
    point_name: str
    payments: tuple[OfflinePayment, ...]
    orders: int
    """Shopper orders paid (one payment per shop order of each)."""
    since: dt.datetime

    @property
    def total_cents(self) -> int:
        return sum(p.amount_cents for p in self.payments)

    @property
    def means(self) -> Mapping[PaymentMeans, int]:
        return by_means(self.payments)


def held_at_points(
    session: Session, *, territory_id: int, point_id: int | None = None
) -> list[HeldAtPoint]:
    """Per pickup point of the territory (or just ``point_id``), the money its staff took
    and has not handed to the operator yet, by point name; points holding nothing are left
    out."""
    query = (
        select(OfflinePayment, Order, PickupPoint)
        .join(MerchantOrder, OfflinePayment.merchant_order_id == MerchantOrder.id)
        .join(Order, MerchantOrder.order_id == Order.id)
        .join(PickupPoint, Order.pickup_point_id == PickupPoint.id)
        .where(
            Order.territory_id == territory_id,
            OfflinePayment.receiver == Receiver.POINT,
            OfflinePayment.handed_in_at.is_(None),
        )
        .order_by(OfflinePayment.received_at, OfflinePayment.id)
    )
    if point_id is not None:
        query = query.where(PickupPoint.id == point_id)
    payments: dict[int, list[OfflinePayment]] = defaultdict(list)
    orders: dict[int, set[int]] = defaultdict(set)
    points: dict[int, PickupPoint] = {}
    for payment, order, point in session.execute(query):
        payments[point.id].append(payment)
        orders[point.id].add(order.id)
        points[point.id] = point
    held = [
        HeldAtPoint(
            point_id=pid,
            point_name=points[pid].name,
            payments=tuple(paid),
            orders=len(orders[pid]),
            since=paid[0].received_at,
        )
        for pid, paid in payments.items()
    ]
    return sorted(held, key=lambda h: h.point_name.lower())


def hand_in_point(
    *,
    uow: UnitOfWork,
    territory_id: int,
    point_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """The operator collected from the pickup point what its staff took for orders paid on
    pickup: every such payment not handed in yet is marked handed in to ``actor``. Returns
    the amount (cents)."""
    now = now or utcnow()
    uow.lock_row(PickupPoint, point_id)  # a double click hands in once
    point = uow.session.get(PickupPoint, point_id)
    if point is None or point.territory_id != territory_id:
        raise NotFound(what="Point de retrait")
    held = held_at_points(uow.session, territory_id=territory_id, point_id=point_id)
    amount = hand_in(uow.session, payments=held[0].payments if held else (), actor=actor, now=now)
    if not amount:
        raise ValidationError("Ce point de retrait n'a pas d'argent à remettre.")
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="payments.point_cash_handed_in",
        subject=point.name,
        details={"amount_cents": amount, "orders": held[0].orders},
    )
    uow.commit()
    return amount


def by_means(payments: Iterable[OfflinePayment]) -> Mapping[PaymentMeans, int]:
    """Amounts (cents) per means, in the order cash, cheque; means with nothing left out."""
    sums = {means: 0 for means in PaymentMeans}
    for payment in payments:
        sums[payment.means] += payment.amount_cents
    return {means: cents for means, cents in sums.items() if cents}


@dataclass(frozen=True)
class ShopStatement:
    """One shop's orders paid by hand over a period: who holds the money, and what the
    platform owes the shop once its commission is taken (negative: the shop owes it)."""

    merchant_id: int
    merchant: str
    orders: int
    taken_cents: int
    kept_by_shop_cents: int
    """Taken in the shop (click and collect): the shop has it."""
    held_by_platform_cents: int
    """Taken by the couriers and the operator's team: the platform owes it to the shop."""
    with_couriers_cents: int
    """Of which still with a courier or at a pickup point, not handed in yet."""
    commission_cents: int
    """The platform's commission on all these orders."""
    settled_cents: int = 0
    """What the operator already settled with the shop for the month."""
    settled_at: dt.datetime | None = None

    @property
    def due_to_shop_cents(self) -> int:
        return self.held_by_platform_cents - self.commission_cents

    @property
    def to_settle_cents(self) -> int:
        """What is left to pay the shop (negative: to receive from it)."""
        return self.due_to_shop_cents - self.settled_cents


def month_bounds(month: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``month`` and of the next one, in the territory's time zone."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = ZoneInfo(timezone)
    return dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(
        following, dt.time(), zone
    )


def statement(
    session: Session,
    *,
    territory_id: int,
    month: dt.date,
    merchant_id: int | None = None,
) -> list[ShopStatement]:
    """Per shop of the territory (or just ``merchant_id``), the payments taken by hand in
    ``month`` (on the territory's clock) and what was settled for it, by shop name."""
    territory = session.get(Territory, territory_id)
    if territory is None:
        return []
    start, end = month_bounds(month, territory.timezone)
    query = (
        select(OfflinePayment, MerchantOrder, Merchant)
        .join(MerchantOrder, OfflinePayment.merchant_order_id == MerchantOrder.id)
        .join(Merchant, MerchantOrder.merchant_id == Merchant.id)
        .where(
            Merchant.territory_id == territory_id,
            OfflinePayment.received_at >= start,
            OfflinePayment.received_at < end,
        )
    )
    if merchant_id is not None:
        query = query.where(Merchant.id == merchant_id)
    rows: dict[int, list[tuple[OfflinePayment, MerchantOrder]]] = defaultdict(list)
    names: dict[int, str] = {}
    for payment, mo, merchant in session.execute(query):
        rows[merchant.id].append((payment, mo))
        names[merchant.id] = merchant.trade_name
    payouts: dict[int, list[ShopPayout]] = defaultdict(list)
    for payout in session.scalars(
        select(ShopPayout)
        .where(ShopPayout.merchant_id.in_(rows), ShopPayout.month == month.replace(day=1))
        .order_by(ShopPayout.paid_at)
    ):
        payouts[payout.merchant_id].append(payout)
    statements = []
    for mid, paid in rows.items():
        platform = [p for p, _ in paid if p.receiver is not Receiver.SHOP]
        statements.append(
            ShopStatement(
                merchant_id=mid,
                merchant=names[mid],
                orders=len(paid),
                taken_cents=sum(p.amount_cents for p, _ in paid),
                kept_by_shop_cents=sum(
                    p.amount_cents for p, _ in paid if p.receiver is Receiver.SHOP
                ),
                held_by_platform_cents=sum(p.amount_cents for p in platform),
                with_couriers_cents=sum(p.amount_cents for p in platform if p.handed_in_at is None),
                commission_cents=sum(mo.commission_cents for _, mo in paid),
                settled_cents=sum(p.amount_cents for p in payouts[mid]),
                settled_at=payouts[mid][-1].paid_at if payouts[mid] else None,
            )
        )
    return sorted(statements, key=lambda st: st.merchant.lower())


def settle_month(
    *,
    uow: UnitOfWork,
    territory_id: int,
    merchant_id: int,
    month: dt.date,
    actor: Actor,
    now: dt.datetime | None = None,
) -> int:
    """The operator paid the shop what is left of its balance for ``month`` (or received
    what the shop owed): records it and returns the amount (cents; negative when received).
    Money still with a courier waits: settle once it is handed in."""
    now = now or utcnow()
    uow.lock_row(Merchant, merchant_id)  # a double click pays the shop once
    merchant = uow.session.get(Merchant, merchant_id)
    if merchant is None or merchant.territory_id != territory_id:
        raise NotFound(what="Boutique")
    found = statement(uow.session, territory_id=territory_id, month=month, merchant_id=merchant_id)
    if not found or not found[0].to_settle_cents:
        raise ValidationError("Rien à régler pour cette boutique ce mois-ci.")
    if found[0].with_couriers_cents:
        raise ValidationError(
            "Une partie de l'argent est encore chez les livreurs ou aux points de retrait : "
            "réglez une fois qu'elle a été remise."
        )
    amount = found[0].to_settle_cents
    uow.session.add(
        ShopPayout(
            merchant_id=merchant_id,
            month=month.replace(day=1),
            amount_cents=amount,
            paid_at=now,
            paid_by_id=actor.user_id,
        )
    )
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="payments.shop_settled",
        subject=f"{merchant.trade_name} {month.strftime('%Y-%m')}",
        details={"amount_cents": amount},
        merchant_id=merchant_id,
    )
    uow.commit()
    return amount
