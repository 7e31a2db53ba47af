"""Checkout and the merchant order lifecycle."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from shop_core.audit.services import Actor, record
from shop_core.carts.model import Cart
from shop_core.catalogue.model import Product
from shop_core.errors import (
    ClosedThen,
    DomainError,
    EmptyBasket,
    InvalidDeliveryChoice,
    InvalidTransition,
    MerchantUnavailable,
    NotFound,
    OpensAfterSlot,
    OutOfStock,
    PointClosedThen,
    ProductUnavailable,
    ValidationError,
    WeightOutOfTolerance,
)
from shop_core.merchants.model import Merchant
from shop_core.money import round_half_up
from shop_core.orders import lifecycle
from shop_core.orders.delivery_codes import CheckedCode
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    MerchantOrderVat,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
    StatusChange,
)
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.pricing import line_total_cents
from shop_core.stock import services as stock
from shop_core.stock.model import ReservationStatus, StockReservation
from shop_core.territories.model import PickupPoint, Territory
from shop_core.vat import FranchiseVatPolicy, VatPolicy

#: How long an online payment may take before the reserved stock goes back on sale.
DEFAULT_RESERVATION_TTL = dt.timedelta(minutes=30)


class PricesChanged(DomainError):
    code = "prices_changed"
    template = "Des prix ont changé depuis l'affichage de votre panier : vérifiez le total."


@dataclass(frozen=True, slots=True)
class Customer:
    """Who orders: name, e-mail, phone (snapshotted on the order).

    ``placed_by_id`` is the operator taking the order for the shopper (« commande
    assistée »): the shopper then pays at delivery or pickup, may have no e-mail (a phone
    is needed instead), and the order is audited as "operator X for shopper Y".
    """

    name: str
    email: str
    phone: str = ""
    user_id: int | None = None
    placed_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryAddress:
    recipient: str
    line1: str
    postal_code: str
    city: str
    line2: str = ""
    insee_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    approximate: bool = False
    instructions: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryChoice:
    """Home delivery on a date and slot, a pickup point, or click & collect at the shops."""

    method: DeliveryMethod
    date: dt.date
    slot: str | None = None
    pickup_point_id: int | None = None
    address: DeliveryAddress | None = None


def earliest_date(territory: Territory, now: dt.datetime) -> dt.date:
    """The first day an order placed at ``now`` can be delivered or collected.

    Before the territory's cut-off time (local time) it is the next day; after it, the day
    after. Whether a round runs that day is the delivery module's concern.
    """
    local = now.astimezone(ZoneInfo(territory.timezone))
    days = 1 if local.time() < territory.order_cutoff else 2
    return local.date() + dt.timedelta(days=days)


def _check_delivery(
    uow: UnitOfWork,
    territory: Territory,
    merchants: list[Merchant],
    choice: DeliveryChoice,
    now: dt.datetime,
) -> PickupPoint | None:
    first = earliest_date(territory, now)
    if choice.date < first:
        raise InvalidDeliveryChoice(
            detail=f"La première date possible est le {first.strftime('%d/%m/%Y')}.",
            reason="too_early",
            first=first.isoformat(),
        )
    if choice.date > first + dt.timedelta(days=60):
        raise InvalidDeliveryChoice(detail="Choisissez une date dans les deux prochains mois.")
    for merchant in merchants:  # on holiday that day: nothing to collect, nothing to hand
        closure = merchant.closure_on(choice.date)
        if closure is not None:
            raise ClosedThen(merchant=merchant.trade_name, starts=closure.starts, ends=closure.ends)
    if choice.method is DeliveryMethod.HOME:
        address = choice.address
        if address is None:
            raise InvalidDeliveryChoice(detail="Indiquez l'adresse de livraison.")
        if not address.recipient.strip() or not address.line1.strip():
            raise InvalidDeliveryChoice(detail="Indiquez le destinataire et l'adresse.")
        if not territory.delivers_home_to(
            insee_code=address.insee_code, postal_code=address.postal_code
        ):
            raise InvalidDeliveryChoice(
                detail=f"La commune {address.city} n'est pas desservie par la livraison à "
                "domicile : choisissez un point de retrait.",
                reason="commune_not_delivered",
                city=address.city,
            )
        slots = {s.code: s for s in territory.delivery_slots}
        if slots and choice.slot not in slots:
            raise InvalidDeliveryChoice(detail="Choisissez un créneau de livraison.")
        if choice.slot in slots:
            _check_open_before(merchants, choice.date, slots[choice.slot].ends)
        return None
    if choice.method is DeliveryMethod.PICKUP_POINT:
        point = (
            uow.session.get(PickupPoint, choice.pickup_point_id)
            if choice.pickup_point_id is not None
            else None
        )
        if point is None or point.territory_id != territory.id or not point.active:
            raise InvalidDeliveryChoice(detail="Choisissez un point de retrait.")
        if point.opening_hours and not point.opening_windows(choice.date.weekday()):
            # Its weekly hours say closed that day: nobody takes the parcels in.
            raise PointClosedThen(
                point=point.name, day=choice.date, opens=point.first_open_day(choice.date)
            )
        return point
    for merchant in merchants:
        if not merchant.click_and_collect:
            raise InvalidDeliveryChoice(
                detail=f"« {merchant.trade_name} » ne propose pas le retrait en boutique.",
                reason="no_click_and_collect",
                merchant=merchant.trade_name,
            )
        if merchant.is_closed_on(choice.date):
            raise InvalidDeliveryChoice(
                detail=f"« {merchant.trade_name} » est fermé le jour choisi.",
                reason="shop_closed",
                merchant=merchant.trade_name,
            )
    return None


def opens_after_slot(
    merchants: Iterable[Merchant], date: dt.date, slot_ends: dt.time
) -> tuple[Merchant, dt.time] | None:
    """The first of ``merchants`` that opens on ``date`` only once a delivery slot ending
    at ``slot_ends`` is over (a courier cannot bring what is collected after it), with its
    first opening; None when every one opens in time. Shops without opening hours, or
    closed that day (the planning reports those), are not judged here."""
    for merchant in merchants:
        windows = merchant.opening_windows(date.weekday()) if merchant.opening_hours else []
        if windows and all(opens >= slot_ends for opens, _ in windows):
            return merchant, min(opens for opens, _ in windows)
    return None


def _check_open_before(merchants: list[Merchant], date: dt.date, slot_ends: dt.time) -> None:
    """Every shop open on ``date`` opens before the delivery slot ends (``OpensAfterSlot``,
    see :func:`opens_after_slot`)."""
    late = opens_after_slot(merchants, date, slot_ends)
    if late is not None:
        merchant, first = late
        raise OpensAfterSlot(merchant=merchant.trade_name, opens=first.strftime("%H:%M"))


def _new_reference(territory: Territory, now: dt.datetime) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    suffix = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"{territory.slug[:3].upper()}-{now:%y%m%d}-{suffix}"


def _policy_for(merchant: Merchant, policy: VatPolicy | None) -> VatPolicy:
    if merchant.vat_franchise:
        return FranchiseVatPolicy()
    return policy or VatPolicy()


def _apply_totals(mo: MerchantOrder, commission_bp: int, policy: VatPolicy) -> None:
    mo.commission_rate_bp = commission_bp
    breakdown = policy.breakdown((line.vat_rate, line.total_incl_cents) for line in mo.lines)
    # Update rows in place: replacing them would insert before deleting and collide with
    # the (merchant order, rate) unique constraint.
    existing = {v.rate: v for v in mo.vat_lines}
    for v in breakdown.lines:
        row = existing.pop(v.rate, None)
        if row is None:
            row = MerchantOrderVat(rate=v.rate)
            mo.vat_lines.append(row)
        row.excl_cents, row.vat_cents, row.incl_cents = v.excl_cents, v.vat_cents, v.incl_cents
    for row in existing.values():
        mo.vat_lines.remove(row)
    mo.total_excl_cents = breakdown.excl_cents
    mo.total_vat_cents = breakdown.vat_cents
    mo.total_incl_cents = breakdown.incl_cents
    mo.commission_cents = round_half_up(
        Decimal(breakdown.incl_cents) * commission_bp / Decimal(10000)
    )


def _apply_order_totals(order: Order) -> None:
    live = [mo for mo in order.merchant_orders]
    order.total_excl_cents = sum(mo.total_excl_cents for mo in live)
    order.total_vat_cents = sum(mo.total_vat_cents for mo in live)
    order.total_incl_cents = sum(mo.total_incl_cents for mo in live)
    order.commission_cents = sum(mo.commission_cents for mo in live)


def checkout(
    *,
    uow: UnitOfWork,
    cart_id: int,
    customer: Customer,
    delivery: DeliveryChoice,
    payment_method: PaymentMethod = PaymentMethod.OFFLINE,
    idempotency_key: str | None = None,
    expected_total_cents: int | None = None,
    vat_policy: VatPolicy | None = None,
    reservation_ttl: dt.timedelta = DEFAULT_RESERVATION_TTL,
    now: dt.datetime | None = None,
) -> int:
    """Turn a basket into an order with one merchant order per merchant; returns its id.

    Stock is reserved atomically (see :mod:`shop_core.stock.services`): either every line is
    reserved and the order exists, or nothing is written. With ``idempotency_key``, a repeated
    call returns the order the first call created. With ``expected_total_cents`` (the total the
    shopper was shown), a price change raises ``PricesChanged`` instead of charging a surprise.
    """
    now = now or utcnow()
    if idempotency_key:
        _wait_for_same_request(uow, idempotency_key)
        existing = uow.session.scalar(
            select(Order.id).where(Order.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    try:
        return _checkout(
            uow,
            cart_id,
            customer,
            delivery,
            payment_method,
            idempotency_key,
            expected_total_cents,
            vat_policy,
            reservation_ttl,
            now,
        )
    except IntegrityError:
        # A concurrent request with the same idempotency key won the race.
        uow.rollback()
        if idempotency_key:
            existing = uow.session.scalar(
                select(Order.id).where(Order.idempotency_key == idempotency_key)
            )
            if existing is not None:
                return existing
        raise


def _wait_for_same_request(uow: UnitOfWork, idempotency_key: str) -> None:
    """Let a checkout with the same key that is still running finish first.

    Without it, a double submission that looks for the order just before the first one
    commits, then reads the basket just after, finds it emptied and answers "empty basket"
    although the order exists. On PostgreSQL a transaction-scoped advisory lock on the key
    serialises both; the next statement (READ COMMITTED) sees the first one's order. SQLite
    serialises writers with ``BEGIN IMMEDIATE``.
    """
    if uow.dialect == "postgresql":
        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"checkout:{idempotency_key}"},
        )
    else:
        uow.begin_write()


def _checkout(
    uow: UnitOfWork,
    cart_id: int,
    customer: Customer,
    delivery: DeliveryChoice,
    payment_method: PaymentMethod,
    idempotency_key: str | None,
    expected_total_cents: int | None,
    vat_policy: VatPolicy | None,
    reservation_ttl: dt.timedelta,
    now: dt.datetime,
) -> int:
    session = uow.session
    uow.begin_write()
    cart = session.get(Cart, cart_id)
    if cart is None:
        raise NotFound(what="Panier")
    if not cart.items:
        raise EmptyBasket()
    _check_customer(customer, payment_method)
    territory = session.get(Territory, cart.territory_id)
    assert territory is not None
    quantities = {item.product_id: item.quantity for item in cart.items}
    products = stock.lock_products(session, quantities)
    merchants: dict[int, Merchant] = {}
    for pid in sorted(quantities):
        product = products.get(pid)
        if product is None:
            raise ProductUnavailable(product=f"#{pid}")
        if not product.merchant.is_open_for_orders:
            raise MerchantUnavailable(merchant=product.merchant.trade_name)
        if not product.on_sale:
            raise ProductUnavailable(product=product.name)
        merchants[product.merchant_id] = product.merchant
    point = _check_delivery(uow, territory, list(merchants.values()), delivery, now)

    expires = now + reservation_ttl if payment_method is PaymentMethod.ONLINE else None
    address = delivery.address if delivery.method is DeliveryMethod.HOME else None
    order = Order(
        territory_id=territory.id,
        reference=_new_reference(territory, now),
        user_id=customer.user_id,
        placed_by_id=customer.placed_by_id,
        idempotency_key=idempotency_key,
        customer_name=customer.name.strip(),
        customer_email=customer.email.strip().lower(),
        customer_phone=customer.phone.strip(),
        delivery_method=delivery.method,
        delivery_date=delivery.date,
        delivery_slot=delivery.slot if delivery.method is DeliveryMethod.HOME else None,
        pickup_point_id=point.id if point else None,
        delivery_code=f"{secrets.randbelow(10000):04d}",
        payment_method=payment_method,
        payment_status=(
            PaymentStatus.PENDING
            if payment_method is PaymentMethod.ONLINE
            else PaymentStatus.UNPAID
        ),
        reservation_expires_at=expires,
        total_excl_cents=0,
        total_vat_cents=0,
        total_incl_cents=0,
        commission_cents=0,
        placed_at=now,
    )
    if address is not None:
        order.recipient = address.recipient.strip()
        order.address_line1 = address.line1.strip()
        order.address_line2 = address.line2.strip()
        order.postal_code = address.postal_code.strip()
        order.city = address.city.strip()
        order.insee_code = address.insee_code
        order.lat, order.lon = address.lat, address.lon
        order.address_approximate = address.approximate
        order.delivery_instructions = address.instructions.strip()
    elif point is not None:
        order.recipient = customer.name.strip()
        order.address_line1, order.postal_code, order.city = (
            point.address,
            point.postal_code,
            point.city,
        )
        order.insee_code, order.lat, order.lon = point.insee_code, point.lat, point.lon
    session.add(order)

    by_merchant: dict[int, MerchantOrder] = {}
    reservations: list[tuple[MerchantOrder, Product, int]] = []
    for pid in sorted(quantities):
        product, qty = products[pid], quantities[pid]
        mo = by_merchant.get(product.merchant_id) or _mo(order, by_merchant, product.merchant, now)
        if product.track_stock:
            stock.take(session, product, qty)
            reservations.append((mo, product, qty))
        estimated = (product.estimated_weight_g or 0) * qty if product.sold_by_weight else None
        mo.lines.append(
            OrderLine(
                product_id=product.id,
                product_name=product.name,
                unit=product.unit,
                unit_price_cents=product.price_cents,
                vat_rate=product.vat_rate,
                quantity=qty,
                sold_by_weight=product.sold_by_weight,
                estimated_weight_g=estimated,
                weight_tolerance_pct=product.weight_tolerance_pct,
                total_incl_cents=line_total_cents(
                    product.price_cents, product.unit, qty, product.estimated_weight_g
                ),
                no_withdrawal=product.no_withdrawal,
            )
        )
    for mo in by_merchant.values():
        _apply_totals(mo, territory.commission_rate_bp, _policy_for(mo.merchant, vat_policy))
    _apply_order_totals(order)
    if expected_total_cents is not None and expected_total_cents != order.total_incl_cents:
        raise PricesChanged()
    session.flush()
    status = (
        ReservationStatus.ACTIVE
        if payment_method is PaymentMethod.ONLINE
        else ReservationStatus.COMMITTED
    )
    for mo, product, qty in reservations:
        session.add(
            StockReservation(
                merchant_order_id=mo.id,
                product_id=product.id,
                quantity=qty,
                status=status,
                expires_at=expires,
                created_at=now,
            )
        )
    for mo in by_merchant.values():
        mo.history.append(
            StatusChange(
                from_status=None,
                to_status=MerchantOrderStatus.PLACED,
                actor_id=customer.placed_by_id or customer.user_id,
                at=now,
            )
        )
    if customer.placed_by_id is not None:
        record(
            session,
            territory_id=territory.id,
            actor=Actor(user_id=customer.placed_by_id, on_behalf=True),
            action="order.placed_for_shopper",
            subject=order.reference,
            details={"shopper_id": customer.user_id, "order_id": order.id},
        )
    cart.items.clear()
    uow.commit()
    return order.id


def _check_customer(customer: Customer, payment_method: PaymentMethod) -> None:
    if customer.placed_by_id is None:
        if not customer.name.strip() or "@" not in customer.email:
            raise ValidationError("Indiquez votre nom et votre adresse e-mail.", field="customer")
        return
    # Taken over the phone: the shopper may have no e-mail, but must be reachable, and
    # pays at the door or the point (nobody reads a card number out to the operator).
    if not customer.name.strip() or not (customer.phone.strip() or "@" in customer.email):
        raise ValidationError(
            "Indiquez le nom du client et son téléphone ou son e-mail.", field="customer"
        )
    if payment_method is not PaymentMethod.OFFLINE:
        raise ValidationError(
            "Une commande prise pour un client se paie à la livraison ou au retrait.",
            field="payment",
        )


def _mo(
    order: Order, by_merchant: dict[int, MerchantOrder], merchant: Merchant, now: dt.datetime
) -> MerchantOrder:
    mo = MerchantOrder(
        merchant=merchant,
        reference=f"{order.reference}-{len(by_merchant) + 1}",
        status=MerchantOrderStatus.PLACED,
        total_excl_cents=0,
        total_vat_cents=0,
        total_incl_cents=0,
        commission_cents=0,
        commission_rate_bp=0,
        created_at=now,
    )
    order.merchant_orders.append(mo)
    by_merchant[merchant.id] = mo
    return mo


# --- lifecycle -----------------------------------------------------------------------------

#: Called after a successful transition, inside the transaction (e.g. to queue an e-mail).
TransitionHook = Callable[[MerchantOrder, MerchantOrderStatus, MerchantOrderStatus], None]
_hooks: list[TransitionHook] = []


def on_transition(hook: TransitionHook) -> TransitionHook:
    """Register a function called after every merchant order transition (once per function)."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def get_merchant_order(uow: UnitOfWork, merchant_order_id: int) -> MerchantOrder:
    mo = uow.session.get(MerchantOrder, merchant_order_id)
    if mo is None:
        raise NotFound(what="Commande")
    return mo


def hands_to_shopper(mo: MerchantOrder, target: MerchantOrderStatus) -> bool:
    """Whether moving ``mo`` to ``target`` gives its parcels to the shopper, which only
    their delivery code allows: *retirée* (shop, pickup point), *livrée* at the door. A
    courier's drop at a pickup point (*livrée* there) gives them to the point's staff."""
    if target is MerchantOrderStatus.PICKED_UP:
        return True
    return target is MerchantOrderStatus.DELIVERED and (
        mo.order.delivery_method is DeliveryMethod.HOME
    )


class HandOverWithoutCode(ValidationError):
    """A move that hands the parcels to the shopper, asked without their code: it goes
    through a hand-over that checks it (``payments.offline.hand_over_at_shop``,
    ``orders.pickup_points.hand_over_at_point``, ``delivery.stops.deliver``)."""

    def __init__(self) -> None:
        super().__init__(
            "Seule une remise au client, contre son code de livraison, peut marquer cette "
            "commande livrée ou retirée.",
            field="code",
            code="hand_over_without_code",
        )


def _move(
    uow: UnitOfWork,
    mo: MerchantOrder,
    target: MerchantOrderStatus,
    actor: Actor,
    reason: str,
    now: dt.datetime,
    checked: CheckedCode | None = None,
) -> None:
    current = mo.status
    if not lifecycle.can_move(current, target):
        raise InvalidTransition(current=current.value, target=target.value)
    if (
        target is MerchantOrderStatus.ACCEPTED
        and current is MerchantOrderStatus.PLACED
        and (mo.order.payment_method is PaymentMethod.ONLINE)
    ):
        raise InvalidTransition(current=current.value, target=target.value)
    if target is MerchantOrderStatus.HANDED_TO_COURIER and (
        mo.order.delivery_method is DeliveryMethod.CLICK_COLLECT
    ):
        raise InvalidTransition(current=current.value, target=target.value)
    if (
        target is MerchantOrderStatus.PICKED_UP
        and current is MerchantOrderStatus.DELIVERED
        and (mo.order.delivery_method is not DeliveryMethod.PICKUP_POINT)
    ):
        raise InvalidTransition(current=current.value, target=target.value)
    if hands_to_shopper(mo, target) and (checked is None or mo.order_id not in checked.order_ids):
        raise HandOverWithoutCode()
    if target is MerchantOrderStatus.READY:
        missing = [
            ln.product_name for ln in mo.lines if ln.sold_by_weight and ln.final_weight_g is None
        ]
        if missing:
            raise ValidationError(
                "Saisissez le poids final de : " + ", ".join(missing) + ".", field="weight"
            )
    if target in (MerchantOrderStatus.CANCELLED, MerchantOrderStatus.REFUSED) and (
        current in lifecycle.STOCK_RETURNS_ON_CANCEL
    ):
        stock.release_for(uow.session, mo.id, now=now)
    mo.status = target
    mo.updated_at = now
    mo.history.append(
        StatusChange(
            from_status=current,
            to_status=target,
            actor_id=actor.user_id,
            on_behalf=actor.on_behalf,
            reason=reason.strip()[:300],
            at=now,
        )
    )
    if actor.on_behalf:
        record(
            uow.session,
            territory_id=mo.order.territory_id,
            actor=actor,
            action=f"order.{target.value}",
            subject=mo.reference,
            merchant_id=mo.merchant_id,
        )
    if target in lifecycle.COMPLETED:
        from shop_core.invoices.services import issue_invoice

        uow.session.flush()
        issue_invoice(uow.session, mo, issued_on=now.date())
    for hook in _hooks:
        hook(mo, current, target)


def transition(
    *,
    uow: UnitOfWork,
    merchant_order_id: int,
    target: MerchantOrderStatus,
    actor: Actor,
    reason: str = "",
    now: dt.datetime | None = None,
    commit: bool = True,
    checked: CheckedCode | None = None,
) -> None:
    """Move a merchant order to ``target``; an illegal move raises ``InvalidTransition``.

    A move that gives the parcels to the shopper (``hands_to_shopper``) needs ``checked``,
    what ``delivery_codes.check_code`` gave for the order's code, or raises
    ``HandOverWithoutCode``: the hand-overs at the shop, the point and the door check it.
    Refusal and cancellation before hand-over give the reserved stock back; delivery and
    pick-up issue the merchant's invoice. Every move is stored with actor, reason and time.
    ``commit=False`` leaves the commit to the caller, whose other changes then go with it.
    The same move asked twice at once (a double click) is made once: the second waits for
    the first, then finds the order moved (``InvalidTransition``).
    """
    uow.lock_row(MerchantOrder, merchant_order_id)
    mo = get_merchant_order(uow, merchant_order_id)
    if (
        target in (MerchantOrderStatus.REFUSED, MerchantOrderStatus.DELIVERY_FAILED)
        and not reason.strip()
    ):
        raise ValidationError("Indiquez un motif.", field="reason")
    _move(uow, mo, target, actor, reason, now or utcnow(), checked)
    if commit:
        uow.commit()


def set_final_weight(
    *,
    uow: UnitOfWork,
    line_id: int,
    weight_g: int,
    actor: Actor,
    merchant_id: int | None = None,
) -> None:
    """Enter the weighed weight of a sold-by-weight line; the price follows, within tolerance."""
    line = uow.session.get(OrderLine, line_id)
    if line is None or (merchant_id is not None and line.merchant_order.merchant_id != merchant_id):
        raise NotFound(what="Ligne de commande")
    mo = line.merchant_order
    if mo.status not in (
        MerchantOrderStatus.ACCEPTED,
        MerchantOrderStatus.PREPARING,
        MerchantOrderStatus.PAID,
    ):
        raise InvalidTransition(current=mo.status.value, target="pesée")
    if not line.sold_by_weight or line.estimated_weight_g is None:
        raise ValidationError("Ce produit n'est pas vendu au poids.", field="weight")
    est, tol = line.estimated_weight_g, line.weight_tolerance_pct
    low = est * (100 - tol) // 100
    high = -(-est * (100 + tol) // 100)
    if not isinstance(weight_g, int) or not low <= weight_g <= high:
        raise WeightOutOfTolerance(
            product=line.product_name, weight_g=weight_g, min_g=low, max_g=high
        )
    line.final_weight_g = weight_g
    line.total_incl_cents = line_total_cents(line.unit_price_cents, line.unit, 1, weight_g)
    order = mo.order
    _apply_totals(mo, mo.commission_rate_bp, _policy_for(mo.merchant, None))
    _apply_order_totals(order)
    record(
        uow.session,
        territory_id=order.territory_id,
        actor=actor,
        action="order.weigh",
        subject=mo.reference,
        details={"line_id": line.id, "weight_g": weight_g},
        merchant_id=mo.merchant_id,
    )
    uow.commit()


def mark_paid(
    *, uow: UnitOfWork, order_id: int, actor: Actor, now: dt.datetime | None = None
) -> None:
    """An online payment succeeded: commit the stock and move merchant orders to *paid*.

    Raises ``OutOfStock`` when the reservation had expired and the stock is gone: the caller
    refunds the payment.
    """
    now = now or utcnow()
    uow.begin_write()
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(what="Commande")
    if order.payment_status is PaymentStatus.PAID:
        return
    for mo in order.merchant_orders:
        if not stock.commit_for(uow.session, mo.id):
            raise OutOfStock(product=mo.reference, available=0)
    order.payment_status = PaymentStatus.PAID
    order.reservation_expires_at = None
    for mo in order.merchant_orders:
        if mo.status is MerchantOrderStatus.PLACED:
            _move(uow, mo, MerchantOrderStatus.PAID, actor, "", now)
    uow.commit()


def release_expired(*, uow: UnitOfWork, now: dt.datetime | None = None) -> int:
    """Cancel unpaid online orders whose reservation expired; returns how many orders."""
    now = now or utcnow()
    uow.begin_write()
    query = (
        select(Order)
        .where(
            Order.payment_status == PaymentStatus.PENDING,
            Order.reservation_expires_at.is_not(None),
            Order.reservation_expires_at <= now,
        )
        .order_by(Order.id)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    orders = uow.session.scalars(query).all()
    for order in orders:
        order.payment_status = PaymentStatus.FAILED
        order.reservation_expires_at = None
        for mo in order.merchant_orders:
            if lifecycle.can_move(mo.status, MerchantOrderStatus.CANCELLED):
                _move(
                    uow,
                    mo,
                    MerchantOrderStatus.CANCELLED,
                    Actor.system(),
                    "Paiement non reçu à temps",
                    now,
                )
    uow.commit()
    return len(orders)


def cancel_order(
    *,
    uow: UnitOfWork,
    order_id: int,
    actor: Actor,
    reason: str = "",
    now: dt.datetime | None = None,
    for_shopper_id: int | None = None,
) -> None:
    """Cancel every merchant order of an order that can still be cancelled.

    ``for_shopper_id``: the operator (``actor``) cancels for that shopper (« commande
    assistée »), audited as "operator X for shopper Y".
    """
    now = now or utcnow()
    uow.begin_write()
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(what="Commande")
    movable = [
        mo
        for mo in order.merchant_orders
        if lifecycle.can_move(mo.status, MerchantOrderStatus.CANCELLED)
    ]
    if not movable:
        raise InvalidTransition(current="en cours", target=MerchantOrderStatus.CANCELLED.value)
    for mo in movable:
        _move(uow, mo, MerchantOrderStatus.CANCELLED, actor, reason, now)
    if for_shopper_id is not None:
        record(
            uow.session,
            territory_id=order.territory_id,
            actor=Actor(user_id=actor.user_id, on_behalf=True),
            action="order.cancelled_for_shopper",
            subject=order.reference,
            details={"shopper_id": for_shopper_id, "order_id": order.id},
        )
    uow.commit()
