"""What a deleted account leaves in the stored payment events: ids and amounts, not the payer.

The provider's events are kept as evidence of each payment (`PaymentEvent.payload`, the
raw JSON). When an account is deleted (`shop_core.accounts.services.delete_account`), the
events about its orders' payments and refunds keep their ids, types, amounts, statuses and
metadata, and lose what identifies the payer: name, e-mail, phone, postal addresses and
card details.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.orders.model import MerchantOrder
from shop_core.payments.model import OnlinePayment, PaymentEvent, PaymentRefund

#: Keys of the provider's objects (Stripe's checkout sessions, payment intents, charges)
#: whose value describes the payer; they are set to null wherever they occur.
PERSONAL_KEYS = frozenset(
    {
        "address",
        "billing_details",
        "customer_details",
        "customer_email",
        "customer_name",
        "customer_phone",
        "email",
        "name",
        "payment_method_details",
        "phone",
        "receipt_email",
        "shipping",
        "shipping_details",
    }
)


def forget_payers(session: Session, order_ids: Sequence[int]) -> int:
    """Strip the payer's details from the stored events about these orders; how many."""
    if not order_ids:
        return 0
    payments = session.scalars(select(OnlinePayment).where(OnlinePayment.order_id.in_(order_ids)))
    objects = {
        object_id
        for payment in payments
        for object_id in (payment.checkout_id, payment.payment_intent_id, payment.charge_id)
        if object_id
    }
    refunds = session.scalars(
        select(PaymentRefund.provider_refund_id)
        .join(MerchantOrder, PaymentRefund.merchant_order_id == MerchantOrder.id)
        .where(MerchantOrder.order_id.in_(order_ids))
    )
    objects.update(refund_id for refund_id in refunds if refund_id)
    if not objects:
        return 0
    events = list(session.scalars(select(PaymentEvent).where(PaymentEvent.object_id.in_(objects))))
    for event in events:
        event.payload = scrubbed(event.payload)
    return len(events)


def scrubbed(payload: str) -> str:
    """`payload` without the payer's details; empty if it is not JSON (nothing to keep)."""
    if not payload:
        return payload
    try:
        data = json.loads(payload)
    except ValueError:
        return ""
    return json.dumps(_without_payer(data), ensure_ascii=False, separators=(",", ":"))


def _without_payer(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: None if key in PERSONAL_KEYS and item is not None else _without_payer(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_payer(item) for item in value]
    return value
