"""Online payment of an order: the hosted checkout page, what its outcome does to the order,
capture after weighing, and one transfer per merchant order.

The provider is reached through a :class:`~shop_core.payments.gateway.MarketplaceGateway`
passed in by the application; the core only decides amounts and keeps the records. Calls
that move money happen *after* the records that plan them are committed, with an
idempotency key derived from those records, so a retry never pays twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound, OutOfStock
from shop_core.money import round_half_up
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order, PaymentStatus
from shop_core.orders.services import cancel_order, mark_paid
from shop_core.payments.gateway import (
    CheckoutLine,
    CheckoutRequest,
    CheckoutState,
    GatewayError,
    MarketplaceGateway,
)
from shop_core.payments.model import (
    AccountStatus,
    MerchantPaymentAccount,
    MerchantTransfer,
    OnlinePayment,
    OnlinePaymentStatus,
    PaymentRefund,
    RefundStatus,
    TransferStatus,
)
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

#: The shortest life of a hosted checkout page (Stripe refuses less than 30 minutes).
CHECKOUT_MIN_LIFETIME = dt.timedelta(minutes=31)

#: Merchant orders that no longer sell anything: nothing to capture or transfer for them,
#: and what was paid for them online is refunded in full (``refunds.settle``).
DROPPED = frozenset(
    {MerchantOrderStatus.CANCELLED, MerchantOrderStatus.REFUSED, MerchantOrderStatus.RETURNED}
)


class PaymentUnavailable(DomainError):
    code = "payment_unavailable"
    template = (
        "Le paiement en ligne est indisponible pour le moment : réessayez dans quelques "
        "minutes ou choisissez le paiement à la livraison."
    )


class PaymentNotOpen(DomainError):
    code = "payment_not_open"
    template = "Cette commande n'attend plus de paiement en ligne."


def weighing_margin_cents(order: Order) -> int:
    """The extra held for goods sold by weight: each line's price at its upper tolerance."""
    margin = 0
    for mo in order.merchant_orders:
        for line in mo.lines:
            if line.sold_by_weight:
                margin += -(-line.total_incl_cents * line.weight_tolerance_pct // 100)
    return margin


def payment_for(uow: UnitOfWork, order_id: int) -> OnlinePayment | None:
    """The online payment of an order, if one was started."""
    return uow.session.scalar(select(OnlinePayment).where(OnlinePayment.order_id == order_id))


def start_checkout(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    order_id: int,
    success_url: str,
    cancel_url: str,
    now: dt.datetime | None = None,
) -> str:
    """Open (or reopen) the hosted payment page of an order; returns its address.

    One page per basket: the lines are the merchant orders, grouped at the provider under
    the order reference. Orders with goods sold by weight are only authorised, with a margin,
    and captured after weighing. The page expires with the stock reservation.
    """
    now = now or utcnow()
    order = uow.session.get(Order, order_id)
    if order is None:
        raise NotFound(what="Commande")
    payment = payment_for(uow, order_id)
    if order.payment_status is not PaymentStatus.PENDING or (
        payment is not None and payment.status is not OnlinePaymentStatus.OPEN
    ):
        raise PaymentNotOpen()
    if payment is not None and payment.checkout_url:
        return payment.checkout_url
    margin = weighing_margin_cents(order)
    lines = [
        CheckoutLine(
            name=f"{mo.merchant.trade_name} — {mo.reference}", amount_cents=mo.total_incl_cents
        )
        for mo in order.merchant_orders
        if mo.status not in DROPPED
    ]
    if margin:
        lines.append(
            CheckoutLine(
                name="Réserve pour les produits au poids (seul le poids réel sera débité)",
                amount_cents=margin,
            )
        )
    attempt = (payment.attempts + 1) if payment is not None else 1
    # Stripe accepts an expiry between 30 minutes and 24 hours ahead: the page closes with
    # the stock reservation, or as soon after it as allowed (a payment arriving after the
    # stock went back on sale is refunded automatically).
    expires = min(
        max(order.reservation_expires_at or now, now + CHECKOUT_MIN_LIFETIME),
        now + dt.timedelta(hours=24),
    )
    request = CheckoutRequest(
        order_id=order.id,
        order_reference=order.reference,
        customer_email=order.customer_email,
        lines=tuple(lines),
        manual_capture=margin > 0,
        expires_at=int(expires.timestamp()),
        success_url=success_url,
        cancel_url=cancel_url,
        idempotency_key=f"checkout:{order.id}:{attempt}",
    )
    try:
        created = gateway.create_checkout(request)
    except GatewayError as error:
        raise PaymentUnavailable() from error
    uow.begin_write()
    if payment is None:
        payment = OnlinePayment(order_id=order.id, provider=gateway.provider, created_at=now)
        uow.session.add(payment)
    payment.checkout_id = created.checkout_id
    payment.checkout_url = created.url
    payment.manual_capture = margin > 0
    payment.status = OnlinePaymentStatus.OPEN
    payment.amount_requested_cents = sum(line.amount_cents for line in lines)
    payment.attempts = attempt
    uow.commit()
    return created.url


# --- what the provider's answer does ---------------------------------------------------------


def apply_checkout_state(uow: UnitOfWork, state: CheckoutState, now: dt.datetime) -> str:
    """Apply a re-fetched checkout page to its order, inside the caller's transaction.

    Returns what happened (``paid``, ``authorized``, ``refunded``, ``failed``, ``unchanged``).
    Commits when it changes the order (through the order services); the caller's own rows
    added to the session before are committed with it.
    """
    query = select(OnlinePayment).where(OnlinePayment.checkout_id == state.checkout_id)
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    payment = uow.session.scalar(query)
    if payment is None:
        raise NotFound(what="Paiement")
    order = payment.order
    if payment.status is not OnlinePaymentStatus.OPEN:
        return "unchanged"  # already applied: a duplicate or a later event about the same page
    if state.payment_state in ("paid", "authorized"):
        payment.payment_intent_id = state.payment_intent_id
        payment.charge_id = state.charge_id
        captured = state.payment_state == "paid"
        if order.payment_status is not PaymentStatus.PENDING:
            return _refund_whole(uow, payment, captured, now, "Paiement arrivé après l'annulation")
        payment.status = (
            OnlinePaymentStatus.CAPTURED if captured else OnlinePaymentStatus.AUTHORIZED
        )
        if captured:
            payment.amount_captured_cents = state.amount_cents
            _plan_transfers(uow, order, now)
        try:
            mark_paid(uow=uow, order_id=order.id, actor=Actor.system(), now=now)
        except OutOfStock:
            # Nothing of this transaction is kept: the caller records the event again and
            # calls ``refund_out_of_stock``.
            uow.rollback()
            return "out_of_stock"
        return "paid" if captured else "authorized"
    if state.payment_state in ("failed", "expired"):
        payment.status = (
            OnlinePaymentStatus.FAILED
            if state.payment_state == "failed"
            else OnlinePaymentStatus.EXPIRED
        )
        if order.payment_status is PaymentStatus.PENDING:
            order.payment_status = PaymentStatus.FAILED
            order.reservation_expires_at = None
            _cancel_all(uow, order, now, "Paiement non abouti")
        uow.commit()
        return "failed"
    return "unchanged"


def refund_out_of_stock(uow: UnitOfWork, state: CheckoutState, now: dt.datetime) -> None:
    """After ``apply_checkout_state`` said ``out_of_stock`` (and the caller rolled back)."""
    payment = uow.session.scalar(
        select(OnlinePayment).where(OnlinePayment.checkout_id == state.checkout_id)
    )
    assert payment is not None
    payment.payment_intent_id = state.payment_intent_id
    payment.charge_id = state.charge_id
    _refund_whole(
        uow, payment, state.payment_state == "paid", now, "Stock épuisé pendant le paiement"
    )


def _refund_whole(
    uow: UnitOfWork, payment: OnlinePayment, captured: bool, now: dt.datetime, reason: str
) -> str:
    """Give everything back: the goods are gone or the order was cancelled meanwhile."""
    order = payment.order
    payment.status = OnlinePaymentStatus.REFUNDED
    payment.note = reason
    if captured:
        payment.amount_captured_cents = payment.amount_requested_cents
        for mo in order.merchant_orders:
            share = mo.total_incl_cents
            if mo is order.merchant_orders[-1]:
                # The margin line (if any) goes back with the last merchant order.
                share = payment.amount_requested_cents - sum(
                    m.total_incl_cents for m in order.merchant_orders[:-1]
                )
            uow.session.add(
                PaymentRefund(
                    merchant_order_id=mo.id,
                    amount_cents=share,
                    reversal_cents=0,
                    commission_cents=0,
                    reversal_done=True,
                    reason=reason,
                    automatic=True,
                    status=RefundStatus.PENDING,
                    created_at=now,
                )
            )
    order.payment_status = PaymentStatus.REFUNDED
    order.reservation_expires_at = None
    _cancel_all(uow, order, now, reason)
    uow.commit()
    return "refunded"


def _cancel_all(uow: UnitOfWork, order: Order, now: dt.datetime, reason: str) -> None:
    from shop_core.orders import lifecycle

    if any(
        lifecycle.can_move(mo.status, MerchantOrderStatus.CANCELLED) for mo in order.merchant_orders
    ):
        cancel_order(uow=uow, order_id=order.id, actor=Actor.system(), reason=reason, now=now)


def _plan_transfers(uow: UnitOfWork, order: Order, now: dt.datetime) -> None:
    for mo in order.merchant_orders:
        if mo.status in DROPPED:
            continue
        uow.session.add(
            MerchantTransfer(
                merchant_order_id=mo.id,
                merchant_id=mo.merchant_id,
                amount_cents=mo.total_incl_cents - mo.commission_cents,
                commission_cents=mo.commission_cents,
                idempotency_key=f"transfer:{order.id}:{mo.merchant_id}",
                status=TransferStatus.PENDING,
                created_at=now,
            )
        )


# --- capture after weighing ------------------------------------------------------------------


def ready_to_capture(order: Order) -> bool:
    """Every live merchant order is weighed: the final amount is known."""
    return all(
        line.final_weight_g is not None
        for mo in order.merchant_orders
        if mo.status not in DROPPED
        for line in mo.lines
        if line.sold_by_weight
    )


def capture_if_ready(
    *, uow: UnitOfWork, gateway: MarketplaceGateway, order_id: int, now: dt.datetime | None = None
) -> bool:
    """Capture an authorised payment once everything is weighed; True when captured now."""
    now = now or utcnow()
    payment = payment_for(uow, order_id)
    if payment is None or payment.status is not OnlinePaymentStatus.AUTHORIZED:
        return False
    order = payment.order
    if not ready_to_capture(order):
        return False
    assert payment.payment_intent_id is not None
    amount = sum(mo.total_incl_cents for mo in order.merchant_orders if mo.status not in DROPPED)
    try:
        if amount == 0:
            gateway.cancel_authorization(payment.payment_intent_id)
            charge_id = None
        else:
            charge_id = gateway.capture(
                payment.payment_intent_id,
                amount_cents=amount,
                idempotency_key=f"capture:{order.id}",
            )
    except GatewayError as error:
        uow.rollback()
        uow.begin_write()
        payment.note = f"Capture échouée : {error}"[:300]
        uow.commit()
        return False
    uow.begin_write()
    payment.charge_id = charge_id
    payment.amount_captured_cents = amount
    payment.status = OnlinePaymentStatus.CAPTURED
    _plan_transfers(uow, order, now)
    uow.commit()
    return True


# --- transfers --------------------------------------------------------------------------------


def active_account(uow: UnitOfWork, merchant_id: int) -> MerchantPaymentAccount | None:
    account = uow.session.scalar(
        select(MerchantPaymentAccount).where(MerchantPaymentAccount.merchant_id == merchant_id)
    )
    return account if account is not None and account.status is AccountStatus.ACTIVE else None


def send_transfers(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    order_id: int | None = None,
    merchant_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Send the planned transfers (of one order, one merchant, or all); returns how many left.

    A transfer waits while its merchant's account is not active. Refunds made before it
    leaves are deducted from it instead of reversed.
    """
    now = now or utcnow()
    query = select(MerchantTransfer.id).where(MerchantTransfer.status == TransferStatus.PENDING)
    if order_id is not None:
        query = query.join(MerchantOrder).where(MerchantOrder.order_id == order_id)
    if merchant_id is not None:
        query = query.where(MerchantTransfer.merchant_id == merchant_id)
    sent = 0
    for transfer_id in uow.session.scalars(query.order_by(MerchantTransfer.id)).all():
        uow.rollback()
        uow.begin_write()
        # Locked on PostgreSQL: two deliveries settling the same order send it once.
        transfer = uow.session.get_one(
            MerchantTransfer, transfer_id, with_for_update=uow.dialect == "postgresql"
        )
        if transfer.status is not TransferStatus.PENDING:
            continue
        account = active_account(uow, transfer.merchant_id)
        if account is None:
            transfer.note = "En attente : compte de paiement du commerçant non activé"
            uow.commit()
            continue
        pending_refunds = [
            r
            for r in _refunds_of(uow, transfer.merchant_order_id)
            if r.status is not RefundStatus.FAILED and not r.reversal_done
        ]
        amount = transfer.amount_cents - sum(r.reversal_cents for r in pending_refunds)
        order = transfer.merchant_order.order
        payment = payment_for(uow, order.id)
        assert payment is not None
        provider_id = None
        if amount > 0:
            try:
                provider_id = gateway.create_transfer(
                    amount_cents=amount,
                    destination=account.provider_account_id,
                    source_transaction=payment.charge_id,
                    transfer_group=order.reference,
                    idempotency_key=transfer.idempotency_key,
                    description=transfer.merchant_order.reference,
                )
            except GatewayError as error:
                transfer.note = f"Échec : {error}"[:300]
                uow.commit()
                continue
        for refund in pending_refunds:
            refund.reversal_done = True
        transfer.provider_transfer_id = provider_id
        transfer.sent_amount_cents = max(amount, 0)
        transfer.status = TransferStatus.SENT
        transfer.sent_at = now
        transfer.note = ""
        uow.commit()
        sent += 1
    return sent


def _refunds_of(uow: UnitOfWork, merchant_order_id: int) -> list[PaymentRefund]:
    return list(
        uow.session.scalars(
            select(PaymentRefund)
            .where(PaymentRefund.merchant_order_id == merchant_order_id)
            .order_by(PaymentRefund.id)
        ).all()
    )


def commission_share(amount_cents: int, *, share_cents: int, commission_cents: int) -> int:
    """The part of a refund of ``amount_cents`` that the commission gives up, to the cent."""
    if share_cents <= 0:
        return 0
    return round_half_up(Decimal(amount_cents) * commission_cents / Decimal(share_cents))
