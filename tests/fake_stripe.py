"""A local HTTP server answering the Stripe calls Cabas makes, like Stripe does.

The real ``stripe`` client is pointed at it (``CABAS_STRIPE_API_BASE``), so the client code
path runs for real: form-encoded nested parameters, ``Idempotency-Key`` replay, JSON objects
with ``id`` and ``object``, errors as ``{"error": {...}}`` with a 4xx status.

It also stands in for Stripe's hosted pages: ``/pay/<session>`` (the Checkout page, with a
"Payer" button that completes the session, redirects to ``success_url`` and sends the signed
webhook) and ``/connect/<account>`` (Express onboarding). Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header: HMAC-SHA256 of ``"{t}.{payload}"``."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=1``) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = [] if nxt_is_index else {}
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


class FakeStripe:
    """The state of the fake Stripe account, and the server around it."""

    def __init__(self, webhook_url: str | None = None, webhook_secret: str = "whsec_test") -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.objects: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeStripe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [o for o in self.objects.values() if o["object"] == kind]

    # --- what the shopper and the merchant do on Stripe's hosted pages -----------------------

    def complete_checkout(self, session_id: str, *, send_webhook: bool = True) -> dict[str, Any]:
        """The shopper pays on the hosted page: the session completes, the PI succeeds
        (or is held, with manual capture), and ``checkout.session.completed`` is sent."""
        with self.lock:
            session = self.objects[session_id]
            amount = sum(
                int(li["price_data"]["unit_amount"]) * int(li.get("quantity", 1))
                for li in session["_line_items"]
            )
            pi_data = session["_payment_intent_data"]
            manual = pi_data.get("capture_method") == "manual"
            intent = {
                "id": self.new_id("pi"),
                "object": "payment_intent",
                "amount": amount,
                "currency": "eur",
                "capture_method": "manual" if manual else "automatic",
                "status": "requires_capture" if manual else "succeeded",
                "amount_capturable": amount if manual else 0,
                "amount_received": 0 if manual else amount,
                "latest_charge": None,
                "transfer_group": pi_data.get("transfer_group"),
                "metadata": pi_data.get("metadata", {}),
            }
            charge = self._charge(intent["id"], amount, captured=not manual)
            intent["latest_charge"] = charge["id"]
            self.objects[intent["id"]] = intent
            session.update(
                status="complete",
                payment_status="unpaid" if manual else "paid",
                payment_intent=intent["id"],
                amount_total=amount,
            )
        if send_webhook:
            self.send_event("checkout.session.completed", session)
        return session

    def expire_checkout(self, session_id: str, *, send_webhook: bool = True) -> None:
        with self.lock:
            session = self.objects[session_id]
            session.update(status="expired", url=None)
        if send_webhook:
            self.send_event("checkout.session.expired", session)

    def activate_account(self, account_id: str, *, send_webhook: bool = True) -> None:
        with self.lock:
            account = self.objects[account_id]
            account.update(
                details_submitted=True,
                charges_enabled=True,
                payouts_enabled=True,
                requirements={"disabled_reason": None, "currently_due": []},
            )
        if send_webhook:
            self.send_event("account.updated", account)

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in obj.items() if not k.startswith("_")}
        return {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": int(time.time()),
            "type": type_,
            "livemode": False,
            "data": {"object": public},
        }

    def send_event(self, type_: str, obj: dict[str, Any]) -> int | None:
        """Sign and POST an event to the configured webhook URL; returns the HTTP status."""
        event = self.event(type_, obj)
        self.events.append(event)
        if not self.webhook_url:
            return None
        payload = json.dumps(event)
        request = urllib.request.Request(
            self.webhook_url,
            data=payload.encode(),
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": sign(payload, self.webhook_secret),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def _charge(self, intent_id: str, amount: int, *, captured: bool) -> dict[str, Any]:
        charge = {
            "id": self.new_id("ch"),
            "object": "charge",
            "amount": amount,
            "amount_captured": amount if captured else 0,
            "amount_refunded": 0,
            "captured": captured,
            "payment_intent": intent_id,
            "status": "succeeded",
        }
        self.objects[charge["id"]] = charge
        return charge

    # --- the API -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        parts = [p for p in path.split("/") if p][1:]  # drop "v1"
        with self.lock:
            self.calls.append((method, path, params))
            return self._route(method, parts, params)

    def _route(
        self, method: str, parts: list[str], p: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        if method == "GET" and len(parts) == 2 and parts[1] in self.objects:
            return 200, self._public(self.objects[parts[1]])
        if method == "GET" and len(parts) == 3 and parts[:2] == ["checkout", "sessions"]:
            return self._get(parts[2])
        if method == "POST":
            if parts == ["checkout", "sessions"]:
                return self._create_session(p)
            if parts == ["accounts"]:
                return self._create_account(p)
            if parts == ["account_links"]:
                return self._account_link(p)
            if parts == ["transfers"]:
                return self._transfer(p)
            if len(parts) == 3 and parts[0] == "transfers" and parts[2] == "reversals":
                return self._reversal(parts[1], p)
            if parts == ["refunds"]:
                return self._refund(p)
            if len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "capture":
                return self._capture(parts[1], p)
            if len(parts) == 3 and parts[0] == "payment_intents" and parts[2] == "cancel":
                return self._cancel(parts[1])
        return 404, _error(
            "invalid_request_error", f"Unrecognized request URL ({'/'.join(parts)})."
        )

    def _public(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _get(self, object_id: str) -> tuple[int, dict[str, Any]]:
        obj = self.objects.get(object_id)
        if obj is None:
            return 404, _error(
                "invalid_request_error", f"No such object: '{object_id}'", "resource_missing"
            )
        return 200, self._public(obj)

    def _create_session(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        for key in ("mode", "success_url", "line_items"):
            if key not in p:
                return 400, _error("invalid_request_error", f"Missing required param: {key}.")
        sid = self.new_id("cs_test")
        session = {
            "id": sid,
            "object": "checkout.session",
            "mode": p["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "url": f"{self.url}/pay/{sid}",
            "success_url": p["success_url"],
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "customer_email": p.get("customer_email"),
            "metadata": p.get("metadata", {}),
            "expires_at": int(p.get("expires_at", time.time() + 86400)),
            "payment_intent": None,
            "amount_total": sum(
                int(li["price_data"]["unit_amount"]) * int(li.get("quantity", 1))
                for li in p["line_items"]
            ),
            "_line_items": p["line_items"],
            "_payment_intent_data": p.get("payment_intent_data", {}),
        }
        self.objects[sid] = session
        return 200, self._public(session)

    def _create_account(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if p.get("type") != "express":
            return 400, _error("invalid_request_error", "Only Express accounts in this fake.")
        aid = self.new_id("acct")
        account = {
            "id": aid,
            "object": "account",
            "type": "express",
            "country": p.get("country", "FR"),
            "email": p.get("email"),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements": {"disabled_reason": None, "currently_due": ["external_account"]},
        }
        self.objects[aid] = account
        return 200, account

    def _account_link(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        account = p.get("account", "")
        if account not in self.objects:
            return 400, _error(
                "invalid_request_error", f"No such account: '{account}'", "resource_missing"
            )
        self.objects[account]["_return_url"] = p.get("return_url")
        return 200, {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"{self.url}/connect/{account}",
        }

    def _transfer(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        destination = self.objects.get(p.get("destination", ""))
        if destination is None or not destination.get("payouts_enabled"):
            return 400, _error(
                "invalid_request_error", "Destination account cannot receive transfers."
            )
        amount = int(p["amount"])
        source = p.get("source_transaction")
        if source:
            charge = self.objects.get(source)
            if charge is None or not charge["captured"]:
                return 400, _error("invalid_request_error", f"No such charge: '{source}'")
            already = sum(
                int(t["amount"])
                for t in self.of_type("transfer")
                if t.get("source_transaction") == source
            )
            if already + amount > charge["amount_captured"]:
                return 400, _error(
                    "invalid_request_error", "Insufficient funds in the source transaction."
                )
        tid = self.new_id("tr")
        transfer = {
            "id": tid,
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": p.get("currency", "eur"),
            "destination": p["destination"],
            "source_transaction": source,
            "transfer_group": p.get("transfer_group"),
            "description": p.get("description"),
            "reversed": False,
        }
        self.objects[tid] = transfer
        return 200, transfer

    def _reversal(self, transfer_id: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        transfer = self.objects.get(transfer_id)
        if transfer is None:
            return 404, _error(
                "invalid_request_error", f"No such transfer: '{transfer_id}'", "resource_missing"
            )
        amount = int(p.get("amount", transfer["amount"] - transfer["amount_reversed"]))
        if amount > transfer["amount"] - transfer["amount_reversed"]:
            return 400, _error("invalid_request_error", "Reversal amount exceeds the transfer.")
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        rid = self.new_id("trr")
        reversal = {
            "id": rid,
            "object": "transfer_reversal",
            "amount": amount,
            "transfer": transfer_id,
        }
        self.objects[rid] = reversal
        return 200, reversal

    def _refund(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.objects.get(p.get("payment_intent", ""))
        if intent is None:
            return 400, _error(
                "invalid_request_error", "No such payment_intent.", "resource_missing"
            )
        charge = self.objects[intent["latest_charge"]]
        amount = int(p.get("amount", charge["amount_captured"] - charge["amount_refunded"]))
        if amount > charge["amount_captured"] - charge["amount_refunded"]:
            return 400, _error(
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge.",
                "amount_too_large",
            )
        charge["amount_refunded"] += amount
        rid = self.new_id("re")
        refund = {
            "id": rid,
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        self.objects[rid] = refund
        return 200, refund

    def _capture(self, intent_id: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.objects.get(intent_id)
        if intent is None or intent["status"] != "requires_capture":
            return 400, _error("invalid_request_error", "This PaymentIntent could not be captured.")
        amount = int(p.get("amount_to_capture", intent["amount_capturable"]))
        if amount > intent["amount_capturable"]:
            return 400, _error(
                "invalid_request_error", "Amount to capture exceeds the authorisation."
            )
        charge = self.objects[intent["latest_charge"]]
        charge.update(captured=True, amount_captured=amount)
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        return 200, intent

    def _cancel(self, intent_id: str) -> tuple[int, dict[str, Any]]:
        intent = self.objects.get(intent_id)
        if intent is None or intent["status"] == "succeeded":
            return 400, _error("invalid_request_error", "This PaymentIntent cannot be canceled.")
        intent.update(status="canceled", amount_capturable=0)
        return 200, intent

    # --- HTTP ------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def _send(
                self,
                status: int,
                body: bytes,
                content_type: str,
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _api(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                url = urlsplit(self.path)
                params = decode_form(body if method == "POST" else url.query)
                if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                    status, data = 401, _error("invalid_request_error", "Invalid API Key provided.")
                else:
                    key = self.headers.get("Idempotency-Key")
                    cache_key = (url.path, key or "")
                    if method == "POST" and key and cache_key in fake.idempotent:
                        status, data = fake.idempotent[cache_key]
                    else:
                        status, data = fake.handle(method, url.path, params)
                        if method == "POST" and key:
                            fake.idempotent[cache_key] = (status, data)
                self._send(
                    status,
                    json.dumps(data).encode(),
                    "application/json",
                    {"Request-Id": "req_fake"},
                )

            def _page(self, method: str) -> None:
                parts = [p for p in urlsplit(self.path).path.split("/") if p]
                kind, object_id = parts[0], parts[1] if len(parts) > 1 else ""
                obj = fake.objects.get(object_id)
                if obj is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if method == "GET":
                    title = (
                        "Paiement (Stripe local)"
                        if kind == "pay"
                        else "Compte Stripe Express (local)"
                    )
                    amount = obj.get("amount_total", 0)
                    button = "Payer" if kind == "pay" else "Terminer"
                    html = (
                        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
                        f"<title>{title}</title></head><body><h1>{title}</h1>"
                        + (
                            f"<p id='amount'>{amount / 100:.2f} €</p>".replace(".", ",")
                            if kind == "pay"
                            else ""
                        )
                        + f"<form method='post' action='/{kind}/{object_id}'>"
                        + f"<button type='submit'>{button}</button></form>"
                        + "</body></html>"
                    )
                    self._send(200, html.encode(), "text/html; charset=utf-8")
                    return
                if kind == "pay":
                    fake.complete_checkout(object_id)
                    target = obj["success_url"].replace("{CHECKOUT_SESSION_ID}", object_id)
                else:
                    fake.activate_account(object_id)
                    target = obj.get("_return_url") or "/"
                self._send(303, b"", "text/plain", {"Location": target})

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/v1/"):
                    self._api("GET")
                else:
                    self._page("GET")

            def do_POST(self) -> None:  # noqa: N802
                if self.path.startswith("/v1/"):
                    self._api("POST")
                else:
                    self._page("POST")

            def do_DELETE(self) -> None:  # noqa: N802
                self._api("DELETE")

        return Handler


def _error(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if code:
        error["code"] = code
    return {"error": error}
