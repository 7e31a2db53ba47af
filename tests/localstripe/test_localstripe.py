"""The Stripe gateway against localstripe: PaymentIntents, 3-D Secure, manual capture,
refunds, and webhooks signed by another implementation than ours, checked by
``stripe.Webhook.construct_event``.

localstripe knows neither Checkout nor Connect (accounts, transfers): those calls are covered
by the fake server of ``tests/fake_stripe.py``.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import stripe

from reference_app.payments.stripe_gateway import StripeGateway

KEY = "sk_test_cabas"
SECRET = "whsec_localstripe"


@pytest.fixture
def client(localstripe_url: str) -> stripe.StripeClient:
    return stripe.StripeClient(KEY, base_addresses={"api": localstripe_url})


@pytest.fixture
def gateway(localstripe_url: str) -> StripeGateway:
    return StripeGateway(KEY, api_base=localstripe_url)


def intent(client: stripe.StripeClient, amount: int, **params: Any) -> dict[str, Any]:
    created = client.v1.payment_intents.create(
        params={"amount": amount, "currency": "eur", "payment_method_types": ["card"], **params}
    )
    result: dict[str, Any] = created.to_dict()
    return result


def card(client: stripe.StripeClient, number: str) -> str:
    method = client.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return str(method.id)


def confirm(client: stripe.StripeClient, intent_id: str, method: str) -> dict[str, Any]:
    # localstripe wants the payment method on the intent before confirming.
    client.v1.payment_intents.update(intent_id, params={"payment_method": method})
    result: dict[str, Any] = client.v1.payment_intents.confirm(intent_id).to_dict()
    return result


def test_paid_intent_is_refunded_in_two_parts(
    client: stripe.StripeClient, gateway: StripeGateway
) -> None:
    pi = intent(client, 3000)
    paid = confirm(client, pi["id"], card(client, "4242424242424242"))
    assert paid["status"] == "succeeded"

    first = gateway.refund(pi["id"], amount_cents=1000, idempotency_key="refund:ls-1")
    second = gateway.refund(pi["id"], amount_cents=2000, idempotency_key="refund:ls-2")

    assert first != second
    refunds = client.v1.refunds.list(params={"payment_intent": pi["id"]}).to_dict()["data"]
    assert sorted(r["amount"] for r in refunds) == [1000, 2000]


def test_held_amount_is_captured_after_weighing_for_less(
    client: stripe.StripeClient, gateway: StripeGateway
) -> None:
    pi = intent(client, 2174, capture_method="manual")
    held = confirm(client, pi["id"], card(client, "4242424242424242"))
    assert held["status"] == "requires_capture"

    charge = gateway.capture(pi["id"], amount_cents=2079, idempotency_key="capture:ls-1")

    after = client.v1.payment_intents.retrieve(pi["id"]).to_dict()
    assert after["status"] == "succeeded"
    captured = client.v1.charges.retrieve(charge).to_dict()
    assert captured["captured"] is True
    # localstripe books a partial capture as a refund of what was not taken.
    assert captured["amount"] - captured["amount_refunded"] == 2079


def test_hold_is_released_when_nothing_is_left_to_sell(
    client: stripe.StripeClient, gateway: StripeGateway
) -> None:
    pi = intent(client, 1500, capture_method="manual")
    confirm(client, pi["id"], card(client, "4242424242424242"))

    gateway.cancel_authorization(pi["id"])

    assert client.v1.payment_intents.retrieve(pi["id"]).status == "canceled"


def test_three_d_secure_card_needs_authentication_then_succeeds(
    client: stripe.StripeClient, localstripe_url: str
) -> None:
    pi = intent(client, 4200)
    pending = confirm(client, pi["id"], card(client, "4000002500003155"))
    assert pending["status"] == "requires_action"

    # localstripe's stand-in for the bank's challenge page.
    client.raw_request(
        "post",
        f"/v1/payment_intents/{pi['id']}/_authenticate",
        client_secret=pending["client_secret"],
        success="true",
    )

    assert client.v1.payment_intents.retrieve(pi["id"]).status == "succeeded"


def test_declined_card_is_an_error_the_gateway_turns_into_a_message(
    client: stripe.StripeClient,
) -> None:
    pi = intent(client, 1000)
    with pytest.raises(stripe.StripeError):
        confirm(client, pi["id"], card(client, "4000000000000341"))


class _Receiver:
    """A local endpoint that checks each delivery with ``construct_event``."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    event = stripe.Webhook.construct_event(
                        body, self.headers.get("Stripe-Signature"), SECRET
                    )
                except (ValueError, stripe.SignatureVerificationError):
                    receiver.refused += 1
                    self.send_response(400)
                else:
                    receiver.events.append(str(event.type))
                    self.send_response(200)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe"


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_webhooks_signed_by_localstripe_pass_construct_event(
    client: stripe.StripeClient, receiver: _Receiver, localstripe_url: str
) -> None:
    request = urllib.request.Request(
        f"{localstripe_url}/_config/webhooks/cabas",
        data=urllib.parse.urlencode(
            {"url": receiver.url, "secret": SECRET, "events[]": "payment_intent.succeeded"}
        ).encode(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=30).close()
    pi = intent(client, 1234)
    confirm(client, pi["id"], card(client, "4242424242424242"))

    deadline = time.monotonic() + 120  # deliveries are asynchronous; a loaded machine is slow
    while "payment_intent.succeeded" not in receiver.events and time.monotonic() < deadline:
        time.sleep(0.2)

    assert "payment_intent.succeeded" in receiver.events
    assert receiver.refused == 0
