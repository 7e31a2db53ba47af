"""The visitor's basket: by account when logged in, by a session token otherwise."""

from __future__ import annotations

import secrets

from flask import flash, g, session
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from reference_app import db
from reference_app.auth.users import shopper
from shop_core.accounts.model import User
from shop_core.carts.model import Cart, CartItem
from shop_core.carts.services import get_or_create_cart, merge_carts


def current_cart_id(create: bool = True) -> int | None:
    """The id of the visitor's basket (created on demand)."""
    uow, territory = db.uow(), db.territory()
    if current_user.is_authenticated:
        # While the operator orders for a shopper, the basket is the shopper's own.
        user_id = shopper().id
        if not create:
            return uow.session.scalar(select(Cart.id).where(Cart.user_id == user_id))
        return get_or_create_cart(uow=uow, territory_id=territory.id, user_id=user_id)
    token = session.get("basket_token")
    if token is None:
        if not create:
            return None
        token = session["basket_token"] = secrets.token_urlsafe(24)
    if not create:
        return uow.session.scalar(select(Cart.id).where(Cart.token == token))
    return get_or_create_cart(uow=uow, territory_id=territory.id, token=token)


def adopt_anonymous_basket(user: User) -> int:
    """At login, move what the visitor put in the basket into the account's basket.

    Products the account's basket kept from an earlier visit stay in it: the shopper is
    told, and their number returned (0: none), so that they are not ordered by surprise.
    """
    token = session.pop("basket_token", None)
    if not token:
        return 0
    uow = db.uow()
    anon = uow.session.scalar(select(Cart.id).where(Cart.token == token))
    if anon is None:
        return 0
    mine = get_or_create_cart(uow=uow, territory_id=user.territory_id, user_id=user.id)
    earlier = merge_carts(uow=uow, from_cart_id=anon, into_cart_id=mine)
    if earlier:
        flash(
            ngettext(
                "Votre panier contient aussi %(num)s produit choisi lors d'une visite "
                "précédente : vérifiez-le avant de commander.",
                "Votre panier contient aussi %(num)s produits choisis lors d'une visite "
                "précédente : vérifiez-le avant de commander.",
                earlier,
            ),
            "warning",
        )
    return earlier


def basket_count() -> int:
    """Number of items in the visitor's basket (0 without creating one).

    The layout asks several times per page: the answer is kept for the request, and
    :func:`forget_count` drops it after the basket changed.
    """
    if "cabas_basket_count" not in g:
        g.cabas_basket_count = _count()
    count: int = g.cabas_basket_count
    return count


def forget_count() -> None:
    g.pop("cabas_basket_count", None)


def _count() -> int:
    cart_id = current_cart_id(create=False)
    if cart_id is None:
        return 0
    total = db.uow().session.scalar(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.cart_id == cart_id)
    )
    return int(total or 0)
