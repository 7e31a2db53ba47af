"""The Stripe webhook (the only CSRF-exempt route) and the shopper's payment pages."""

from __future__ import annotations

import json
from typing import Any

import stripe
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.domain_messages import shown
from reference_app.extensions import csrf
from reference_app.payments import gateway
from reference_app.payments.blueprint import bp
from reference_app.shopfront.orders import own_order
from shop_core.errors import DomainError
from shop_core.payments.events import IncomingEvent, handle_event
from shop_core.payments.refunds import order_refunds
from shop_core.payments.services import payment_for, start_checkout


@bp.route("/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook() -> Response:
    """Verify the signature on the raw body, store the event once, apply it."""
    found = gateway()
    signing_secrets = _webhook_secrets()
    if found is None or not signing_secrets:
        abort(404)
    payload = request.get_data(cache=False)
    event = _verified(payload, request.headers.get("Stripe-Signature"), signing_secrets)
    if event is None:
        body = json.dumps({"error": {"code": "bad_signature", "message": "Signature invalide."}})
        return Response(body, status=400, mimetype="application/json")
    obj: dict[str, Any] = event.to_dict().get("data", {}).get("object") or {}
    incoming = IncomingEvent(
        event_id=str(event.id),
        type=str(event.type),
        object_id=str(obj.get("id") or ""),
        payload=payload.decode("utf-8", "replace"),
    )
    result = handle_event(uow=db.uow(), gateway=found, event=incoming)
    if result.order_id is not None and result.detail in ("refunded", "out_of_stock"):
        _tell_refunded(result.order_id)
    body = json.dumps({"received": True, "outcome": result.outcome})
    # A failure is stored (the operator can replay it) and reported so that Stripe retries.
    status = 500 if result.outcome == "failed" else 200
    return Response(body, status=status, mimetype="application/json")


def _webhook_secrets() -> list[str]:
    """``CABAS_STRIPE_WEBHOOK_SECRET``: one secret, or several separated by commas (the
    platform's endpoint and the Connect endpoint each have their own)."""
    raw = str(current_app.config.get("STRIPE_WEBHOOK_SECRET") or "")
    return [s.strip() for s in raw.split(",") if s.strip()]


def _verified(payload: bytes, header: str | None, secrets: list[str]) -> Any:
    """The event if its signature matches one of the secrets, else ``None``."""
    for secret in secrets:
        try:
            return stripe.Webhook.construct_event(payload, header, secret)
        except stripe.SignatureVerificationError:
            continue
        except ValueError:  # not JSON
            return None
    return None


@bp.route("/commande/<reference>/paiement")
@login_required
def waiting(reference: str) -> str:
    """Back from the payment page: the order is confirmed by the webhook, not the redirect."""
    order = own_order(reference)
    payment = payment_for(db.uow(), order.id)
    if payment is None:
        abort(404)
    cancelled = request.args.get("annule") == "1"
    return render_template(
        "payments/waiting.html",
        order=order,
        payment=payment,
        cancelled=cancelled,
        refunds=order_refunds(db.uow(), order.id),
    )


@bp.route("/commande/<reference>/payer", methods=["POST"])
@login_required
def pay(reference: str) -> Response:
    """(Re)open the hosted payment page of an order waiting for payment."""
    order = own_order(reference)
    found = gateway()
    if found is None:
        abort(404)
    try:
        url = start_checkout(
            uow=db.uow(),
            gateway=found,
            order_id=order.id,
            success_url=url_for("payments.waiting", reference=reference, _external=True),
            cancel_url=url_for("payments.waiting", reference=reference, annule=1, _external=True),
        )
    except DomainError as error:
        db.uow().rollback()
        from flask import flash

        flash(shown(error), "error")
        return redirect(url_for("payments.waiting", reference=reference))
    return redirect(url, code=303)


def _tell_refunded(order_id: int) -> None:
    """The payment came too late (stock gone, order cancelled): say it was refunded."""
    from reference_app import mail
    from shop_core.accounts.model import User
    from shop_core.orders.model import Order
    from shop_core.payments.model import OnlinePayment

    session = db.uow().session
    order = session.get_one(Order, order_id)
    payment = session.scalar(select(OnlinePayment).where(OnlinePayment.order_id == order_id))
    amount = payment.amount_requested_cents if payment is not None else order.total_incl_cents
    user = session.get(User, order.user_id) if order.user_id is not None else None
    language = mail.language_of(user.locale if user is not None else None)
    with force_locale(language):
        subject = _("Commande %(reference)s : vous êtes remboursé", reference=order.reference)
    mail.send(
        order.customer_email,
        subject,
        "payment_refunded",
        locale=language,
        order=order,
        territory=db.territory(),
        amount=amount,
        reason=payment.note if payment is not None else "",
        link=url_for("payments.waiting", reference=order.reference, _external=True),
    )
