"""Provider events (webhooks): each stored once, in the transaction that applies it.

The event only says *which* object to look at: the object is re-fetched from the provider,
so duplicates and events arriving out of order change nothing twice. An event whose
processing failed stays stored as ``failed`` and can be replayed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop_core.errors import DomainError, NotFound
from shop_core.merchants.model import Merchant
from shop_core.orders.model import Order
from shop_core.payments import accounts
from shop_core.payments.gateway import CheckoutState, GatewayError, MarketplaceGateway
from shop_core.payments.model import (
    AccountStatus,
    EventStatus,
    MerchantPaymentAccount,
    OnlinePayment,
    PaymentEvent,
)
from shop_core.payments.refunds import settle
from shop_core.payments.services import (
    apply_checkout_state,
    refund_out_of_stock,
    send_transfers,
)
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

CHECKOUT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
ACCOUNT_EVENTS = frozenset({"account.updated"})


@dataclass(frozen=True, slots=True)
class IncomingEvent:
    """A verified event: its id, type, the id of the object it is about, the raw payload."""

    event_id: str
    type: str
    object_id: str
    payload: str = ""


@dataclass(frozen=True, slots=True)
class EventResult:
    outcome: str  # processed | duplicate | ignored | failed
    order_id: int | None = None
    detail: str = ""


def handle_event(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    event: IncomingEvent,
    now: dt.datetime | None = None,
) -> EventResult:
    """Apply an event once; a stored event is a no-op unless it failed before (replay)."""
    now = now or utcnow()
    stored = _stored(uow, event.event_id)
    if stored is not None and stored.status is not EventStatus.FAILED:
        return EventResult("duplicate")
    uow.rollback()
    if event.type not in CHECKOUT_EVENTS | ACCOUNT_EVENTS:
        return _finish(uow, event, EventStatus.IGNORED, now)
    if event.type in ACCOUNT_EVENTS:
        try:
            account = accounts.refresh_by_provider_id(
                uow=uow,
                gateway=gateway,
                account_id=event.object_id,
                now=now,
                before_commit=lambda: _record(uow, event, EventStatus.PROCESSED, "", now),
            )
        except (GatewayError, DomainError) as error:
            uow.rollback()
            return _finish(uow, event, EventStatus.FAILED, now, str(error))
        except IntegrityError:
            uow.rollback()
            return EventResult("duplicate")
        if account.status is AccountStatus.ACTIVE:
            send_transfers(uow=uow, gateway=gateway, merchant_id=account.merchant_id, now=now)
        return EventResult("processed")
    try:
        state = gateway.retrieve_checkout(event.object_id)
    except GatewayError as error:
        return _finish(uow, event, EventStatus.FAILED, now, f"Relecture impossible : {error}")
    return _apply(uow, gateway, event, state, now)


def _apply(
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    event: IncomingEvent,
    state: CheckoutState,
    now: dt.datetime,
) -> EventResult:
    try:
        uow.begin_write()
        stored = _stored(uow, event.event_id)
        if stored is not None and stored.status is not EventStatus.FAILED:
            return EventResult("duplicate")  # a concurrent delivery got there first
        _record(uow, event, EventStatus.PROCESSED, "", now)
        try:
            outcome = apply_checkout_state(uow, state, now)
        except NotFound as error:
            uow.rollback()
            return _finish(uow, event, EventStatus.FAILED, now, str(error))
        if outcome == "out_of_stock":
            uow.begin_write()
            _record(uow, event, EventStatus.PROCESSED, "Stock épuisé : remboursé", now)
            refund_out_of_stock(uow, state, now)
        elif outcome == "unchanged":
            uow.commit()
    except IntegrityError:
        uow.rollback()
        return EventResult("duplicate")
    order_id = state.order_id
    if order_id is not None:
        settle(uow=uow, gateway=gateway, order_id=order_id, now=now)
    return EventResult("processed", order_id=order_id, detail=outcome)


def _stored(uow: UnitOfWork, event_id: str) -> PaymentEvent | None:
    return uow.session.scalar(
        select(PaymentEvent).where(PaymentEvent.provider_event_id == event_id)
    )


def _record(
    uow: UnitOfWork, event: IncomingEvent, status: EventStatus, error: str, now: dt.datetime
) -> None:
    row = _stored(uow, event.event_id)
    if row is None:
        row = PaymentEvent(
            provider_event_id=event.event_id,
            type=event.type[:100],
            object_id=event.object_id[:255],
            payload=event.payload,
            received_at=now,
            attempts=0,
        )
        uow.session.add(row)
    row.attempts += 1
    row.status = status
    row.error = error[:500]
    row.processed_at = now if status is not EventStatus.FAILED else None
    uow.session.flush()


def _finish(
    uow: UnitOfWork, event: IncomingEvent, status: EventStatus, now: dt.datetime, error: str = ""
) -> EventResult:
    try:
        uow.begin_write()
        _record(uow, event, status, error, now)
        uow.commit()
    except IntegrityError:
        uow.rollback()
        return EventResult("duplicate")
    return EventResult(status.value, detail=error)


def event_territory(uow: UnitOfWork, row: PaymentEvent) -> int | None:
    """The territory an event is about (through its checkout page or account), if known."""
    territory = uow.session.scalar(
        select(Order.territory_id)
        .join(OnlinePayment, OnlinePayment.order_id == Order.id)
        .where(OnlinePayment.checkout_id == row.object_id)
    )
    if territory is None:
        territory = uow.session.scalar(
            select(Merchant.territory_id)
            .join(MerchantPaymentAccount, MerchantPaymentAccount.merchant_id == Merchant.id)
            .where(MerchantPaymentAccount.provider_account_id == row.object_id)
        )
    return territory


def replay(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    event_id: int,
    territory_id: int | None = None,
    now: dt.datetime | None = None,
) -> EventResult:
    """Process a stored event that failed again (the operator's "replay" button).

    With ``territory_id``, an event about another territory's order looks like one that does
    not exist; an event about an unknown object may be replayed from any territory.
    """
    row = uow.session.get(PaymentEvent, event_id)
    if row is None or territory_id not in (None, event_territory(uow, row) or territory_id):
        raise NotFound(what="Événement")
    if row.status is not EventStatus.FAILED:
        return EventResult("duplicate")
    event = IncomingEvent(row.provider_event_id, row.type, row.object_id, row.payload)
    return handle_event(uow=uow, gateway=gateway, event=event, now=now)


def failed_events(
    uow: UnitOfWork, territory_id: int | None = None, limit: int = 50
) -> list[PaymentEvent]:
    """The stored events whose processing failed, newest first (of one territory, and those
    about objects Cabas does not know)."""
    rows = uow.session.scalars(
        select(PaymentEvent)
        .where(PaymentEvent.status == EventStatus.FAILED)
        .order_by(PaymentEvent.id.desc())
        .limit(limit)
    ).all()
    if territory_id is None:
        return list(rows)
    return [r for r in rows if (event_territory(uow, r) or territory_id) == territory_id]
