"""« Mes commandes »: the shopper's orders, one order's progress, cancelling what can be."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from delivery import queries
from reference_app import db
from reference_app.auth.users import acting_shopper, shopper
from reference_app.domain_messages import shown
from reference_app.rounds import settings
from reference_app.shopfront.blueprint import PER_PAGE, bp, page_count, page_number
from reference_app.shopfront.forms import ConfirmForm
from shop_core.audit.services import Actor
from shop_core.errors import DomainError
from shop_core.orders.history import (
    cancellable_parts,
    customer_order,
    orders_of_customer,
    served_parts,
)
from shop_core.orders.model import Order
from shop_core.orders.services import cancel_order

CANCEL_REASON = "Annulée par le client"
CANCEL_FOR_REASON = "Annulée par l'animation pour le client"


def has_purchases() -> bool:
    """Whether the logged-in account has ordered on this territory (once per request).

    A shop's or the operator's account may buy too (one account per e-mail); its menu shows
    « Mes achats » only once it has, so that « Commandes » of the back office stays the
    only "orders" a merchant sees otherwise.
    """
    if "cabas_has_purchases" not in g:
        g.cabas_has_purchases = current_user.is_authenticated and (
            db.uow().session.scalar(
                select(Order.id)
                .where(Order.territory_id == db.territory().id, Order.user_id == current_user.id)
                .limit(1)
            )
            is not None
        )
    found: bool = g.cabas_has_purchases
    return found


def own_order(reference: str) -> Order:
    """The logged-in shopper's order with this reference on this territory, or 404."""
    order = customer_order(
        db.uow().session,
        territory_id=db.territory().id,
        user_id=shopper().id,
        reference=reference,
    )
    if order is None:
        abort(404)
    return order


@bp.route("/mes-commandes")
@login_required
def my_orders() -> str:
    page = page_number()
    listing = orders_of_customer(
        db.uow().session,
        territory_id=db.territory().id,
        user_id=shopper().id,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    return render_template(
        "shop/my_orders.html",
        listing=listing,
        page=page,
        page_count=page_count(listing.total),
        served_parts=served_parts,
    )


@bp.route("/mes-commandes/<reference>")
@login_required
def my_order(reference: str) -> str:
    order = own_order(reference)
    territory = db.territory()
    arrivals: dict[int, queries.ExpectedArrival] = {}
    if order.delivery_date >= settings.today(territory):
        arrivals = queries.expected_arrivals(db.uow().session, order=order, territory=territory)
    return render_template(
        "shop/my_order.html",
        order=order,
        cancellable=cancellable_parts(order),
        form=ConfirmForm(),
        arrivals=arrivals,
        served=served_parts(order),
    )


@bp.route("/mes-commandes/<reference>/annuler", methods=["GET", "POST"])
@login_required
def cancel(reference: str) -> str | Response:
    """Ask once more, then cancel every part of the order that has not left the shop."""
    order = own_order(reference)
    parts = cancellable_parts(order)
    if not parts:
        flash(_("Cette commande ne peut plus être annulée."), "info")
        return redirect(url_for("shop.my_order", reference=reference))
    form = ConfirmForm()
    if form.validate_on_submit():
        uow = db.uow()
        try:
            acting = acting_shopper()
            cancel_order(
                uow=uow,
                order_id=order.id,
                actor=Actor(user_id=current_user.id),
                reason=CANCEL_FOR_REASON if acting else CANCEL_REASON,
                for_shopper_id=acting.id if acting else None,
            )
        except DomainError as error:
            uow.rollback()
            flash(shown(error), "error")
        else:
            flash(_("Votre commande est annulée. Les commerçants sont prévenus."), "success")
        return redirect(url_for("shop.my_order", reference=reference))
    return render_template("shop/cancel.html", order=order, parts=parts, form=form)
