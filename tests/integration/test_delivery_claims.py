"""A collection tapped without network after the operator gave the order to another
courier: the collection on the other round is marked as claimed (delivery.stops)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from delivery.model import RoundRun, Stop, StopKind, StopStatus
from delivery.stops import AlreadyRecorded, claim_collections, collect
from shop_core.audit.model import AuditEntry
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus

from .at_once import at_once
from .conftest import TUESDAY, Shop
from .delivery_setup import Fleet, make_ready, merchant_orders, stops_of_plan
from .test_delivery_stops import at, do, one_order, planned, status

S = MerchantOrderStatus


def _claim(
    db: Database, shop: Shop, courier_id: int, oid: int, date: dt.date = TUESDAY
) -> list[str]:
    with db.uow() as uow:
        return claim_collections(
            uow=uow,
            territory_id=shop.territory_id,
            courier_id=courier_id,
            date=date,
            merchant_order_ids=[mo.id for mo in merchant_orders(db, oid)],
            now=at(9, 40),
        )


def _stop(db: Database, stop_id: int) -> Stop:
    with db.uow() as uow:
        return uow.session.get_one(Stop, stop_id)


def _other(fleet: Fleet) -> int:
    return fleet.couriers[1]


def test_the_order_on_another_round_is_marked_as_with_the_courier_who_tapped(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)  # on the first courier's round
    (mo,) = merchant_orders(db, oid)

    assert _claim(db, shop, _other(fleet), oid) == [mo.reference]
    assert _claim(db, shop, _other(fleet), oid) == [mo.reference]  # the tap sent again

    stop = _stop(db, pickup.id)
    assert (stop.claimed_by_id, stop.claimed_at, stop.status) == (
        _other(fleet),
        at(9, 40),
        StopStatus.TODO,
    )
    assert status(db, oid) is S.READY  # nobody recorded a collection: the operator settles
    with db.uow() as uow:
        claims = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "delivery.collection_claimed"
        )
        assert uow.session.scalar(claims) == 1
    with pytest.raises(AlreadyRecorded, match="Un autre livreur a déjà pris ces colis"):
        do(collect, db, shop, fleet, pickup, now=at(10))  # nothing left for this courier


def test_nothing_is_claimed_on_ones_own_round_another_day_or_before_the_shop_is_ready(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, _ = one_order(db, shop, ready=False)

    assert _claim(db, shop, _other(fleet), oid) == []  # not ready: nobody can have it
    make_ready(db, oid)
    wednesday = TUESDAY + dt.timedelta(days=1)
    assert _claim(db, shop, _other(fleet), oid, wednesday) == []  # a tap of another day
    assert _claim(db, shop, fleet.couriers[0], oid) == []  # their own round: tap it there
    assert _stop(db, pickup.id).claimed_by_id is None


def test_a_claim_and_the_rounds_own_collection_at_once_do_not_both_happen(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)
    claimed: list[list[str]] = []

    def claiming() -> None:
        claimed.append(_claim(db, shop, _other(fleet), oid))

    outcomes = at_once(lambda: do(collect, db, shop, fleet, pickup, now=at(9)), claiming)

    stop = _stop(db, pickup.id)
    if stop.status is StopStatus.DONE:  # collected first: the claim finds nothing to claim
        assert outcomes == ["ok", "ok"] and claimed == [[]]
        assert status(db, oid) is S.HANDED_TO_COURIER and stop.claimed_by_id is None
    else:  # claimed first: the round's courier is told another one has the parcels
        assert outcomes[0] == "ok" and outcomes[1].startswith("refused: Un autre livreur")
        assert status(db, oid) is S.READY and stop.claimed_by_id == _other(fleet)


def test_planning_the_day_again_keeps_the_claim_and_settles_it_on_the_claimants_round(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)
    _claim(db, shop, _other(fleet), oid)
    planned(db, shop)  # the operator plans the day again: the claim stays
    assert _stop(db, pickup.id).claimed_by_id == _other(fleet)
    assert status(db, oid) is S.READY

    with db.uow() as uow:  # the operator gives the round to the courier who has the parcel
        uow.session.get_one(RoundRun, pickup.run_id).courier_id = _other(fleet)
        uow.commit()
    planned(db, shop)

    collected = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT)
    assert (collected.status, collected.done_by_id, collected.done_at) == (
        StopStatus.DONE,
        _other(fleet),
        at(9, 40),
    )
    assert status(db, oid) is S.HANDED_TO_COURIER
