"""Handing the parcels waiting at a pickup point to the shopper, from a form: the operator's
*Retraits* page and the point's own staff's page answer it the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from reference_app import db
from reference_app.domain_messages import shown
from reference_app.rounds import settings
from shop_core.audit.services import Actor
from shop_core.errors import DomainError, NotFound, ValidationError
from shop_core.orders.model import Order
from shop_core.orders.pickup_points import hand_over_at_point
from shop_core.payments.offline import CodeAndMeansRefused, means_from

Page = Callable[..., tuple[str, int]]


def form_state(
    errors: dict[int, str] | None = None,
    means_errors: dict[int, str] | None = None,
    typed: dict[int, str] | None = None,
    chosen: dict[int, str] | None = None,
) -> dict[str, Any]:
    """What a page of waiting parcels shows of a refused hand-over (by order id): the error
    by the code or by the means, and what was typed and chosen; the time now, and how many
    days parcels wait before going back to the shop (``routines.return_unclaimed``)."""
    return {
        "now": settings.now(),
        "keep_days": settings.pickup_keep_days(),
        "errors": errors or {},
        "means_errors": means_errors or {},
        "typed": typed or {},
        "chosen": chosen or {},
    }


def hand_over(
    order_id: int, *, page: Page, back: str, point_id: int | None = None
) -> Response | tuple[str, int]:
    """Record the hand-over the form asks for (code, and means when paid on pickup), then
    go ``back`` (an endpoint); a refusal shows ``page`` again with the error by the order.
    With ``point_id`` only that point's orders can be handed over (404 for any other)."""
    code = request.form.get("code", "").strip()[:12]
    means = means_from(request.form.get("means"))
    again = {"typed": {order_id: code}, "chosen": {order_id: means.value if means else ""}}
    try:
        hand_over_at_point(
            uow=db.uow(), territory_id=db.territory().id, order_id=order_id, code=code,
            means=means, actor=Actor(user_id=current_user.id), now=settings.now(),
            point_id=point_id,
        )  # fmt: skip
    except NotFound:
        abort(404)  # not an order of this territory (or of this point)
    except CodeAndMeansRefused as error:  # both said at once, each by its field
        db.uow().rollback()
        return page(
            422,
            errors={order_id: shown(error.code_error)},
            means_errors={order_id: shown(error.means_error)},
            **again,
        )
    except ValidationError as error:
        db.uow().rollback()
        if error.field == "means":
            return page(422, means_errors={order_id: shown(error)}, **again)
        return page(422, errors={order_id: shown(error)}, **again)
    except DomainError as error:
        db.uow().rollback()
        return page(422, errors={order_id: shown(error)}, **again)
    # One shopper's order, however many shops' parcels it held: the pages list orders, so
    # « 2 commandes » for one order in two shops' parcels read as if two had gone.
    order = db.uow().session.get_one(Order, order_id)
    flash(
        _(
            "Commande %(reference)s remise à %(customer)s.",
            reference=order.reference,
            customer=order.recipient or order.customer_name,
        ),
        "success",
    )
    return redirect(url_for(back))
