"""What relies on a served commune, shown to the operator before it stops being served, and
home delivery refused to an address there once it is not."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_core.database import Database
from shop_core.errors import InvalidDeliveryChoice
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order
from shop_core.territories.commune_use import commune_use
from shop_core.territories.model import Territory
from shop_core.territories.services import remove_commune

from .conftest import TUESDAY, Shop, buy

SAINT_POL = "62767"


def _use(db: Database, shop: Shop, today: dt.date = TUESDAY) -> tuple[list[str], list[str]]:
    with db.uow() as uow:
        use = commune_use(
            uow.session, territory_id=shop.territory_id, insee_code=SAINT_POL, today=today
        )
        return use.shops, use.orders


def test_a_commune_is_used_by_its_shops_and_its_home_deliveries_still_to_come(
    db: Database, shop: Shop
) -> None:
    oid = buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        reference = uow.session.get_one(Order, oid).reference
    shops, orders = _use(db, shop)
    assert shops  # the test shops have their address in Saint-Pol
    assert orders == [reference]
    # Delivered the day before: nothing is to come any more.
    assert _use(db, shop, today=TUESDAY + dt.timedelta(days=1))[1] == []
    with db.uow() as uow:
        for part in uow.session.query(MerchantOrder).filter_by(order_id=oid):
            part.status = MerchantOrderStatus.DELIVERED
        uow.commit()
    assert _use(db, shop)[1] == []


def test_another_commune_is_used_by_nothing(db: Database, shop: Shop) -> None:
    buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        use = commune_use(
            uow.session, territory_id=shop.territory_id, insee_code="62361", today=TUESDAY
        )
    assert not use


def test_home_delivery_goes_only_to_a_served_commune(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        assert territory.delivers_home_to(insee_code=SAINT_POL, postal_code="62130")
        assert territory.delivers_home_to(insee_code=None, postal_code="62130")
        remove_commune(uow=uow, territory_id=shop.territory_id, insee_code=SAINT_POL)
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        assert not territory.delivers_home_to(insee_code=SAINT_POL, postal_code="62130")
    with pytest.raises(InvalidDeliveryChoice, match="n'est pas desservie"):
        buy(db, shop, {shop.bread_id: 1})
