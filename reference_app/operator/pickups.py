"""Parcels waiting at the pickup points, and handing them to the shopper who comes for them
(with the code of the order confirmation, and the payment of an order paid on pickup)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.domain_messages import shown
from reference_app.operator.blueprint import bp, operator_required
from reference_app.rounds import settings
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.pickup_points import hand_over_at_point, waiting_at_points
from shop_core.payments.offline import means_from


def _page(
    status: int = 200,
    *,
    errors: dict[int, str] | None = None,
    means_errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    chosen: dict[int, str] | None = None,
) -> tuple[str, int]:
    territory = db.territory()
    waiting = waiting_at_points(db.uow().session, territory_id=territory.id)
    return render_template(
        "operator/pickups.html",
        waiting=waiting,
        now=settings.now(),
        errors=errors or {},
        means_errors=means_errors or {},
        typed=typed or {},
        chosen=chosen or {},
    ), status


@bp.get("/admin/retraits")
@operator_required
def pickups() -> tuple[str, int]:
    return _page()


@bp.post("/admin/retraits/<int:order_id>")
@operator_required
def picked_up(order_id: int) -> Response | tuple[str, int]:
    code = request.form.get("code", "").strip()[:12]
    means = means_from(request.form.get("means"))
    again = {"typed": {order_id: code}, "chosen": {order_id: means.value if means else ""}}
    try:
        handed = hand_over_at_point(
            uow=db.uow(), territory_id=db.territory().id, order_id=order_id, code=code,
            means=means, actor=Actor(user_id=current_user.id), now=settings.now(),
        )  # fmt: skip
    except NotFound:
        raise
    except ValidationError as error:
        db.uow().rollback()
        if error.field == "means":
            return _page(422, means_errors={order_id: shown(error)}, **again)
        return _page(422, errors={order_id: shown(error)}, **again)
    except DomainError as error:
        db.uow().rollback()
        return _page(422, errors={order_id: shown(error)}, **again)
    flash(
        ngettext(
            "%(num)s commande remise au client.", "%(num)s commandes remises au client.", handed
        ),
        "success",
    )
    return redirect(url_for("operator.pickups"))
