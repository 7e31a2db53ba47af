"""The merchant order state machine."""

from __future__ import annotations

from shop_core.orders.model import MerchantOrderStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.PLACED: frozenset({S.PAID, S.ACCEPTED, S.REFUSED, S.CANCELLED}),
    S.PAID: frozenset({S.ACCEPTED, S.REFUSED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.PREPARING, S.READY, S.CANCELLED}),
    S.PREPARING: frozenset({S.READY, S.CANCELLED}),
    S.READY: frozenset({S.HANDED_TO_COURIER, S.PICKED_UP, S.CANCELLED}),
    S.HANDED_TO_COURIER: frozenset({S.DELIVERED, S.DELIVERY_FAILED}),
    # A failed delivery goes on the next round, to a pickup point, or back to the shop.
    S.DELIVERY_FAILED: frozenset({S.HANDED_TO_COURIER, S.PICKED_UP, S.RETURNED}),
    # Parcels left at a pickup point are "delivered" there, then picked up by the shopper.
    S.DELIVERED: frozenset({S.PICKED_UP, S.RETURNED}),
    S.PICKED_UP: frozenset({S.RETURNED}),
    S.REFUSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.RETURNED: frozenset(),
}

#: States in which the goods are still at the shop: cancelling gives the stock back.
STOCK_RETURNS_ON_CANCEL = frozenset({S.PLACED, S.PAID, S.ACCEPTED, S.PREPARING, S.READY})

#: States after which nothing more happens to a merchant order.
FINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

#: States that end the sale (an invoice is issued).
COMPLETED = frozenset({S.DELIVERED, S.PICKED_UP})


def can_move(current: S, target: S) -> bool:
    """Whether the state machine allows ``current`` → ``target``."""
    return target in TRANSITIONS[current]
