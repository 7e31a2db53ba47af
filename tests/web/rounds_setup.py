"""Delivery set-up for the courier and round board web tests, on top of the ``world`` fixture.

A depot in Saint-Pol; the world's courier drives "Saint-Pol matin" (Tuesday to Saturday,
8 h - 13 h, Saint-Pol only); a second courier drives "Frévent après-midi" (13 h - 19 h,
Frévent only, on ``frevent_days``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from delivery.day_problem import PlanningSettings
from delivery.distances import GreatCircleDistances
from delivery.model import DayPlan, RoundRun, Stop
from delivery.planning import plan_day
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from reference_app.security import hash_password
from shop_core.accounts.model import Role
from shop_core.accounts.services import register_user
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrder, MerchantOrderStatus, Order
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    checkout,
    transition,
)

from .conftest import NOW, PASSWORD, World

TUESDAY = dt.date(2026, 11, 24)
#: Tuesday 9 h in Saint-Pol: the day of the planned round, when its courier records its
#: stops (the orders were placed and the day planned on Monday, ``NOW``).
ON_THE_DAY = NOW + dt.timedelta(days=1)
SYSTEM = Actor.system()
OTHER_COURIER_EMAIL = "livreuse@example.fr"


def configure(app: Flask) -> None:
    """Pin the clock, keep the solver short and the geocoder offline; serve the board."""
    app.config.update(FIXED_NOW=NOW, PLANNING_TIME_LIMIT=1.0, PLANNING_WORKERS=1, GEOCODER="none")
    if "rounds" not in app.blueprints:  # until create_app registers it by itself
        from reference_app.rounds.views import bp

        app.register_blueprint(bp)


@dataclass
class Fleet:
    depot_id: int
    saint_pol: int
    frevent: int
    other_courier_id: int


def on_the_day(app: Flask) -> None:
    """Move the app's clock to the round's day: a courier records the stops of today's
    runs, not those of a day still to come."""
    app.config["FIXED_NOW"] = ON_THE_DAY


def add_fleet(
    db: Database, world: World, *, frevent_days: Sequence[int] = (1, 2, 3, 4, 5)
) -> Fleet:
    with db.uow() as uow:
        other = register_user(
            uow=uow,
            territory_id=world.territory_id,
            email=OTHER_COURIER_EMAIL,
            full_name="Lucie Route",
            password_hash=hash_password(PASSWORD),
            role=Role.COURIER,
        )
        depot = create_depot(
            uow=uow,
            territory_id=world.territory_id,
            data=DepotInput(
                "Bureau de poste", "1 rue Wathieumetz", "62130", "Saint-Pol-sur-Ternoise"
            ),
            actor=SYSTEM,
        )
        common = {"depot_id": depot, "weekdays": (1, 2, 3, 4, 5), "capacity": 20}
        saint_pol = create_round(
            uow=uow,
            territory_id=world.territory_id,
            data=RoundInput(
                name="Saint-Pol matin", starts=dt.time(8), ends=dt.time(13),
                courier_id=world.courier_id, insee_codes=("62767",), **common,  # type: ignore[arg-type]
            ),
            actor=SYSTEM,
        )  # fmt: skip
        frevent = create_round(
            uow=uow,
            territory_id=world.territory_id,
            data=RoundInput(
                name="Frévent après-midi", starts=dt.time(13), ends=dt.time(19),
                courier_id=other, insee_codes=("62361",),
                **{**common, "weekdays": tuple(frevent_days)},  # type: ignore[arg-type]
            ),
            actor=SYSTEM,
        )  # fmt: skip
    return Fleet(depot, saint_pol, frevent, other)


def plan(db: Database, world: World, date: dt.date = TUESDAY, now: dt.datetime = NOW) -> None:
    with db.uow() as uow:
        plan_day(
            uow=uow, territory_id=world.territory_id, date=date,
            distances=GreatCircleDistances(), settings=PlanningSettings(time_limit=1.0, workers=1),
            now=now,
        )  # fmt: skip


def place_frevent_order(db: Database, world: World) -> int:
    """Paul orders a loaf from the baker for Tuesday afternoon, at home in Frévent; the id."""
    frevent = DeliveryAddress(
        "Paul Leroy", "5 rue de Doullens", "62270", "Frévent", insee_code="62361"
    )
    return _paul_orders_a_loaf(db, world, world.shopper_id, frevent, "apres-midi")


def place_neighbour_order(db: Database, world: World) -> int:
    """Paul, who lives in Jeanne's building, orders a loaf from the baker for Tuesday
    morning with his own account; the id."""
    building = DeliveryAddress(
        "Paul Leroy", "3 rue des Tilleuls", "62130", "Saint-Pol-sur-Ternoise", insee_code="62767"
    )
    return _paul_orders_a_loaf(db, world, world.shopper2_id, building, "matin")


def _paul_orders_a_loaf(
    db: Database, world: World, user_id: int, address: DeliveryAddress, slot: str
) -> int:
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=world.territory_id, user_id=user_id)
        add_item(uow=uow, cart_id=cart, product_id=world.bread_id, quantity=1)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer("Paul Leroy", world.shopper2_email, "0605060708", user_id),
            delivery=DeliveryChoice(DeliveryMethod.HOME, TUESDAY, slot=slot, address=address),
            now=NOW,
        )


def make_ready(db: Database, order_id: int) -> None:
    with db.uow() as uow:
        ids = list(
            uow.session.scalars(select(MerchantOrder.id).where(MerchantOrder.order_id == order_id))
        )
    for mo_id in ids:
        for step in (MerchantOrderStatus.ACCEPTED, MerchantOrderStatus.READY):
            with db.uow() as uow:
                transition(uow=uow, merchant_order_id=mo_id, target=step, actor=SYSTEM, now=NOW)


def stops(db: Database, world: World) -> list[Stop]:
    with db.uow() as uow:
        found = list(
            uow.session.scalars(
                select(Stop)
                .join(RoundRun, Stop.run_id == RoundRun.id)
                .join(DayPlan, RoundRun.plan_id == DayPlan.id)
                .where(DayPlan.territory_id == world.territory_id)
                .order_by(RoundRun.id, Stop.sequence)
            )
        )
        for stop in found:
            _ = (stop.merchant_order.order, stop.run)
        return found


def statuses(db: Database, order_id: int) -> list[MerchantOrderStatus]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(MerchantOrder.status)
                .where(MerchantOrder.order_id == order_id)
                .order_by(MerchantOrder.id)
            )
        )


def order_of(db: Database, order_id: int) -> Order:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id)
