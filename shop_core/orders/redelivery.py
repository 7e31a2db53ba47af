"""After a failed delivery: a new date, or a pickup point instead of the door."""

from __future__ import annotations

import datetime as dt

from shop_core.audit.services import Actor, record
from shop_core.errors import InvalidDeliveryChoice, NotFound
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import PickupPoint

PART_ALREADY_DELIVERED = (
    "Une partie de cette commande est déjà livrée : le reste ne peut pas changer de lieu. "
    "Représentez le colis à la prochaine tournée."
)


def redirect_delivery(
    *,
    uow: UnitOfWork,
    order_id: int,
    actor: Actor,
    date: dt.date | None = None,
    pickup_point_id: int | None = None,
    reason: str = "",
    commit: bool = True,
) -> None:
    """Deliver an order on another ``date``, and/or to a pickup point instead of the door.

    The shopper's name stays the recipient; the address snapshot becomes the point's. The
    change is recorded in the audit log with ``reason``. ``commit=False`` leaves the commit
    to the caller.
    """
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(what="Commande")
    if order.delivery_method is DeliveryMethod.CLICK_COLLECT:
        raise InvalidDeliveryChoice(detail="Une commande à retirer en boutique ne se livre pas.")
    details: dict[str, object] = {}
    if date is not None and date != order.delivery_date:
        details["date"] = [order.delivery_date.isoformat(), date.isoformat()]
        order.delivery_date = date
    if pickup_point_id is not None:
        point = uow.session.get(PickupPoint, pickup_point_id)
        if point is None or point.territory_id != order.territory_id or not point.active:
            raise InvalidDeliveryChoice(detail="Choisissez un point de retrait.")
        if point.id != order.pickup_point_id and any(
            mo.status is MerchantOrderStatus.DELIVERED for mo in order.merchant_orders
        ):
            # Delivered parts would read as waiting at the new point (for its staff to hand
            # over parcels the shopper already has, or that wait at another point).
            raise InvalidDeliveryChoice(detail=PART_ALREADY_DELIVERED)
        details["pickup_point"] = point.name
        order.delivery_method = DeliveryMethod.PICKUP_POINT
        order.pickup_point = point
        order.delivery_slot = None
        order.recipient = order.recipient or order.customer_name
        order.address_line1, order.address_line2 = point.address, ""
        order.postal_code, order.city, order.insee_code = (
            point.postal_code,
            point.city,
            point.insee_code,
        )
        order.lat, order.lon, order.address_approximate = point.lat, point.lon, False
    if details:
        if reason.strip():
            details["reason"] = reason.strip()[:300]
        record(
            uow.session,
            territory_id=order.territory_id,
            actor=actor,
            action="order.redirect",
            subject=order.reference,
            details=details,
        )
    if commit:
        uow.commit()
