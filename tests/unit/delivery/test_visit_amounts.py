"""What a courier has left to take at a door (``delivery.queries.PlaceVisit``), for the
orders the shopper takes: the « Remis au client » ticks of a door with several orders."""

from __future__ import annotations

import datetime as dt

from delivery.model import StopKind, StopStatus
from delivery.queries import PlaceVisit, VisitItem
from shop_core.orders.model import MerchantOrderStatus
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver

S = MerchantOrderStatus
MORNING = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
BREAD, APPLES, TART, CHEESE = 1, 2, 3, 4


def item(
    merchant_order_id: int,
    due_cents: int | None,
    *,
    status: StopStatus = StopStatus.TODO,
    order_status: S = S.HANDED_TO_COURIER,
    paid: OfflinePayment | None = None,
) -> VisitItem:
    return VisitItem(
        stop_id=10 + merchant_order_id, merchant_order_id=merchant_order_id,
        reference=f"TER-{merchant_order_id}", merchant_id=merchant_order_id, merchant="Shop",
        parcels=1, status=status, order_status=order_status, reason="", lines=(),
        due_cents=due_cents, paid=paid,
    )  # fmt: skip


def door(*items: VisitItem) -> PlaceVisit:
    return PlaceVisit(
        stop_id=items[0].stop_id, number=1, kind=StopKind.DELIVER, place_name="",
        address="3 rue des Tilleuls", lat=50.38, lon=2.33, approximate=False, expected=MORNING,
        window=None, customer="Jeanne Martin", phone="", instructions="", order_id=1,
        order_reference="TER-1", at_pickup_point=False, items=items,
    )  # fmt: skip


def cash(cents: int) -> OfflinePayment:
    return OfflinePayment(amount_cents=cents, means=PaymentMeans.CASH, receiver=Receiver.COURIER)


def test_what_is_left_to_take_follows_the_orders_the_shopper_takes() -> None:
    # The bread is paid at the door, the apples were paid online.
    visit = door(item(BREAD, 1250), item(APPLES, 0))

    assert visit.still_due_for(None) == visit.still_due_cents == 1250  # all taken
    assert visit.still_due_for({BREAD, APPLES}) == 1250
    assert visit.still_due_for({APPLES}) == 0  # the bread refused: nothing to take
    assert visit.still_due_for(set()) == 0


def test_what_was_paid_here_already_is_not_to_take_again() -> None:
    # The tart was handed over and paid in cash; the bread is still to hand over.
    visit = door(item(TART, 800, status=StopStatus.DONE, paid=cash(800)), item(BREAD, 1250))

    assert visit.due_cents == 2050  # what the door costs in all, as planned
    assert visit.still_due_for(None) == 1250
    assert visit.still_due_for({BREAD}) == 1250
    assert visit.still_due_for({TART}) == 0


def test_failed_and_cancelled_orders_are_not_to_take() -> None:
    visit = door(
        item(BREAD, 1250),
        item(APPLES, 400, status=StopStatus.FAILED),
        item(CHEESE, 900, order_status=S.CANCELLED),
    )

    assert visit.still_due_for({BREAD, APPLES, CHEESE}) == 1250


def test_a_stop_where_the_courier_takes_no_money_has_no_amount_whatever_is_ticked() -> None:
    at_point = door(item(BREAD, None), item(APPLES, None))

    assert at_point.still_due_for(None) is None
    assert at_point.still_due_for({BREAD}) is None
    assert at_point.still_due_for(set()) is None
