"""Online payment in the reference shop: the Stripe gateway, webhooks and payment pages.

The offline method (pay at delivery or pickup) stays the default: online payment is offered
only when ``CABAS_STRIPE_SECRET_KEY`` and ``CABAS_STRIPE_WEBHOOK_SECRET`` are set.
"""

from __future__ import annotations

from flask import Flask, current_app

from shop_core.payments.gateway import MarketplaceGateway


def init_app(app: Flask) -> None:
    """Build the gateway the configuration asks for (none: offline payment only)."""
    gateway = app.config.get("PAYMENT_GATEWAY")
    if gateway is None and app.config.get("STRIPE_SECRET_KEY"):
        from reference_app.payments.stripe_gateway import StripeGateway

        if not app.config.get("STRIPE_WEBHOOK_SECRET"):
            raise RuntimeError(
                "CABAS_STRIPE_SECRET_KEY is set but CABAS_STRIPE_WEBHOOK_SECRET is not: online "
                "payments are fulfilled from webhooks, which must be verified."
            )
        gateway = StripeGateway(
            app.config["STRIPE_SECRET_KEY"], api_base=app.config.get("STRIPE_API_BASE") or None
        )
    app.extensions["cabas_payments"] = gateway


def gateway() -> MarketplaceGateway | None:
    """The app's online payment gateway, or ``None`` when only offline payment is offered."""
    found: MarketplaceGateway | None = current_app.extensions.get("cabas_payments")
    return found


def online_enabled() -> bool:
    return gateway() is not None


def settle_order(order_id: int) -> None:
    """After a merchant's change (weighing, refusal): capture, refund, transfer what is due.

    Failures are logged and left for the operator's payments page: the merchant's own
    action already succeeded and must not show an error for the provider's hiccup.
    """
    found = gateway()
    if found is None:
        return
    from reference_app import db
    from shop_core.payments.refunds import settle
    from shop_core.payments.services import capture_if_ready, payment_for

    uow = db.uow()
    uow.rollback()
    if payment_for(uow, order_id) is None:
        return
    try:
        capture_if_ready(uow=uow, gateway=found, order_id=order_id)
        settle(uow=uow, gateway=found, order_id=order_id)
    except Exception:  # noqa: BLE001  (logged; retried from the operator's page)
        uow.rollback()
        current_app.logger.exception("settling order %s failed", order_id)
