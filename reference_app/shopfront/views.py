"""Shopfront views (thin: parse, call one service or query, render).

This module holds the catalogue pages; the basket, checkout, orders and account pages live
in their own modules, imported here so that ``bp`` carries every route of the shop.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Row, select
from werkzeug.wrappers import Response

from reference_app import db, payments
from reference_app.domain_messages import shown
from reference_app.formatting import trade_label
from reference_app.input_guard import form_id
from reference_app.local_paths import local_path
from reference_app.shopfront import account, basket_views, checkout, orders  # noqa: F401
from reference_app.shopfront.back_to_card import (
    card_messages,
    flash_for_card,
    page_messages,
    to_card,
)
from reference_app.shopfront.basket import current_cart_id, forget_count
from reference_app.shopfront.blueprint import (
    PER_PAGE,
    bp,
    page_count,
    page_number,
    past_the_last,
)
from reference_app.shopfront.display import helpers, point_visit
from reference_app.shopfront.forms import AddToBasketForm
from shop_core.carts.model import CartItem
from shop_core.carts.services import add_item
from shop_core.catalogue.browse import (
    active_merchants,
    categories_in_use,
    category_by_slug,
    count_active_merchants,
    latest_products,
    load_for_display,
    merchant_by_slug,
    products_on_sale,
    shop_product,
)
from shop_core.catalogue.model import Product
from shop_core.catalogue.search import search_products, terms
from shop_core.errors import DomainError
from shop_core.merchants.model import Merchant, MerchantStatus

__all__ = ["bp"]

MAX_QUERY = 100
# Shops shown on the home page; the others are one link away (a territory may have hundreds).
HOME_MERCHANTS = 12


@bp.context_processor
def _shop_helpers() -> dict[str, Any]:
    return helpers()


# The shop's layout shows them, and pages of other blueprints use that layout.
bp.add_app_template_global(card_messages)
bp.add_app_template_global(page_messages)
# The order's summary and the e-mails (rendered outside the shop's blueprint) say it.
bp.add_app_template_global(point_visit)


@bp.route("/")
def home() -> str:
    territory = db.territory()
    session = db.uow().session
    return render_template(
        "shop/home.html",
        territory=territory,
        merchants=active_merchants(
            session, territory_id=territory.id, with_hours=False, limit=HOME_MERCHANTS
        ),
        merchant_total=count_active_merchants(session, territory_id=territory.id),
        categories=categories_in_use(session, territory_id=territory.id),
        products=latest_products(session, territory_id=territory.id, limit=8),
        online_payment=payments.online_enabled(),
    )


@bp.route("/boutiques")
def merchants() -> str:
    territory = db.territory()
    session = db.uow().session
    page = page_number()
    total = count_active_merchants(session, territory_id=territory.id)
    return render_template(
        "shop/merchants.html",
        merchants=active_merchants(
            session,
            territory_id=territory.id,
            with_hours=False,
            limit=PER_PAGE,
            offset=(page - 1) * PER_PAGE,
        ),
        total=total,
        page=page,
        page_count=page_count(total),
    )


@bp.route("/boutiques/<slug>")
def merchant(slug: str) -> str | Response:
    territory = db.territory()
    session = db.uow().session
    found = merchant_by_slug(session, territory_id=territory.id, slug=slug)
    if found is None:
        abort(404)
    page = page_number()
    listing = products_on_sale(
        session,
        territory_id=territory.id,
        merchant_id=found.id,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    if (last := past_the_last(page, len(listing.products), listing.total)) is not None:
        return last
    return render_template(
        "shop/merchant.html",
        merchant=found,
        listing=listing,
        page=page,
        page_count=page_count(listing.total),
    )


@bp.route("/categories/<slug>")
def category(slug: str) -> str | Response:
    territory = db.territory()
    session = db.uow().session
    found = category_by_slug(session, territory_id=territory.id, slug=slug)
    if found is None:
        abort(404)
    page = page_number()
    listing = products_on_sale(
        session,
        territory_id=territory.id,
        category_id=found.id,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    if (last := past_the_last(page, len(listing.products), listing.total)) is not None:
        return last
    return render_template(
        "shop/category.html",
        category=found,
        listing=listing,
        page=page,
        page_count=page_count(listing.total),
        categories=categories_in_use(session, territory_id=territory.id, count=False),
    )


@bp.route("/produits/<int:product_id>-<slug>", methods=["GET", "POST"])
def product(product_id: int, slug: str) -> str | Response:
    found = shop_product(db.uow().session, territory_id=db.territory().id, product_id=product_id)
    if found is None:
        abort(404)
    if slug != found.slug and request.method == "GET":
        return redirect(url_for("shop.product", product_id=found.id, slug=found.slug), 301)
    form = AddToBasketForm()
    if form.validate_on_submit():
        quantity = form.quantity.data or 1
        if _add(found, quantity, form):
            flash(_added(found, quantity), "success")
            return redirect(url_for("shop.product", product_id=found.id, slug=found.slug))
    return render_template(
        "shop/product.html", product=found, form=form, in_basket=_quantity_in_basket(found)
    )


@bp.route("/panier/ajouter", methods=["POST"])
def quick_add() -> Response:
    """The "Ajouter" button of product cards: one piece, then back to the list, at that
    product's card, which says what happened."""
    back = local_path(request.form.get("next")) or url_for("shop.home")
    form = AddToBasketForm()
    product_id = form_id(request.form.get("product_id"))
    if product_id is None:
        abort(400)
    found = shop_product(db.uow().session, territory_id=db.territory().id, product_id=product_id)
    if found is None:
        abort(404)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash_for_card(str(message), "error", found.id)
    elif _add(found, form.quantity.data or 1, form):
        flash_for_card(_added(found, form.quantity.data or 1), "success", found.id)
    else:
        for message in form.quantity.errors:  # no field on the list to show it by
            flash_for_card(str(message), "error", found.id)
    return redirect(to_card(back, found.id))


def _add(product: Product, quantity: int, form: AddToBasketForm) -> bool:
    """Put ``quantity`` of ``product`` in the basket; a refusal becomes a French message by
    the quantity field."""
    uow = db.uow()
    try:
        add_item(uow=uow, cart_id=current_cart_id() or 0, product_id=product.id, quantity=quantity)
    except DomainError as error:
        uow.rollback()
        form.quantity.errors = [*form.quantity.errors, shown(error)]
        return False
    forget_count()
    return True


def _added(product: Product, quantity: int) -> str:
    return _("Ajouté au panier : %(n)s × %(name)s.", n=quantity, name=product.name)


def _quantity_in_basket(product: Product) -> int:
    cart_id = current_cart_id(create=False)
    if cart_id is None:
        return 0
    quantity = db.uow().session.scalar(
        select(CartItem.quantity).where(
            CartItem.cart_id == cart_id, CartItem.product_id == product.id
        )
    )
    return int(quantity or 0)


@bp.route("/recherche")
def search() -> str | Response:
    territory = db.territory()
    session = db.uow().session
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    page = page_number()
    results = search_products(
        session,
        territory_id=territory.id,
        query=query,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
    )
    if (last := past_the_last(page, len(results.products), results.total, q=query)) is not None:
        return last
    load_for_display(session, results.products)
    # Shops are matched on their name, trade and town from plain rows (a thousand shops
    # loaded as objects on every search cost more than the product search); only the shops
    # shown are loaded, without opening hours (the cards do not show them).
    shops = session.execute(
        select(Merchant.id, Merchant.trade_name, Merchant.trade, Merchant.city)
        .where(Merchant.territory_id == territory.id, Merchant.status == MerchantStatus.ACTIVE)
        .order_by(Merchant.trade_name, Merchant.id)
    ).all()
    matching_ids = _merchants_matching(shops, query) if page == 1 else []
    # Without results the page suggests a few shops, and a link to all of them.
    suggested_ids = [] if results.products else [row.id for row in shops[:HOME_MERCHANTS]]
    loaded = {
        m.id: m
        for m in session.scalars(
            select(Merchant).where(Merchant.id.in_([*matching_ids, *suggested_ids]))
        )
    }
    return render_template(
        "shop/search.html",
        query=query,
        results=results,
        page=page,
        page_count=page_count(results.total),
        merchants=[loaded[i] for i in suggested_ids],
        merchant_total=len(shops),
        matching_merchants=[loaded[i] for i in matching_ids],
        # The categories are listed only when no product matched.
        categories=[]
        if results.products
        else categories_in_use(session, territory_id=territory.id, count=False),
    )


def _merchants_matching(shops: Sequence[Row[Any]], query: str) -> list[int]:
    """Ids of the shops (rows of id, trade name, trade and town) whose name, trade or town
    contains every word of the query (accents ignored)."""
    wanted = terms(query)
    if not wanted:
        return []
    labels = {trade: trade_label(trade) for trade in {row.trade for row in shops}}
    found = []
    for row in shops:
        haystack = _search_terms(f"{row.trade_name} {labels[row.trade]} {row.city}")
        if all(any(word.startswith(w) for word in haystack) for w in wanted):
            found.append(row.id)
    return found


@lru_cache(maxsize=20_000)
def _search_terms(text: str) -> frozenset[str]:
    # A shop's name, trade and town rarely change: stem them once per worker, not per search
    # (with a thousand shops that was half the time of a search page).
    return frozenset(terms(text))


@bp.route("/theme.css")
def theme() -> Response:
    """The territory's colours as CSS variables (a file, so the CSP needs no inline style)."""
    territory = db.territory()
    css = render_template("shop/theme.css", territory=territory)
    response = make_response(css)
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/media/<path:key>")
def media(key: str) -> Response:
    """Uploaded images (re-encoded at upload, so served as images only, never as HTML)."""
    from reference_app.storage import storage

    if not key.endswith((".webp", ".jpg", ".png")):
        abort(404)
    data = storage().load(key)
    if data is None:
        abort(404)
    response = make_response(data)
    response.mimetype = {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}[
        key.rsplit(".", 1)[1]
    ]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
