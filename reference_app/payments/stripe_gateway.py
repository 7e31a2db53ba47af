"""The Stripe Connect gateway: separate charges and transfers, Express connected accounts,
hosted Checkout. Every call goes through ``stripe.StripeClient``; ``api_base`` points it at
another server (a local fake in tests).
"""

from __future__ import annotations

from typing import Any

import stripe

from shop_core.payments.gateway import (
    AccountState,
    CheckoutCreated,
    CheckoutRequest,
    CheckoutState,
    GatewayError,
)

CURRENCY = "eur"


def _id(value: Any) -> str | None:
    """An id from a field Stripe returns either as an id or as an expanded object."""
    if value is None or isinstance(value, str):
        return value
    found = value.get("id") if isinstance(value, dict) else None
    return str(found) if found else None


class StripeGateway:
    """:class:`~shop_core.payments.gateway.MarketplaceGateway` on Stripe Connect."""

    provider = "stripe"

    def __init__(self, api_key: str, *, api_base: str | None = None) -> None:
        addresses: dict[str, str | None] = {"api": api_base} if api_base else {}
        self._client = stripe.StripeClient(
            api_key,
            base_addresses=addresses,  # type: ignore[arg-type]
            max_network_retries=2,
        )

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Call the client; Stripe's errors become ``GatewayError``, objects plain dicts."""
        try:
            result: dict[str, Any] = fn(*args, **kwargs).to_dict()
            return result
        except stripe.StripeError as error:
            message = getattr(error, "user_message", None) or str(error) or type(error).__name__
            raise GatewayError(message) from error

    def create_checkout(self, request: CheckoutRequest) -> CheckoutCreated:
        params: dict[str, Any] = {
            "mode": "payment",
            "customer_email": request.customer_email,
            "client_reference_id": str(request.order_id),
            "line_items": [
                {
                    "price_data": {
                        "currency": CURRENCY,
                        "unit_amount": line.amount_cents,
                        "product_data": {"name": line.name},
                    },
                    "quantity": line.quantity,
                }
                for line in request.lines
            ],
            "metadata": {"order_id": str(request.order_id), "reference": request.order_reference},
            "payment_intent_data": {
                "transfer_group": request.order_reference,
                "metadata": {"order_id": str(request.order_id)},
                "capture_method": "manual" if request.manual_capture else "automatic",
            },
            "expires_at": request.expires_at,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "locale": "fr",
        }
        session = self._call(
            self._client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": request.idempotency_key},
        )
        return CheckoutCreated(checkout_id=session["id"], url=session["url"])

    def retrieve_checkout(self, checkout_id: str) -> CheckoutState:
        session = self._call(self._client.v1.checkout.sessions.retrieve, checkout_id)
        metadata = session.get("metadata") or {}
        order_id = metadata.get("order_id") or session.get("client_reference_id")
        intent_id = _id(session.get("payment_intent"))
        intent = (
            self._call(self._client.v1.payment_intents.retrieve, intent_id) if intent_id else None
        )
        state = "open"
        amount = 0
        charge = None
        if session.get("status") == "expired":
            state = "expired"
        elif session.get("status") == "complete" and intent is not None:
            if intent["status"] == "succeeded":
                state, amount = "paid", intent["amount_received"]
                charge = _id(intent.get("latest_charge"))
            elif intent["status"] == "requires_capture":
                state, amount = "authorized", intent["amount_capturable"]
            elif intent["status"] in ("requires_payment_method", "canceled"):
                state = "failed"
        return CheckoutState(
            checkout_id=session["id"],
            order_id=int(order_id) if order_id and str(order_id).isdigit() else None,
            payment_state=state,
            amount_cents=int(amount or 0),
            payment_intent_id=intent_id,
            charge_id=charge,
        )

    def capture(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        intent = self._call(
            self._client.v1.payment_intents.capture,
            payment_intent_id,
            params={"amount_to_capture": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        charge = _id(intent.get("latest_charge"))
        if charge is None:
            raise GatewayError("capture without a charge")
        return charge

    def cancel_authorization(self, payment_intent_id: str) -> None:
        self._call(self._client.v1.payment_intents.cancel, payment_intent_id)

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
        params: dict[str, Any] = {
            "amount": amount_cents,
            "currency": CURRENCY,
            "destination": destination,
            "transfer_group": transfer_group,
            "description": description,
        }
        if source_transaction:
            # Transfers wait for the charge's funds instead of the platform's balance.
            params["source_transaction"] = source_transaction
        transfer = self._call(
            self._client.v1.transfers.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return str(transfer["id"])

    def reverse_transfer(self, transfer_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        reversal = self._call(
            self._client.v1.transfers.reversals.create,
            transfer_id,
            params={"amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return str(reversal["id"])

    def refund(self, payment_intent_id: str, *, amount_cents: int, idempotency_key: str) -> str:
        refund = self._call(
            self._client.v1.refunds.create,
            params={"payment_intent": payment_intent_id, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
        return str(refund["id"])

    def create_account(self, *, email: str, business_name: str, idempotency_key: str) -> str:
        params: dict[str, Any] = {
            "type": "express",
            "country": "FR",
            "capabilities": {"transfers": {"requested": True}},
            "business_profile": {"name": business_name},
        }
        if email:
            params["email"] = email
        account = self._call(
            self._client.v1.accounts.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return str(account["id"])

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        link = self._call(
            self._client.v1.account_links.create,
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(link["url"])

    def retrieve_account(self, account_id: str) -> AccountState:
        account = self._call(self._client.v1.accounts.retrieve, account_id)
        requirements = account.get("requirements") or {}
        return AccountState(
            account_id=account["id"],
            charges_enabled=bool(account.get("charges_enabled")),
            payouts_enabled=bool(account.get("payouts_enabled")),
            details_submitted=bool(account.get("details_submitted")),
            disabled_reason=requirements.get("disabled_reason"),
        )
