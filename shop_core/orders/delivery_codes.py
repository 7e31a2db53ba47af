"""The shopper's delivery code: four digits on the confirmation, asked for whenever the
parcels change hands with them — at the door (the courier), at a pickup point, at the shop
(click and collect)."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field

from shop_core.errors import DomainError
from shop_core.orders.model import Order


class WrongDeliveryCode(DomainError):
    """The code given is not the order's: the parcels stay where they are."""

    code = "wrong_delivery_code"
    template = (
        "Code incorrect : demandez au client le code à 4 chiffres de sa confirmation de commande."
    )


def code_matches(order: Order, code: str) -> bool:
    """Whether ``code`` (spaces ignored) is the order's delivery code."""
    given = "".join(code.split())
    return hmac.compare_digest(given.encode(), order.delivery_code.encode())


class MissingDeliveryCode(WrongDeliveryCode):
    """No code given at all: asked for rather than called wrong (a ``WrongDeliveryCode``
    still, so whoever shows it by the code field goes on doing so)."""

    code = "missing_delivery_code"
    template = (
        "Indiquez le code à 4 chiffres que le client a reçu avec sa confirmation de commande."
    )


#: Only :func:`check_code` holds it: a ``CheckedCode`` built anywhere else is refused.
_CHECKED = object()


@dataclass(frozen=True)
class CheckedCode:
    """What :func:`check_code` gives once the shopper's code is right: the orders it
    proves, which ``shop_core.orders.services.transition`` asks for before it hands
    their parcels to the shopper (*livrée* at the door, *retirée*). Only ``check_code``
    makes one: a caller cannot write ``CheckedCode(frozenset({id}))`` to skip the code."""

    order_ids: frozenset[int]
    _by: object = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self._by is not _CHECKED:
            raise TypeError("CheckedCode comes from check_code, once the shopper's code is right")


def check_code(orders: Iterable[Order], code: str) -> CheckedCode:
    """Refuse ``code`` unless it is the code of one of ``orders`` (a door's orders are one
    shopper's: the code of any proves it): ``MissingDeliveryCode`` when none was given,
    ``WrongDeliveryCode`` otherwise."""
    if not code.strip():
        raise MissingDeliveryCode()
    orders = list(orders)
    if not any(code_matches(order, code) for order in orders):
        raise WrongDeliveryCode()
    return CheckedCode(frozenset(order.id for order in orders), _CHECKED)
