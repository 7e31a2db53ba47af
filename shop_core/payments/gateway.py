"""Payments behind an interface: the core decides *what* to charge, gateways *how*.

The offline gateway (pay at delivery or pickup) needs no keys and is the default. Online
gateways (e.g. Stripe) implement the same protocol in the application layer, where network
I/O is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shop_core.orders.model import Order, PaymentMethod


@dataclass(frozen=True, slots=True)
class PaymentStart:
    """What the shopper does next: nothing (offline), or follow ``redirect_url``."""

    method: PaymentMethod
    redirect_url: str | None = None
    provider_reference: str | None = None


class PaymentGateway(Protocol):
    """Starts the payment of an order placed with this gateway's method."""

    method: PaymentMethod

    def start(self, order: Order, *, success_url: str, cancel_url: str) -> PaymentStart: ...


class OfflineGateway:
    """Payment at delivery or pickup: nothing to do online."""

    method = PaymentMethod.OFFLINE

    def start(self, order: Order, *, success_url: str, cancel_url: str) -> PaymentStart:
        return PaymentStart(method=PaymentMethod.OFFLINE)
