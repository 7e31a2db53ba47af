"""A door's parcels handed over in part: the shopper takes the bread and refuses the apples.

The orders taken are handed over against the code (and paid, those paid on delivery); the
ones refused fail with the reason and go back to their shops, in the same transaction, and
nothing else of their shop orders goes back."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import Stop, StopKind, StopStatus
from delivery.stops import (
    AfterFailure,
    AlreadyRecorded,
    HandOver,
    NothingTakenAndCodeRefused,
    collect,
    deliver_part,
    fail,
)
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.delivery_codes import MissingDeliveryCode, WrongDeliveryCode
from shop_core.orders.model import (
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.returns import DEPOT, parcel_return
from shop_core.payments.model import OfflinePayment, PaymentMeans
from shop_core.payments.offline import CodeAndMeansRefused

from .conftest import TUESDAY, Shop
from .delivery_setup import Fleet, add_fleet, make_ready, merchant_orders, order, stops_of_plan
from .test_delivery_stops import at, code_of, do, planned

S = MerchantOrderStatus
REFUSED = "Colis refusé par le client"
CASH = PaymentMeans.CASH
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


def on_board(
    db: Database, shop: Shop, *baskets: dict[int, int], at_point: bool = False
) -> tuple[Fleet, list[int], Stop]:
    """Jeanne's orders (one per basket) collected on Tuesday; the fleet, the orders and her
    door's stop (or the drop at the fleet's pickup point)."""
    fleet = add_fleet(db, shop)
    point = fleet.point_id if at_point else None
    oids = [order(db, shop, basket, point_id=point) for basket in baskets]
    for oid in oids:
        make_ready(db, oid)
    planned(db, shop)
    for pickup in [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT]:
        with contextlib.suppress(AlreadyRecorded):
            do(collect, db, shop, fleet, pickup, now=at(9))
    drop = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER)
    return fleet, oids, drop


def part(  # type: ignore[no-untyped-def]
    db: Database, shop: Shop, fleet: Fleet, drop: Stop, taken: set[int], refused: set[int], **kwargs
):
    options = {"code": "", "means": CASH, "reason": REFUSED, "now": at(10)} | kwargs
    return do(deliver_part, db, shop, fleet, drop, handed_over=taken, refused=refused, **options)


def ids(db: Database, oid: int) -> dict[int, MerchantOrder]:
    """The merchant orders of ``oid`` by merchant."""
    return {mo.merchant_id: mo for mo in merchant_orders(db, oid)}


def statuses(db: Database, oid: int) -> dict[int, S]:
    return {merchant: mo.status for merchant, mo in ids(db, oid).items()}


def test_the_shopper_takes_the_bread_and_the_apples_go_back_to_the_farm(
    db: Database, shop: Shop
) -> None:
    fleet, (oid,), drop = on_board(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = ids(db, oid)[shop.baker_id], ids(db, oid)[shop.farmer_id]

    done = part(db, shop, fleet, drop, {bread.id}, {apples.id}, code=code_of(db, oid))

    assert done == HandOver(handed_over=1, orders=(oid,), returned=1)
    assert statuses(db, oid) == {shop.baker_id: S.DELIVERED, shop.farmer_id: S.RETURNED}
    with db.uow() as uow:
        (payment,) = uow.session.scalars(select(OfflinePayment))  # the bread only
        assert (payment.merchant_order_id, payment.amount_cents) == (
            bread.id, bread.total_incl_cents,
        )  # fmt: skip
        # Nothing left to wait for: the apples are no longer to pay.
        assert uow.session.get_one(Order, oid).payment_status is PaymentStatus.PAID
        way_back = parcel_return(uow.session, apples.id)
        assert way_back is not None and way_back.held_at == DEPOT
        assert parcel_return(uow.session, bread.id) is None
        by_order = {
            s.merchant_order_id: (s.status, s.reason, s.done_at)
            for s in uow.session.scalars(select(Stop).where(Stop.kind == StopKind.DELIVER))
        }
    assert by_order == {
        bread.id: (StopStatus.DONE, "", at(10)),
        apples.id: (StopStatus.FAILED, REFUSED, at(10)),
    }


def test_of_a_shoppers_two_orders_at_one_door_one_is_taken_the_other_goes_back(
    db: Database, shop: Shop
) -> None:
    fleet, (first, second), drop = on_board(db, shop, {shop.bread_id: 1}, {shop.apples_id: 1})
    (bread,), (apples,) = merchant_orders(db, first), merchant_orders(db, second)

    # The code of either order proves the shopper, even the refused one's.
    done = part(db, shop, fleet, drop, {apples.id}, {bread.id}, code=code_of(db, first))

    assert done == HandOver(handed_over=1, orders=(first,), returned=1)
    assert (statuses(db, first), statuses(db, second)) == (
        {shop.baker_id: S.RETURNED}, {shop.farmer_id: S.DELIVERED},
    )  # fmt: skip


def test_something_must_be_taken_and_nothing_is_recorded_otherwise(
    db: Database, shop: Shop
) -> None:
    fleet, (oid,), drop = on_board(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = ids(db, oid)[shop.baker_id], ids(db, oid)[shop.farmer_id]
    code = code_of(db, oid)
    elsewhere = max(bread.id, apples.id) + 100  # no order of this door

    refusals = [
        ((set(), {bread.id, apples.id}), "nothing_handed_over"),
        (({bread.id}, set()), "visit_changed"),  # the apples, neither taken nor refused
        (({bread.id}, {apples.id, elsewhere}), "visit_changed"),
        (({bread.id, elsewhere}, {apples.id}), "visit_changed"),
        (({bread.id, apples.id}, {apples.id}), "visit_changed"),
    ]
    for (taken, refused), code_name in refusals:
        with pytest.raises(ValidationError) as error:
            part(db, shop, fleet, drop, taken, refused, code=code)
        assert (error.value.code, error.value.field) == (code_name, "handed_over")
    with pytest.raises(ValidationError, match="Indiquez ce qui s'est passé"):
        part(db, shop, fleet, drop, {bread.id}, {apples.id}, code=code, reason=" ")
    with pytest.raises(WrongDeliveryCode):
        part(db, shop, fleet, drop, {bread.id}, {apples.id}, code=f"{(int(code) + 1) % 10000:04d}")
    with pytest.raises(CodeAndMeansRefused):  # the bread is paid on delivery
        part(db, shop, fleet, drop, {bread.id}, {apples.id}, means=None)

    assert statuses(db, oid) == {
        shop.baker_id: S.HANDED_TO_COURIER, shop.farmer_id: S.HANDED_TO_COURIER,
    }  # fmt: skip
    with db.uow() as uow:
        assert uow.session.scalar(select(OfflinePayment.id)) is None
        assert parcel_return(uow.session, apples.id) is None
    assert {
        s.status for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER
    } == {StopStatus.TODO}


def test_nothing_taken_and_the_code_refused_are_said_at_once(db: Database, shop: Shop) -> None:
    fleet, (oid,), drop = on_board(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = ids(db, oid)[shop.baker_id], ids(db, oid)[shop.farmer_id]
    wrong = f"{(int(code_of(db, oid)) + 1) % 10000:04d}"

    for code, code_refusal in (("", MissingDeliveryCode), (wrong, WrongDeliveryCode)):
        with pytest.raises(NothingTakenAndCodeRefused) as refused:
            part(db, shop, fleet, drop, set(), {bread.id, apples.id}, code=code, means=None)

        error = refused.value
        assert (error.field, error.parts_error.code) == ("handed_over", "nothing_handed_over")
        assert type(error.code_error) is code_refusal
    assert statuses(db, oid) == {
        shop.baker_id: S.HANDED_TO_COURIER, shop.farmer_id: S.HANDED_TO_COURIER,
    }  # fmt: skip


def test_a_refused_part_paid_on_delivery_asks_no_payment_for_it(db: Database, shop: Shop) -> None:
    fleet, (first, second), drop = on_board(db, shop, {shop.bread_id: 1}, {shop.apples_id: 1})
    (bread,), (apples,) = merchant_orders(db, first), merchant_orders(db, second)
    with db.uow() as uow:  # the apples were paid for online
        uow.session.get_one(Order, second).payment_method = PaymentMethod.ONLINE
        uow.commit()

    part(db, shop, fleet, drop, {apples.id}, {bread.id}, code=code_of(db, second), means=None)

    assert statuses(db, second) == {shop.farmer_id: S.DELIVERED}
    assert statuses(db, first) == {shop.baker_id: S.RETURNED}


def bread_elsewhere_on_wednesday(db: Database, shop: Shop) -> tuple[Fleet, list[int], Stop]:
    """Jeanne's order (bread and apples) and her second one (a tart) failed on Tuesday; on
    Wednesday the operator moved the bread to another round. The fleet, the two orders and
    Wednesday's stop at her door (the tart's)."""
    fleet, (first, second), drop = on_board(
        db, shop, {shop.bread_id: 1, shop.apples_id: 1}, {shop.cake_id: 1}
    )
    do(fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND, now=at(10))
    planned(db, shop, date=WEDNESDAY, now=at(18))
    bread = ids(db, first)[shop.baker_id]
    (tart,) = merchant_orders(db, second)
    wednesday = [
        s for s in stops_of_plan(db, shop.territory_id, WEDNESDAY) if s.kind is StopKind.DELIVER
    ]
    with db.uow() as uow:  # the bread's stop leaves this run
        moved = next(s for s in wednesday if s.merchant_order_id == bread.id)
        uow.session.get_one(Stop, moved.id).status = StopStatus.FAILED
        uow.commit()
    door = next(s for s in wednesday if s.merchant_order_id == tart.id)
    return fleet, [first, second], door


def test_only_the_refused_parts_go_back_not_the_rest_of_their_order(
    db: Database, shop: Shop
) -> None:
    """Jeanne's order (bread and apples) and her second one (a tart) failed on Tuesday; on
    Wednesday the operator moved the bread to another round. At the door she takes the tart
    and refuses the apples: the bread, still on its way, does not go back with them."""
    fleet, (first, second), door = bread_elsewhere_on_wednesday(db, shop)
    apples = ids(db, first)[shop.farmer_id]
    (tart,) = merchant_orders(db, second)

    done = part(
        db,
        shop,
        fleet,
        door,
        {tart.id},
        {apples.id},
        code=code_of(db, second),
        now=at(10, day=WEDNESDAY),
    )

    assert done.returned == 1
    assert statuses(db, first) == {shop.baker_id: S.DELIVERY_FAILED, shop.farmer_id: S.RETURNED}
    assert statuses(db, second) == {shop.baker_id: S.DELIVERED}


def test_nothing_is_refused_in_part_at_a_pickup_point(db: Database, shop: Shop) -> None:
    fleet, (first, second), drop = on_board(
        db, shop, {shop.bread_id: 1}, {shop.apples_id: 1}, at_point=True
    )
    (bread,), (apples,) = merchant_orders(db, first), merchant_orders(db, second)

    with pytest.raises(ValidationError) as error:
        part(db, shop, fleet, drop, {bread.id}, {apples.id})

    assert error.value.code == "no_part_at_point"
    assert (statuses(db, first), statuses(db, second)) == (
        {shop.baker_id: S.HANDED_TO_COURIER}, {shop.farmer_id: S.HANDED_TO_COURIER},
    )  # fmt: skip


def test_a_door_refused_whole_sends_back_only_its_own_parcels(db: Database, shop: Shop) -> None:
    """As above, but Jeanne refuses everything at her door: the tart and the apples go back;
    the bread, on its way with another round, does not."""
    fleet, (first, second), door = bread_elsewhere_on_wednesday(db, shop)

    outcome = do(
        fail, db, shop, fleet, door, reason=REFUSED, refused=True,
        then=AfterFailure.RETURN_TO_SHOP, now=at(10, day=WEDNESDAY),
    )  # fmt: skip

    assert outcome.returned == 2
    assert statuses(db, first) == {shop.baker_id: S.DELIVERY_FAILED, shop.farmer_id: S.RETURNED}
    assert statuses(db, second) == {shop.baker_id: S.RETURNED}
