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


# --- online payments with a marketplace provider (e.g. Stripe Connect) ---------------------


class GatewayError(Exception):
    """The provider refused a call or could not be reached; nothing was recorded as done."""


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    """One line of the hosted payment page (integer cents, tax included)."""

    name: str
    amount_cents: int
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """What the hosted payment page asks for: one page per basket, grouped by order reference."""

    order_id: int
    order_reference: str
    customer_email: str
    lines: tuple[CheckoutLine, ...]
    manual_capture: bool
    expires_at: int  # Unix time: when the stock reservation ends
    success_url: str
    cancel_url: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class CheckoutCreated:
    checkout_id: str
    url: str


@dataclass(frozen=True, slots=True)
class CheckoutState:
    """A checkout page as the provider sees it now (re-fetched, never trusted from an event).

    ``payment_state`` is ``paid`` (money captured), ``authorized`` (held, to capture later),
    ``failed``, ``expired`` or ``open``.
    """

    checkout_id: str
    order_id: int | None
    payment_state: str
    amount_cents: int
    payment_intent_id: str | None = None
    charge_id: str | None = None


@dataclass(frozen=True, slots=True)
class AccountState:
    account_id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    disabled_reason: str | None = None


class MarketplaceGateway(Protocol):
    """The calls a marketplace provider answers; implemented outside the core (network I/O).

    Every call that moves money takes an idempotency key, so that a retry after a timeout
    never pays twice.
    """

    provider: str

    def create_checkout(self, request: CheckoutRequest) -> CheckoutCreated: ...

    def retrieve_checkout(self, checkout_id: str) -> CheckoutState: ...

    def capture(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        """Capture a held amount; returns the charge id."""
        ...

    def cancel_authorization(self, payment_intent_id: str) -> None: ...

    def create_transfer(
        self,
        *,
        amount_cents: int,
        destination: str,
        source_transaction: str | None,
        transfer_group: str,
        idempotency_key: str,
        description: str,
    ) -> str: ...

    def reverse_transfer(
        self, transfer_id: str, *, amount_cents: int, idempotency_key: str
    ) -> str: ...

    def refund(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str: ...

    def create_account(self, *, email: str, business_name: str, idempotency_key: str) -> str: ...

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str: ...

    def retrieve_account(self, account_id: str) -> AccountState: ...
