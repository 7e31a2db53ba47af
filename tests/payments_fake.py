"""An in-process marketplace gateway for the fast tests: a few dicts, no network.

It behaves like the provider where Cabas relies on it: an idempotency key replayed returns
the first answer, amounts are checked against what was paid, and transfers come from a
charge's funds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from shop_core.payments.gateway import (
    AccountState,
    CheckoutCreated,
    CheckoutRequest,
    CheckoutState,
    GatewayError,
)


@dataclass
class FakeSession:
    request: CheckoutRequest
    state: str = "open"
    amount_cents: int = 0
    payment_intent: str | None = None
    charge: str | None = None


@dataclass
class FakeMarketplace:
    provider: str = "fake"
    sessions: dict[str, FakeSession] = field(default_factory=dict)
    transfers: dict[str, dict[str, object]] = field(default_factory=dict)
    reversals: list[dict[str, object]] = field(default_factory=list)
    refunds: list[dict[str, object]] = field(default_factory=list)
    captures: list[dict[str, object]] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    accounts: dict[str, AccountState] = field(default_factory=dict)
    fail_next: set[str] = field(default_factory=set)
    _keys: dict[str, object] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    def _maybe_fail(self, call: str) -> None:
        if call in self.fail_next:
            self.fail_next.discard(call)
            raise GatewayError(f"{call} refused")

    def _once(self, key: str, make: object) -> str:
        if key not in self._keys:
            self._keys[key] = make() if callable(make) else make
        value = self._keys[key]
        assert isinstance(value, str)
        return value

    # --- the shopper's side, as the hosted page would do it
    def pay(self, checkout_id: str, *, state: str = "paid") -> None:
        session = self.sessions[checkout_id]
        session.state = state
        if state in ("paid", "authorized"):
            session.amount_cents = sum(
                ln.amount_cents * ln.quantity for ln in session.request.lines
            )
            session.payment_intent = self._id("pi")
            session.charge = self._id("ch") if state == "paid" else None

    # --- MarketplaceGateway
    def create_checkout(self, request: CheckoutRequest) -> CheckoutCreated:
        self._maybe_fail("checkout")

        def make() -> str:
            sid = self._id("cs")
            self.sessions[sid] = FakeSession(request)
            return sid

        sid = self._once(request.idempotency_key, make)
        return CheckoutCreated(sid, f"https://pay.example/{sid}")

    def retrieve_checkout(self, checkout_id: str) -> CheckoutState:
        self._maybe_fail("retrieve")
        s = self.sessions[checkout_id]
        return CheckoutState(
            checkout_id=checkout_id,
            order_id=s.request.order_id,
            payment_state=s.state,
            amount_cents=s.amount_cents,
            payment_intent_id=s.payment_intent,
            charge_id=s.charge,
        )

    def capture(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        self._maybe_fail("capture")
        session = next(s for s in self.sessions.values() if s.payment_intent == payment_intent_id)
        if amount_cents > session.amount_cents:
            raise GatewayError("amount_too_large")

        def make() -> str:
            session.charge = self._id("ch")
            self.captures.append({"pi": payment_intent_id, "amount": amount_cents})
            return session.charge

        return self._once(idempotency_key, make)

    def cancel_authorization(self, payment_intent_id: str) -> None:
        self.released.append(payment_intent_id)

    def create_transfer(
        self,
        *,
        amount_cents: int,
        destination: str,
        source_transaction: str | None,
        transfer_group: str,
        idempotency_key: str,
        description: str,
    ) -> str:
        self._maybe_fail("transfer")
        if amount_cents <= 0:
            raise GatewayError("amount must be positive")

        def make() -> str:
            tid = self._id("tr")
            self.transfers[tid] = {
                "amount": amount_cents,
                "destination": destination,
                "source_transaction": source_transaction,
                "transfer_group": transfer_group,
                "reversed": 0,
            }
            return tid

        return self._once(idempotency_key, make)

    def reverse_transfer(self, transfer_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        self._maybe_fail("reversal")
        transfer = self.transfers[transfer_id]
        left = int(transfer["amount"]) - int(transfer["reversed"])  # type: ignore[call-overload]
        if amount_cents > left:
            raise GatewayError("reversal larger than the transfer")

        def make() -> str:
            transfer["reversed"] = int(transfer["reversed"]) + amount_cents  # type: ignore[call-overload]
            rid = self._id("trr")
            self.reversals.append({"id": rid, "transfer": transfer_id, "amount": amount_cents})
            return rid

        return self._once(idempotency_key, make)

    def refund(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        self._maybe_fail("refund")

        def make() -> str:
            rid = self._id("re")
            self.refunds.append({"id": rid, "pi": payment_intent_id, "amount": amount_cents})
            return rid

        return self._once(idempotency_key, make)

    def create_account(self, *, email: str, business_name: str, idempotency_key: str) -> str:
        def make() -> str:
            aid = self._id("acct")
            self.accounts[aid] = AccountState(aid, False, False, False)
            return aid

        return self._once(idempotency_key, make)

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        return f"https://connect.example/{account_id}?return={return_url}"

    def retrieve_account(self, account_id: str) -> AccountState:
        return self.accounts[account_id]

    def activate(self, account_id: str) -> None:
        self.accounts[account_id] = AccountState(account_id, True, True, True)

    def transferred_to(self, account_id: str) -> int:
        return sum(
            int(t["amount"]) - int(t["reversed"])  # type: ignore[call-overload]
            for t in self.transfers.values()
            if t["destination"] == account_id
        )
