"""What still relies on a served commune: asked before the operator stops serving it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from shop_core.merchants.model import Merchant
from shop_core.orders.lifecycle import FINAL
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order

#: A part delivered (even if it may still be returned) is no longer to come.
_DONE = FINAL | {MerchantOrderStatus.DELIVERED}


@dataclass(frozen=True, slots=True)
class CommuneUse:
    """The shops whose address is in a commune, and the references of the home deliveries
    still to come there (from ``today`` on, some part not delivered, cancelled…)."""

    shops: list[str]
    orders: list[str]

    def __bool__(self) -> bool:
        return bool(self.shops or self.orders)


def commune_use(
    session: Session, *, territory_id: int, insee_code: str, today: dt.date
) -> CommuneUse:
    """What relies on the commune with this INSEE code being served."""
    shops = session.scalars(
        select(Merchant.trade_name)
        .where(Merchant.territory_id == territory_id, Merchant.insee_code == insee_code)
        .order_by(Merchant.trade_name)
    ).all()
    open_part = exists().where(
        MerchantOrder.order_id == Order.id, MerchantOrder.status.not_in(_DONE)
    )
    orders = session.scalars(
        select(Order.reference)
        .where(
            Order.territory_id == territory_id,
            Order.delivery_method == DeliveryMethod.HOME,
            Order.insee_code == insee_code,
            Order.delivery_date >= today,
            open_part,
        )
        .order_by(Order.delivery_date, Order.reference)
    ).all()
    return CommuneUse(shops=list(shops), orders=list(orders))
