"""Delivery set-up for integration tests: a depot, two couriers, two rounds, orders to plan.

Builds on the ``shop`` fixture (Saint-Pol-sur-Ternoise and Frévent, morning and afternoon
slots, two merchants open Tuesday to Saturday in Saint-Pol).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from delivery.day_problem import PlanningSettings
from delivery.distances import GreatCircleDistances
from delivery.model import DayPlan, RoundRun, Stop
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from shop_core.accounts.model import Role
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    checkout,
    transition,
)
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_user

from .conftest import NOW, TUESDAY, Shop

SETTINGS = PlanningSettings(time_limit=1.0, workers=1)
DISTANCES = GreatCircleDistances()
SYSTEM = Actor.system()
WEEKDAYS = (1, 2, 3, 4, 5)  # Tuesday to Saturday, like the shops


@dataclass
class Fleet:
    depot_id: int
    couriers: list[int]
    saint_pol: int
    frevent: int
    point_id: int


def add_fleet(
    db: Database,
    shop: Shop,
    *,
    frevent_days: Sequence[int] = WEEKDAYS,
    capacity: int = 12,
) -> Fleet:
    """A depot in Saint-Pol, a morning round for Saint-Pol and an afternoon one for Frévent."""
    with db.uow() as uow:
        couriers = [
            make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name=name)
            for name in ("Marc Facteur", "Lucie Route")
        ]
        point = add_pickup_point(
            uow=uow,
            territory_id=shop.territory_id,
            name="Mairie de Saint-Pol",
            address="Place de l'Hôtel de Ville",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
            insee_code="62767",
            lat=50.3818,
            lon=2.3334,
        )
        depot = create_depot(
            uow=uow,
            territory_id=shop.territory_id,
            data=DepotInput(
                "Bureau de poste",
                "1 rue Wathieumetz",
                "62130",
                "Saint-Pol-sur-Ternoise",
                50.3805,
                2.3362,
            ),
            actor=SYSTEM,
        )
        saint_pol = create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Saint-Pol matin",
                depot_id=depot,
                weekdays=WEEKDAYS,
                starts=dt.time(8),
                ends=dt.time(13),
                capacity=capacity,
                courier_id=couriers[0],
                insee_codes=("62767",),
            ),
            actor=SYSTEM,
        )
        frevent = create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Frévent après-midi",
                depot_id=depot,
                weekdays=frevent_days,
                starts=dt.time(13),
                ends=dt.time(19),
                capacity=capacity,
                courier_id=couriers[1],
                insee_codes=("62361",),
            ),
            actor=SYSTEM,
        )
    return Fleet(depot, couriers, saint_pol, frevent, point)


SAINT_POL = DeliveryAddress(
    recipient="Jeanne Martin",
    line1="3 rue des Tilleuls",
    postal_code="62130",
    city="Saint-Pol-sur-Ternoise",
    insee_code="62767",
    lat=50.3841,
    lon=2.3290,
    instructions="Sonner deux fois",
)
FREVENT = DeliveryAddress(
    recipient="Paul Leroy",
    line1="5 rue de Doullens",
    postal_code="62270",
    city="Frévent",
    insee_code="62361",
    lat=50.2741,
    lon=2.2903,
)


def order(
    db: Database,
    shop: Shop,
    items: dict[int, int],
    *,
    address: DeliveryAddress | None = SAINT_POL,
    slot: str = "matin",
    date: dt.date = TUESDAY,
    point_id: int | None = None,
    now: dt.datetime = NOW,
    user_id: int | None = None,
) -> int:
    """The shopper (Jeanne, or the account ``user_id``) checks out ``items`` for home
    delivery (or a pickup point); the order id."""
    if point_id is not None:
        choice = DeliveryChoice(DeliveryMethod.PICKUP_POINT, date, pickup_point_id=point_id)
    else:
        choice = DeliveryChoice(DeliveryMethod.HOME, date, slot=slot, address=address)
    with db.uow() as uow:
        shopper = user_id if user_id is not None else shop.shopper_id
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shopper)
        for pid, qty in items.items():
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=qty)
        customer = (
            Customer("Jeanne Martin", "jeanne@example.fr", "0601020304", shopper)
            if user_id is None
            else Customer("Paul Voisin", f"client{user_id}@example.fr", "0601020305", shopper)
        )
        return checkout(uow=uow, cart_id=cart, customer=customer, delivery=choice, now=now)


def merchant_orders(db: Database, order_id: int) -> list[MerchantOrder]:
    with db.uow() as uow:
        found = list(
            uow.session.scalars(
                select(MerchantOrder)
                .where(MerchantOrder.order_id == order_id)
                .order_by(MerchantOrder.id)
            )
        )
        for mo in found:
            _ = mo.order
        return found


def make_ready(db: Database, order_id: int) -> None:
    """Every merchant accepts and prepares its part of the order."""
    for mo in merchant_orders(db, order_id):
        with db.uow() as uow:
            for step in (MerchantOrderStatus.ACCEPTED, MerchantOrderStatus.READY):
                transition(uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, now=NOW)


def stops_of_plan(db: Database, territory_id: int, date: dt.date = TUESDAY) -> list[Stop]:
    """Every stop of the day, by run and sequence (merchant orders loaded)."""
    with db.uow() as uow:
        stops = list(
            uow.session.scalars(
                select(Stop)
                .join(RoundRun, Stop.run_id == RoundRun.id)
                .join(DayPlan, RoundRun.plan_id == DayPlan.id)
                .where(DayPlan.territory_id == territory_id, DayPlan.date == date)
                .order_by(RoundRun.id, Stop.sequence)
            )
        )
        for stop in stops:
            _ = (stop.merchant_order.order, stop.run.round)
        return stops
