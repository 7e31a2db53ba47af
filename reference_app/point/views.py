"""A pickup point's staff (the town hall's secretary, the tiers-lieu's host) on a phone or
the point's computer: the parcels waiting at their point only, handed to the shopper
against the code of the order confirmation, and the payment of an order paid on pickup."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from delivery.queries import return_rounds
from reference_app import db
from reference_app.auth.users import role_required
from reference_app.pickup_handover import form_state, hand_over
from reference_app.rounds import settings
from shop_core.accounts.model import Role, User
from shop_core.accounts.staff import staff_point
from shop_core.orders.pickup_points import waiting_at_points
from shop_core.orders.returns import on_the_way_back
from shop_core.payments.offline import held_at_points
from shop_core.territories.model import PickupPoint

bp = Blueprint("point", __name__, url_prefix="/point-retrait")
point_staff_required = role_required(Role.POINT_STAFF)


def _my_point() -> PickupPoint:
    session = db.uow().session
    point = staff_point(session, session.get_one(User, current_user.id))
    if point is None or point.territory_id != db.territory().id:
        abort(403)
    return point


def _page(status: int = 200, **refused: dict[int, str]) -> tuple[str, int]:
    point = _my_point()
    session, territory_id = db.uow().session, db.territory().id
    waiting = waiting_at_points(session, territory_id=territory_id, point_id=point.id)
    held = held_at_points(session, territory_id=territory_id, point_id=point.id)
    going_back = on_the_way_back(session, territory_id=territory_id, point_id=point.id)
    fetched_by = return_rounds(
        session,
        territory=db.territory(),
        merchant_order_ids=[r.merchant_order_id for r in going_back],
        today=settings.today(db.territory()),
    )
    return render_template(
        "point/waiting.html", point=point, waiting=waiting, held=held[0] if held else None,
        going_back=going_back, fetched_by=fetched_by, **form_state(**refused),
    ), status  # fmt: skip


@bp.get("")
@point_staff_required
def waiting() -> tuple[str, int]:
    return _page()


@bp.post("/<int:order_id>")
@point_staff_required
def hand_over_order(order_id: int) -> Response | tuple[str, int]:
    return hand_over(order_id, page=_page, back="point.waiting", point_id=_my_point().id)
