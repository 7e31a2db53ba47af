"""Which failed delivery the news of a return must tell the shopper about
(shop_core.orders.returns.failure_before_return): read from the order's history alone."""

from __future__ import annotations

import datetime as dt

import shop_core.models  # noqa: F401  (every mapper, for the models built in memory)
from shop_core.orders.model import MerchantOrder, StatusChange
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.returns import failure_before_return

TUESDAY = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)


def part(*steps: tuple[S, str]) -> MerchantOrder:
    """A merchant order gone through ``steps`` (state, reason), an hour apart."""
    history, current = [], S.PLACED
    for hour, (target, reason) in enumerate(steps):
        history.append(
            StatusChange(
                from_status=current,
                to_status=target,
                reason=reason,
                at=TUESDAY + dt.timedelta(hours=hour),
            )
        )
        current = target
    return MerchantOrder(status=current, history=history)


ON_THE_WAY = [(S.ACCEPTED, ""), (S.READY, ""), (S.HANDED_TO_COURIER, "")]


def test_a_return_after_failed_deliveries_tells_the_last_failure() -> None:
    mo = part(
        *ON_THE_WAY,
        (S.DELIVERY_FAILED, "Absent"),
        (S.HANDED_TO_COURIER, "Nouvelle présentation"),
        (S.DELIVERY_FAILED, "Portail fermé"),
        (S.RETURNED, "Client injoignable"),
    )

    failure = failure_before_return(mo)

    assert failure is not None
    assert (failure.reason, failure.at) == ("Portail fermé", TUESDAY + dt.timedelta(hours=5))


def test_a_return_from_the_pickup_point_tells_no_failure() -> None:
    # Failed once at the point's door, then left there: the shopper never came.
    mo = part(
        *ON_THE_WAY,
        (S.DELIVERY_FAILED, "Point fermé"),
        (S.HANDED_TO_COURIER, "Nouvelle présentation"),
        (S.DELIVERED, ""),
        (S.RETURNED, "Jamais venue la chercher"),
    )

    assert failure_before_return(mo) is None


def test_a_failed_delivery_not_returned_has_no_return_to_tell() -> None:
    assert failure_before_return(part(*ON_THE_WAY, (S.DELIVERY_FAILED, "Absent"))) is None
    assert failure_before_return(part()) is None
