"""Refunds per merchant order, partial or whole: a refund to the shopper plus the reversal of
that merchant's share of the transfer (the commission gives up its part, to the cent).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from shop_core.audit.services import Actor, record
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.model import MerchantOrder
from shop_core.payments.gateway import GatewayError, MarketplaceGateway
from shop_core.payments.model import (
    MerchantTransfer,
    OnlinePaymentStatus,
    PaymentRefund,
    RefundStatus,
    TransferStatus,
)
from shop_core.payments.services import (
    DROPPED,
    PaymentUnavailable,
    commission_share,
    payment_for,
    send_transfers,
)
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork


class NotRefundable(DomainError):
    code = "not_refundable"
    template = "Cette commande n'a pas été payée en ligne : rien à rembourser en ligne."


class RefundTooLarge(DomainError):
    code = "refund_too_large"
    template = "Le remboursement dépasse ce qui reste remboursable ({available})."


def _live(refunds: list[PaymentRefund]) -> list[PaymentRefund]:
    return [r for r in refunds if r.status is not RefundStatus.FAILED]


def refunds_of(uow: UnitOfWork, merchant_order_id: int) -> list[PaymentRefund]:
    """A merchant order's refunds, oldest first."""
    return list(
        uow.session.scalars(
            select(PaymentRefund)
            .where(PaymentRefund.merchant_order_id == merchant_order_id)
            .order_by(PaymentRefund.id)
        ).all()
    )


def order_refunds(uow: UnitOfWork, order_id: int) -> list[PaymentRefund]:
    """An order's refunds (every merchant order), oldest first."""
    return list(
        uow.session.scalars(
            select(PaymentRefund)
            .join(MerchantOrder, MerchantOrder.id == PaymentRefund.merchant_order_id)
            .where(MerchantOrder.order_id == order_id)
            .order_by(PaymentRefund.id)
        ).all()
    )


def transfer_of(uow: UnitOfWork, merchant_order_id: int) -> MerchantTransfer | None:
    return uow.session.scalar(
        select(MerchantTransfer).where(MerchantTransfer.merchant_order_id == merchant_order_id)
    )


def refundable_cents(uow: UnitOfWork, merchant_order_id: int) -> int:
    """What can still be refunded on a merchant order paid online (0 when nothing)."""
    transfer = transfer_of(uow, merchant_order_id)
    if transfer is None:
        return 0
    share = transfer.amount_cents + transfer.commission_cents
    return share - sum(r.amount_cents for r in _live(refunds_of(uow, merchant_order_id)))


def refund_merchant_order(
    *,
    uow: UnitOfWork,
    gateway: MarketplaceGateway,
    merchant_order_id: int,
    amount_cents: int,
    actor: Actor,
    reason: str,
    merchant_id: int | None = None,
    automatic: bool = False,
    now: dt.datetime | None = None,
) -> int:
    """Refund part or all of one merchant order; returns the refund's id.

    The other merchants' transfers are untouched. With ``merchant_id``, only that merchant's
    orders can be refunded.
    """
    now = now or utcnow()
    uow.begin_write()
    mo = uow.session.get(MerchantOrder, merchant_order_id)
    if mo is None or (merchant_id is not None and mo.merchant_id != merchant_id):
        raise NotFound(what="Commande")
    payment = payment_for(uow, mo.order_id)
    transfer = transfer_of(uow, mo.id)
    if payment is None or payment.status is not OnlinePaymentStatus.CAPTURED or transfer is None:
        raise NotRefundable()
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValidationError("Indiquez un montant supérieur à zéro.", field="amount")
    if not reason.strip():
        raise ValidationError("Indiquez le motif du remboursement.", field="reason")
    earlier = _live(refunds_of(uow, mo.id))
    share = transfer.amount_cents + transfer.commission_cents
    available = share - sum(r.amount_cents for r in earlier)
    if amount_cents > available:
        from shop_core.money import Money

        raise RefundTooLarge(available=Money(available).format_fr())
    if amount_cents == available:
        # The last refund takes exactly what is left: the books balance to the cent.
        commission = transfer.commission_cents - sum(r.commission_cents for r in earlier)
    else:
        commission = commission_share(
            amount_cents, share_cents=share, commission_cents=transfer.commission_cents
        )
    refund = PaymentRefund(
        merchant_order_id=mo.id,
        amount_cents=amount_cents,
        reversal_cents=amount_cents - commission,
        commission_cents=commission,
        reason=reason.strip()[:300],
        automatic=automatic,
        status=RefundStatus.PENDING,
        actor_id=actor.user_id,
        created_at=now,
    )
    uow.session.add(refund)
    uow.session.flush()
    record(
        uow.session,
        territory_id=mo.order.territory_id,
        actor=actor,
        action="payment.refund",
        subject=mo.reference,
        details={"amount_cents": amount_cents},
        merchant_id=mo.merchant_id,
    )
    uow.commit()
    refund_id = refund.id
    execute_refunds(uow=uow, gateway=gateway, order_id=mo.order_id)
    uow.session.refresh(refund)
    if refund.status is RefundStatus.FAILED:
        raise PaymentUnavailable("Le remboursement a été refusé par le prestataire de paiement.")
    return refund_id


def execute_refunds(*, uow: UnitOfWork, gateway: MarketplaceGateway, order_id: int) -> int:
    """Send the pending refunds and reversals of an order; returns how many calls succeeded."""
    payment = payment_for(uow, order_id)
    if payment is None or payment.payment_intent_id is None:
        return 0
    done = 0
    ids = uow.session.scalars(
        select(PaymentRefund.id)
        .join(MerchantOrder)
        .where(MerchantOrder.order_id == order_id)
        .order_by(PaymentRefund.id)
    ).all()
    for refund_id in ids:
        uow.rollback()
        uow.begin_write()
        refund = uow.session.get_one(
            PaymentRefund, refund_id, with_for_update=uow.dialect == "postgresql"
        )
        if refund.status is RefundStatus.PENDING:
            try:
                refund.provider_refund_id = gateway.refund(
                    payment.payment_intent_id,
                    amount_cents=refund.amount_cents,
                    idempotency_key=f"refund:{refund.id}",
                )
            except GatewayError as error:
                refund.status = RefundStatus.FAILED
                refund.reason = f"{refund.reason} — échec : {error}"[:300]
                uow.commit()
                continue
            refund.status = RefundStatus.SUCCEEDED
            done += 1
        transfer = transfer_of(uow, refund.merchant_order_id)
        if (
            refund.status is RefundStatus.SUCCEEDED
            and not refund.reversal_done
            and transfer is not None
            and transfer.status is TransferStatus.SENT
            and transfer.provider_transfer_id is not None
        ):
            try:
                refund.provider_reversal_id = gateway.reverse_transfer(
                    transfer.provider_transfer_id,
                    amount_cents=refund.reversal_cents,
                    idempotency_key=f"reversal:{refund.id}",
                )
                refund.reversal_done = True
                done += 1
            except GatewayError:
                pass  # retried by ``settle`` (the operator's "retry" button)
        uow.commit()
    return done


def settle(
    *, uow: UnitOfWork, gateway: MarketplaceGateway, order_id: int, now: dt.datetime | None = None
) -> None:
    """Finish what an order's records call for: refunds, released holds, transfers.

    Merchant orders refused or cancelled after payment are refunded in full here. Safe to
    call any number of times.
    """
    now = now or utcnow()
    payment = payment_for(uow, order_id)
    if payment is None:
        return
    if payment.status is OnlinePaymentStatus.REFUNDED and payment.amount_captured_cents == 0:
        if payment.payment_intent_id is not None:
            try:
                gateway.cancel_authorization(payment.payment_intent_id)
            except GatewayError:
                return
        uow.begin_write()
        payment.status = OnlinePaymentStatus.RELEASED
        uow.commit()
    if payment.status is OnlinePaymentStatus.CAPTURED:
        for mo in payment.order.merchant_orders:
            left = refundable_cents(uow, mo.id)
            if mo.status in DROPPED and left > 0:
                try:
                    refund_merchant_order(
                        uow=uow,
                        gateway=gateway,
                        merchant_order_id=mo.id,
                        amount_cents=left,
                        actor=Actor.system(),
                        reason=f"Commande {mo.status_label.lower()}",
                        automatic=True,
                        now=now,
                    )
                except DomainError:
                    uow.rollback()
    uow.rollback()
    execute_refunds(uow=uow, gateway=gateway, order_id=order_id)
    uow.rollback()
    send_transfers(uow=uow, gateway=gateway, order_id=order_id, now=now)
    uow.rollback()
    # Refunds that arrived while the transfer was leaving are reversed now.
    execute_refunds(uow=uow, gateway=gateway, order_id=order_id)
