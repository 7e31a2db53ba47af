"""A person's data as a plain document (GDPR right of access and portability)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.accounts.model import User
from shop_core.accounts.services import about_shopper
from shop_core.errors import NotFound
from shop_core.orders.model import MerchantOrder, Order


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(session: Session, *, user_id: int) -> dict[str, Any]:
    """Profile, addresses and orders of an account, ready for ``json.dumps``.

    Amounts are integer cents (``*_cents``), times ISO 8601 in UTC.
    """
    user = session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.addresses))
    )
    if user is None or user.deleted_at is not None:
        raise NotFound(what="Compte")
    orders = session.scalars(
        select(Order)
        .where(Order.user_id == user_id)
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).options(
                selectinload(MerchantOrder.merchant),
                selectinload(MerchantOrder.lines),
                selectinload(MerchantOrder.history),
            ),
        )
        .order_by(Order.placed_at, Order.id)
    ).all()
    return {
        "format": "cabas-export/1",
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "role": user.role.value,
            "locale": user.locale,
            "created_at": _iso(user.created_at),
        },
        "addresses": [
            {
                "label": a.label,
                "recipient": a.recipient,
                "line1": a.line1,
                "line2": a.line2,
                "postal_code": a.postal_code,
                "city": a.city,
                "insee_code": a.insee_code,
                "phone": a.phone,
                "instructions": a.instructions,
            }
            for a in user.addresses
        ],
        "orders": [_order(order) for order in orders],
        # What the territory's operator did for this person over the phone or at the
        # counter (« commande assistée »), by whom it is kept to itself: the operator.
        "done_for_you_by_the_operator": [
            {"action": entry.action, "at": _iso(entry.at), "subject": entry.subject}
            for entry in session.scalars(about_shopper(user))
        ],
    }


def _order(order: Order) -> dict[str, Any]:
    return {
        "reference": order.reference,
        "placed_at": _iso(order.placed_at),
        "placed_by_the_operator": order.placed_by_id is not None,
        "customer_name": order.customer_name,
        "customer_email": order.customer_email,
        "customer_phone": order.customer_phone,
        "delivery": {
            "method": order.delivery_method.value,
            "date": _iso(order.delivery_date),
            "slot": order.delivery_slot,
            "pickup_point": order.pickup_point.name if order.pickup_point else None,
            "recipient": order.recipient,
            "address_line1": order.address_line1,
            "address_line2": order.address_line2,
            "postal_code": order.postal_code,
            "city": order.city,
            "instructions": order.delivery_instructions,
        },
        "payment": {
            "method": order.payment_method.value,
            "status": order.payment_status.value,
        },
        "total_incl_cents": order.total_incl_cents,
        "total_vat_cents": order.total_vat_cents,
        "merchant_orders": [
            {
                "reference": mo.reference,
                "merchant": mo.merchant.trade_name,
                "status": mo.status.value,
                "total_incl_cents": mo.total_incl_cents,
                "lines": [
                    {
                        "product": line.product_name,
                        "quantity": line.quantity,
                        "unit": line.unit.value,
                        "unit_price_cents": line.unit_price_cents,
                        "final_weight_g": line.final_weight_g,
                        "total_incl_cents": line.total_incl_cents,
                    }
                    for line in mo.lines
                ],
                "history": [
                    {
                        "status": change.to_status.value,
                        "at": _iso(change.at),
                        "reason": change.reason,
                    }
                    for change in mo.history
                ],
            }
            for mo in order.merchant_orders
        ],
    }
