"""One order of the territory for the operator who answers the phone (« where is my order
TER-… ? »): the shopper and how to reach them, the delivery, the payment, and each shop's
part with its lines, status, history, failures and returns; for a planned day, the round,
the courier and when they should come. It links to the actions that apply: the printable
sheet, sending failed parcels back to the shop, the day's round board.

Another territory's order, or an unknown reference, answers 404.
"""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import lazy_gettext as _l

from delivery.order_trips import trips_of
from delivery.queries import expected_arrivals, return_rounds
from delivery.returns import on_board
from reference_app import db
from reference_app.formatting import MEANS_WORDS
from reference_app.operator.blueprint import bp, operator_required
from reference_app.operator.orders import GROUP_LABELS, METHOD_LABELS, part_state
from reference_app.rounds import settings
from reference_app.shopfront.display import helpers
from shop_core.accounts.model import Role
from shop_core.orders.follow_up import follow_up
from shop_core.orders.history import served_parts
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus
from shop_core.orders.queries import StatusGroup
from shop_core.orders.returns import returnable

S = MerchantOrderStatus

#: Who did a step, as the history names them after their name.
ROLE_WORDS = {
    Role.SHOPPER: _l("client"),
    Role.MERCHANT: _l("boutique"),
    Role.COURIER: _l("livreur"),
    Role.OPERATOR: _l("animation"),
    Role.POINT_STAFF: _l("point de retrait"),
}


def state(part: MerchantOrder) -> str:
    """A shop's part as the list words it, and where a returned one went: back to the shop."""
    if part.status is S.RETURNED:
        return str(GROUP_LABELS[StatusGroup.RETURNED])
    return part_state(part)


@bp.get("/admin/commandes/<reference>")
@operator_required
def order_page(reference: str) -> str:
    """What happened to one order of the territory, shop by shop."""
    territory = db.territory()
    session = db.uow().session
    found = follow_up(session, territory_id=territory.id, reference=reference)
    if found is None:
        abort(404)
    order = found.order
    today = settings.today(territory)
    ids = [mo.id for mo in order.merchant_orders]
    arrivals = {}
    if order.delivery_date >= today:
        arrivals = expected_arrivals(session, order=order, territory=territory)
    to_send_back = returnable(order)
    going_back = [mo_id for mo_id, r in found.returns.items() if r.back_at is None]
    return render_template(
        "operator/order.html",
        f=found,
        order=order,
        served=served_parts(order),
        arrivals=arrivals,
        trips=trips_of(session, territory=territory, merchant_order_ids=ids),
        to_send_back={mo.id for mo in to_send_back},
        vans=on_board(
            session,
            territory_id=territory.id,
            merchant_order_ids=[mo.id for mo in to_send_back],
            today=today,
        ),
        return_rounds=return_rounds(
            session, territory=territory, merchant_order_ids=going_back, today=today
        ),
        today=today,
        part_state=state,
        method_labels=METHOD_LABELS,
        role_words=ROLE_WORDS,
        means_words=MEANS_WORDS,
        **helpers(),
    )
