"""Parcels carried by hand from one depot to another (the operator records it): the rounds
leaving from the new depot load them; a transfer that makes no sense is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from delivery.model import Depot, ParcelTransfer, Round, StopKind
from delivery.plan_state import holding_depots
from delivery.services import DepotInput, create_depot
from delivery.stops import collect
from delivery.transfers import carry_to_depot
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import MerchantOrder
from shop_core.territories.services import create_territory

from .conftest import Shop
from .delivery_setup import make_ready, order, stops_of_plan
from .test_delivery_stops import at
from .test_depot_parcels import (
    WEDNESDAY,
    TwoDepots,
    act,
    failed_on_tuesday,
    move_to,
    plan,
    two_depots,
)

OPERATOR = Actor(user_id=None)
NEXT_TUESDAY = WEDNESDAY + dt.timedelta(days=6)


def depot_of(db: Database, round_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Round, round_id).depot_id


def merchant_order_of(db: Database, order_id: int) -> int:
    with db.uow() as uow:
        return uow.session.scalars(
            select(MerchantOrder.id).where(MerchantOrder.order_id == order_id)
        ).one()


def carry(db: Database, shop: Shop, mo_id: int, depot_id: int, hour: int = 12) -> str:
    with db.uow() as uow:
        left = carry_to_depot(
            uow=uow, territory_id=shop.territory_id, merchant_order_id=mo_id,
            depot_id=depot_id, actor=OPERATOR, now=at(hour, day=WEDNESDAY),
        )  # fmt: skip
        return left.name


def stranded(db: Database, shop: Shop) -> tuple[TwoDepots, int, int]:
    """Tuesday's failed delivery left at the Frévent depot, whose round runs on Tuesdays
    only; the order moved to Wednesday, when only the round from Saint-Pol runs."""
    fleet = two_depots(db, shop, far_days=(1,))
    oid, _ = failed_on_tuesday(db, shop, fleet)
    move_to(db, oid, WEDNESDAY)
    return fleet, oid, merchant_order_of(db, oid)


def test_parcels_carried_to_another_depot_leave_with_a_round_from_there(
    db: Database, shop: Shop
) -> None:
    fleet, oid, mo_id = stranded(db, shop)
    (unplanned,) = plan(db, shop, WEDNESDAY, at(7, day=WEDNESDAY)).unplanned
    assert unplanned.reason_code == "held_at_depot"

    left = carry(db, shop, mo_id, depot_of(db, fleet.near), hour=7)

    assert left == "Dépôt de Frévent"
    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: depot_of(db, fleet.near)}
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "delivery.carry_to_depot")
        ).one()
        assert entry.details == {"from": "Dépôt de Frévent", "to": "Bureau de poste"}
    report = plan(db, shop, WEDNESDAY, at(7, 30, day=WEDNESDAY))
    assert report.unplanned == ()
    (stop,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert (stop.kind, stop.run.round_id, stop.merchant_order_id) == (
        StopKind.DELIVER,
        fleet.near,
        mo_id,
    )  # fmt: skip  (loaded at the Saint-Pol depot: nothing to collect)


def test_the_last_transfer_says_where_the_parcels_are(db: Database, shop: Shop) -> None:
    """Carried to Saint-Pol, then (by mistake) back to Frévent: the last record wins."""
    fleet, _, mo_id = stranded(db, shop)
    near, far = depot_of(db, fleet.near), depot_of(db, fleet.far)
    carry(db, shop, mo_id, near, hour=7)
    carry(db, shop, mo_id, far, hour=8)
    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: far}
        assert len(uow.session.scalars(select(ParcelTransfer)).all()) == 2


def test_a_depot_parcels_were_carried_to_cannot_be_deleted(db: Database, shop: Shop) -> None:
    """No page deletes a depot, but the database refuses it while a transfer says parcels
    were carried there: erasing the record would put them back in Frévent, where the last
    stop left them."""
    _, _, mo_id = stranded(db, shop)
    with db.uow() as uow:
        spare = create_depot(
            uow=uow,
            territory_id=shop.territory_id,
            actor=OPERATOR,
            data=DepotInput(
                "Hangar de secours", "Zone", "62130", "Saint-Pol-sur-Ternoise", 50.38, 2.33
            ),
        )  # a depot no round leaves from: nothing else holds it
    carry(db, shop, mo_id, spare)

    with pytest.raises(IntegrityError), db.uow() as uow:
        uow.session.delete(uow.session.get_one(Depot, spare))
        uow.commit()

    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: spare}
        assert uow.session.scalars(select(ParcelTransfer.to_depot_id)).all() == [spare]


@pytest.mark.parametrize("case", ["at_the_shop", "same_depot", "on_a_van", "planned"])
def test_a_transfer_that_makes_no_sense_is_refused_and_nothing_is_written(
    db: Database, shop: Shop, case: str
) -> None:
    fleet, oid, mo_id = stranded(db, shop)
    target = depot_of(db, fleet.near)
    message = "ne sont pas dans un dépôt"
    if case == "at_the_shop":
        fresh = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
        make_ready(db, fresh)
        mo_id = merchant_order_of(db, fresh)
    elif case == "same_depot":
        target, message = depot_of(db, fleet.far), "déjà au dépôt « Dépôt de Frévent »"
    elif case == "planned":  # the round from Frévent loads them next Tuesday
        move_to(db, oid, NEXT_TUESDAY)
        plan(db, shop, NEXT_TUESDAY, at(7, day=NEXT_TUESDAY))
        message = "prévue sur la tournée « Tournée depuis Frévent » du 01/12"
    else:  # Tuesday's round from Frévent runs again the next week and has them on board
        move_to(db, oid, NEXT_TUESDAY)
        other = order(db, shop, {shop.cake_id: 1}, date=NEXT_TUESDAY)
        make_ready(db, other)
        plan(db, shop, NEXT_TUESDAY, at(7, day=NEXT_TUESDAY))
        (collection,) = [
            s for s in stops_of_plan(db, shop.territory_id, NEXT_TUESDAY)
            if s.kind is StopKind.COLLECT
        ]  # fmt: skip
        act(collect, db, shop, fleet.far_courier, collection.id, now=at(9, day=NEXT_TUESDAY))

    with db.uow() as uow, pytest.raises(ValidationError, match=message):
        carry_to_depot(
            uow=uow, territory_id=shop.territory_id, merchant_order_id=mo_id,
            depot_id=target, actor=OPERATOR, now=at(12, day=WEDNESDAY),
        )  # fmt: skip
    with db.uow() as uow:
        assert uow.session.scalars(select(ParcelTransfer)).all() == []
        assert (
            uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "delivery.carry_to_depot")
            ).all()
            == []
        )


def test_a_depot_or_an_order_of_another_territory_is_not_found(db: Database, shop: Shop) -> None:
    fleet, _, mo_id = stranded(db, shop)
    with db.uow() as uow:
        other = create_territory(uow=uow, name="Boulonnais", slug="boulonnais")
        depot = Depot(
            territory_id=other, name="Ailleurs", address="1 rue", postal_code="62200",
            city="Boulogne-sur-Mer", lat=50.72, lon=1.61,
        )  # fmt: skip
        uow.session.add(depot)
        uow.commit()
        foreign = depot.id
    for territory, depot_id in ((shop.territory_id, foreign), (other, depot_of(db, fleet.near))):
        with db.uow() as uow, pytest.raises(NotFound):
            carry_to_depot(
                uow=uow, territory_id=territory, merchant_order_id=mo_id,
                depot_id=depot_id, actor=OPERATOR,
            )  # fmt: skip
