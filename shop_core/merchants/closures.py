"""A shop's exceptional closures: holidays, a family event, works.

On those days the shop is closed whatever its weekly hours say (``Merchant.is_closed_on``):
checkout offers no date on which one of the basket's shops is closed, and the delivery
planning collects nothing there. Orders already placed for such a day are the merchant's
to settle (prepare them before, or let the operator move them): :func:`orders_during`
names them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.model import Closure, Merchant
from shop_core.merchants.services import get_merchant
from shop_core.orders.model import MerchantOrder, Order
from shop_core.orders.preparation import TO_PREPARE
from shop_core.persistence.uow import UnitOfWork

MAX_DAYS = 366
NOTE_MAX = 120


@dataclass(frozen=True)
class ClosureInput:
    starts: dt.date
    ends: dt.date
    note: str = ""


def add_closure(
    *, uow: UnitOfWork, merchant_id: int, data: ClosureInput, actor: Actor, today: dt.date
) -> Closure:
    """Record that the shop is closed from ``data.starts`` to ``data.ends`` included."""
    note = data.note.strip()
    if data.ends < data.starts:
        raise ValidationError(
            "Le dernier jour de fermeture ne peut pas être avant le premier.", field="ends"
        )
    if data.starts < today:
        raise ValidationError("Choisissez un premier jour à partir d'aujourd'hui.", field="starts")
    if (data.ends - data.starts).days >= MAX_DAYS:
        raise ValidationError("Une fermeture dure un an au plus.", field="ends")
    if len(note) > NOTE_MAX:
        raise ValidationError(
            f"{NOTE_MAX} caractères au plus.", field="note", code="too_long", max=NOTE_MAX
        )
    uow.lock_row(Merchant, merchant_id)  # a double tap records it once, not two overlapping
    merchant = get_merchant(uow, merchant_id)
    for other in merchant.closures:
        if other.starts <= data.ends and data.starts <= other.ends:
            raise ValidationError(
                f"Ces jours chevauchent la fermeture du {other.starts:%d/%m/%Y} au "
                f"{other.ends:%d/%m/%Y} : supprimez-la d'abord, ou choisissez d'autres jours.",
                field="starts",
                code="closure_overlaps",
                starts=other.starts.isoformat(),
                ends=other.ends.isoformat(),
            )
    closure = Closure(starts=data.starts, ends=data.ends, note=note)
    merchant.closures.append(closure)
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.closure_added",
        subject=merchant.trade_name,
        details={"starts": data.starts.isoformat(), "ends": data.ends.isoformat()},
        merchant_id=merchant.id,
    )
    uow.commit()
    return closure


def remove_closure(*, uow: UnitOfWork, merchant_id: int, closure_id: int, actor: Actor) -> None:
    """The shop opens again on those days, as its weekly hours say."""
    uow.lock_row(Merchant, merchant_id)  # a double tap removes it once
    merchant = get_merchant(uow, merchant_id)
    closure = next((c for c in merchant.closures if c.id == closure_id), None)
    if closure is None:
        raise NotFound(what="Fermeture")
    merchant.closures.remove(closure)
    record(
        uow.session,
        territory_id=merchant.territory_id,
        actor=actor,
        action="merchant.closure_removed",
        subject=merchant.trade_name,
        details={"starts": closure.starts.isoformat(), "ends": closure.ends.isoformat()},
        merchant_id=merchant.id,
    )
    uow.commit()


def upcoming(closures: list[Closure], today: dt.date) -> list[Closure]:
    """The closures not over by ``today``, first first."""
    return [c for c in closures if c.ends >= today]


def orders_during(
    session: Session, merchant_id: int, starts: dt.date, ends: dt.date
) -> list[MerchantOrder]:
    """The shop's orders still at the shop that are due from ``starts`` to ``ends``."""
    return list(
        session.scalars(
            select(MerchantOrder)
            .join(Order, MerchantOrder.order_id == Order.id)
            .where(
                MerchantOrder.merchant_id == merchant_id,
                MerchantOrder.status.in_(TO_PREPARE),  # still at the shop
                Order.delivery_date >= starts,
                Order.delivery_date <= ends,
            )
            .order_by(Order.delivery_date, MerchantOrder.id)
        )
    )
