"""The basket page: lines grouped by shop, quantities, removals, price changes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from reference_app import db, payments
from reference_app.auth.users import acting_shopper
from reference_app.domain_messages import shown
from reference_app.shopfront.basket import current_cart_id, forget_count
from reference_app.shopfront.blueprint import bp
from reference_app.shopfront.forms import ConfirmForm, QuantityForm
from shop_core.carts.services import CartView, acknowledge_prices, set_quantity, view_cart
from shop_core.errors import DomainError


def current_view() -> CartView | None:
    """The visitor's basket as a view, or ``None`` when there is none yet."""
    cart_id = current_cart_id(create=False)
    return view_cart(db.uow(), cart_id) if cart_id is not None else None


def basket_page(errors: dict[int, list[str]], typed: dict[int, str]) -> str:
    """The basket page, with the messages and what was typed next to the lines."""
    return render_template(
        "shop/basket.html",
        view=current_view(),
        errors=errors,
        typed=typed,
        # The checkout offers a card only to a shopper ordering for themself.
        online_payment=payments.online_enabled() and acting_shopper() is None,
    )


@bp.route("/panier")
def basket() -> str:
    return basket_page(errors={}, typed={})


@bp.route("/panier/<int:product_id>/quantite", methods=["POST"])
def change_quantity(product_id: int) -> str | Response:
    cart_id = current_cart_id(create=False)
    if cart_id is None:
        return redirect(url_for("shop.basket"))
    form = QuantityForm()
    if form.validate_on_submit():
        uow = db.uow()
        try:
            set_quantity(
                uow=uow, cart_id=cart_id, product_id=product_id, quantity=form.quantity.data or 0
            )
        except DomainError as error:
            uow.rollback()
            form.quantity.errors = [*form.quantity.errors, shown(error)]
        else:
            forget_count()
            if form.quantity.data:
                flash(_("Quantité modifiée."), "success")
            else:
                flash(_("Produit retiré du panier."), "success")
            return redirect(url_for("shop.basket") + f"#ligne-{product_id}")
    # Show the basket again with the message next to the line and what was typed.
    errors = {product_id: [str(e) for e in form.quantity.errors]}
    typed = {product_id: form.quantity.raw_data[0] if form.quantity.raw_data else ""}
    return basket_page(errors=errors, typed=typed)


@bp.route("/panier/<int:product_id>/retirer", methods=["POST"])
def remove_line(product_id: int) -> Response:
    cart_id = current_cart_id(create=False)
    if cart_id is not None and ConfirmForm().validate_on_submit():
        set_quantity(uow=db.uow(), cart_id=cart_id, product_id=product_id, quantity=0)
        forget_count()
        flash(_("Produit retiré du panier."), "success")
    return redirect(url_for("shop.basket"))


@bp.route("/panier/prix-vus", methods=["POST"])
def acknowledge() -> Response:
    """The shopper has read the new prices: the basket stops flagging them."""
    cart_id = current_cart_id(create=False)
    if cart_id is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        acknowledge_prices(uow=db.uow(), cart_id=cart_id)
        flash(_("C'est noté : le panier affiche maintenant les nouveaux prix."), "success")
    return redirect(url_for("shop.basket"))
