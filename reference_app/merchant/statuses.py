"""A merchant order's status and history in the merchant's words.

The core's labels describe the order (« Passée », « Retirée »); a shop reads them as what it
has to do or what became of its parcels: a new order is « À accepter », not « Passée »
(which reads as over), one collected at the counter is « Retirée par le client ».
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from reference_app.formatting import status_label
from shop_core.orders.model import (
    MerchantOrder,
    MerchantOrderStatus,
    PaymentMethod,
)

S = MerchantOrderStatus

#: Where the merchant's words differ from the core's label.
_STATE = {
    S.PLACED: _l("À accepter"),
    S.PAID: _l("À accepter"),
    S.PICKED_UP: _l("Retirée par le client"),
    S.RETURNED: _l("Retournée à la boutique"),
}

#: A step of the history, where it differs from the state it led to.
_STEP = {
    S.PLACED: _l("Commande reçue"),
    S.PAID: _l("Payée en ligne"),
}

_AWAITING_PAYMENT = _l("En attente du paiement en ligne")


def _words(label: LazyString | None, status: MerchantOrderStatus) -> str:
    return str(label) if label is not None else status_label(status)


def order_state(mo: MerchantOrder) -> str:
    """The badge of a merchant order: what the shop has to do with it, or what became of
    it (an online order not paid yet cannot be accepted: it says so)."""
    if mo.status is S.PLACED and mo.order.payment_method is PaymentMethod.ONLINE:
        return str(_AWAITING_PAYMENT)
    return _words(_STATE.get(mo.status), mo.status)


def history_step(status: MerchantOrderStatus | str) -> str:
    """A line of the order's history: the step that led to ``status``."""
    status = MerchantOrderStatus(status)
    return _words(_STEP.get(status) or _STATE.get(status), status)
