"""JSON API routes (``/api/v1``): parse the request, call one core service, answer JSON.

Authentication is by bearer token (:mod:`reference_app.api.auth`), not by cookie, so the
blueprint is exempt from CSRF. Every route is described in :mod:`reference_app.api.openapi`.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from reference_app import db
from reference_app.api import auth, errors, openapi, queries
from reference_app.api import representations as rep
from reference_app.api.delivery import check_round_day, delivery_choice
from reference_app.api.errors import ApiError, invalid, respond
from reference_app.api.parsing import (
    Fields,
    check_id,
    json_body,
    query_int,
    query_text,
)
from reference_app.extensions import checkout_limit, csrf, limiter
from reference_app.rounds.locating import locate_soon
from reference_app.rounds.settings import now
from reference_app.security import (
    DUMMY_HASH,
    GUESSABLE_MESSAGE,
    MIN_PASSWORD_LENGTH,
    guessable,
    hash_password,
    verify_password,
)
from reference_app.throttling import forget_failures, login_failed, throttle_login
from shop_core.accounts.model import Role, User
from shop_core.accounts.services import find_by_email, register_user
from shop_core.audit.services import Actor
from shop_core.carts.model import Cart
from shop_core.carts.replace import replace_items
from shop_core.carts.services import (
    MAX_QUANTITY,
    add_item,
    get_or_create_cart,
    set_quantity,
    view_cart,
)
from shop_core.catalogue.browse import products_on_sale
from shop_core.catalogue.model import Unit
from shop_core.catalogue.search import search_products
from shop_core.catalogue.services import MAX_PRICE_CENTS, MAX_STOCK, ProductInput, create_product
from shop_core.errors import EmptyBasket
from shop_core.orders.history import order_for_request, orders_of_customer
from shop_core.orders.model import DeliveryMethod, PaymentMethod
from shop_core.orders.services import Customer, checkout, earliest_date
from shop_core.vat import VatRate

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
errors.init(bp)

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _paging() -> tuple[int, int]:
    number = query_int("page", default=1, minimum=1, maximum=MAX_PAGE)
    per_page = query_int("per_page", default=PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return number, per_page


# --- public ---------------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document() -> Response:
    return respond(openapi.document())


@bp.get("/territory")
def territory() -> Response:
    current = db.territory()
    return respond(rep.territory(current, earliest_date(current, now())))


# --- accounts and tokens --------------------------------------------------------------------


@bp.post("/token")
@throttle_login
def create_token() -> Response:
    fields = json_body()
    email = fields.text("email", max_length=254)
    password = fields.text("password", max_length=200)
    fields.done()
    user = find_by_email(db.uow(), territory_id=db.territory().id, email=email)
    if user is None:
        verify_password(DUMMY_HASH, password)  # same time whether the account exists or not
    elif user.active and verify_password(user.password_hash, password):
        forget_failures(user.email)
        return respond(rep.token(auth.issue_token(user), user, auth.max_age()))
    login_failed()
    raise ApiError(401, "invalid_credentials", "Adresse e-mail ou mot de passe incorrect.")


@bp.delete("/token")
def revoke_tokens() -> Response:
    """Log out everywhere: every token and web session of the account stops working."""
    user = auth.current_user()
    user.session_version += 1
    db.uow().commit()
    return Response(status=204)


@bp.post("/accounts")
@limiter.limit("5 per minute;30 per hour")
def create_account() -> Response:
    fields = json_body()
    email = fields.text("email", max_length=254)
    full_name = fields.text("full_name", max_length=120)
    password = fields.text("password", max_length=200)
    phone = fields.text("phone", max_length=30, required=False)
    fields.done()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise invalid(
            "password",
            f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères.",
        )
    if guessable(password, full_name, email):
        raise invalid("password", GUESSABLE_MESSAGE)
    uow = db.uow()
    uid = register_user(
        uow=uow,
        territory_id=db.territory().id,
        email=email,
        full_name=full_name,
        phone=phone,
        password_hash=hash_password(password),
    )
    user = uow.session.get_one(User, uid)
    return respond(rep.token(auth.issue_token(user), user, auth.max_age()), 201)


@bp.get("/me")
def me() -> Response:
    return respond(rep.user(auth.current_user()))


# --- catalogue ------------------------------------------------------------------------------


@bp.get("/products")
def list_products() -> Response:
    text = query_text("q", max_length=200).strip()
    number, per_page = _paging()
    session, territory_id = db.uow().session, db.territory().id
    offset = (number - 1) * per_page
    if text:
        found = search_products(
            session, territory_id=territory_id, query=text, limit=per_page, offset=offset
        )
        products, total, more = found.products, found.total, found.more
    else:
        page = products_on_sale(session, territory_id=territory_id, limit=per_page, offset=offset)
        products, total, more = page.products, page.total, False
    products = queries.with_display(session, products)
    body = rep.page(
        [rep.product(p) for p in products],
        key="products",
        total=total,
        number=number,
        per_page=per_page,
    )
    body["query"] = text or None
    body["more"] = more
    return respond(body)


@bp.get("/products/<any_int:product_id>")
def get_product(product_id: int) -> Response:
    check_id(product_id, what="Produit")
    user = auth.optional_user()
    product = queries.visible_product(
        db.uow().session,
        territory_id=db.territory().id,
        product_id=product_id,
        user_id=user.id if user else None,
    )
    if product is None:
        raise ApiError(404, "not_found", "Produit introuvable.")
    return respond(rep.product(product))


_UNITS = {u.value: u for u in Unit}


def _vat_rate(fields: Fields) -> VatRate:
    value = fields.raw("vat_rate")
    if value is None:
        raise invalid("vat_rate", "« vat_rate » est obligatoire.")
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(value)
        return VatRate.from_percent(str(value)[:10])
    except ValueError:
        raise invalid("vat_rate", "« vat_rate » : taux de TVA de 20, 10, 5.5 ou 2.1 %.") from None


@bp.post("/merchant/products")
def create_merchant_product() -> Response:
    user = auth.current_user()
    if user.role is not Role.MERCHANT:
        raise ApiError(403, "forbidden", "Réservé aux comptes commerçants.")
    fields = json_body()
    merchant_id = fields.identifier("merchant_id", required=False)
    name = fields.text("name", max_length=140)
    description = fields.text("description", max_length=5000, required=False)
    price = fields.required_integer("price_cents", minimum=1, maximum=MAX_PRICE_CENTS)
    rate = _vat_rate(fields)
    unit = fields.choice("unit", _UNITS, default=Unit.PIECE)
    if not fields.has("stock_quantity"):
        raise invalid("stock_quantity", "« stock_quantity » est obligatoire (null : non suivi).")
    stock = fields.integer("stock_quantity", minimum=0, maximum=MAX_STOCK, required=False)
    weight = fields.integer("estimated_weight_g", minimum=1, maximum=100_000, required=False)
    tolerance = fields.integer(
        "weight_tolerance_pct", minimum=0, maximum=50, required=False, default=15
    )
    category_id = fields.identifier("category_id", required=False)
    perishable = fields.boolean("perishable", default=False)
    active = fields.boolean("active", default=True)
    fields.done()
    merchant = auth.merchant_of(user, merchant_id)
    uow = db.uow()
    product_id = create_product(
        uow=uow,
        merchant_id=merchant.id,
        actor=Actor(user_id=user.id, merchant_id=merchant.id),
        data=ProductInput(
            name=name,
            description=description,
            price_cents=price,
            vat_rate=rate,
            unit=unit,
            estimated_weight_g=weight,
            weight_tolerance_pct=tolerance if tolerance is not None else 15,
            track_stock=stock is not None,
            stock_quantity=stock or 0,
            category_id=category_id,
            no_withdrawal=perishable,
            active=active,
        ),
    )
    product = queries.visible_product(
        uow.session, territory_id=merchant.territory_id, product_id=product_id, user_id=user.id
    )
    assert product is not None
    location = url_for(".get_product", product_id=product_id)
    return respond(rep.product(product), 201, headers={"Location": location})


# --- basket ---------------------------------------------------------------------------------


def _cart_id(user: User, *, create: bool) -> int | None:
    uow = db.uow()
    if create:
        return get_or_create_cart(uow=uow, territory_id=user.territory_id, user_id=user.id)
    return uow.session.scalar(select(Cart.id).where(Cart.user_id == user.id))


def _basket(cart_id: int | None) -> Response:
    if cart_id is None:
        return respond(rep.empty_basket())
    view = view_cart(db.uow(), cart_id)
    # Categories too, in one query, for the product representation of each line.
    queries.with_display(db.uow().session, [ln.product for g in view.groups for ln in g.lines])
    return respond(rep.basket(view))


@bp.get("/basket")
def get_basket() -> Response:
    return _basket(_cart_id(auth.current_user(), create=False))


@bp.post("/basket")
def replace_basket() -> Response:
    """Replace the whole basket (an app syncing what it kept offline)."""
    user = auth.current_user()
    fields = json_body()
    items: dict[int, int] = {}
    for n, raw in enumerate(fields.array("items", max_items=200)):
        if not isinstance(raw, dict):
            raise invalid(f"items[{n}]", f"« items[{n}] » : objet JSON attendu.")
        item = Fields(raw, prefix=f"items[{n}].")
        product_id = item.identifier("product_id")
        assert product_id is not None
        quantity = item.required_integer("quantity", minimum=1, maximum=MAX_QUANTITY)
        item.done()
        if product_id in items:
            raise invalid(item.name("product_id"), "Ce produit figure deux fois dans la liste.")
        items[product_id] = quantity
    fields.done()
    cart_id = _cart_id(user, create=True)
    assert cart_id is not None
    replace_items(uow=db.uow(), cart_id=cart_id, items=items)
    return _basket(cart_id)


@bp.post("/basket/items")
def add_basket_item() -> Response:
    user = auth.current_user()
    fields = json_body()
    product_id = fields.identifier("product_id")
    assert product_id is not None
    quantity = fields.integer("quantity", minimum=1, maximum=MAX_QUANTITY, required=False)
    fields.done()
    cart_id = _cart_id(user, create=True)
    assert cart_id is not None
    add_item(uow=db.uow(), cart_id=cart_id, product_id=product_id, quantity=quantity or 1)
    return _basket(cart_id)


@bp.put("/basket/items/<any_int:product_id>")
def set_basket_item(product_id: int) -> Response:
    user = auth.current_user()
    check_id(product_id, what="Produit")
    fields = json_body()
    quantity = fields.required_integer("quantity", minimum=0, maximum=MAX_QUANTITY)
    fields.done()
    cart_id = _cart_id(user, create=True)
    assert cart_id is not None
    set_quantity(uow=db.uow(), cart_id=cart_id, product_id=product_id, quantity=quantity)
    return _basket(cart_id)


@bp.delete("/basket/items/<any_int:product_id>")
def remove_basket_item(product_id: int) -> Response:
    user = auth.current_user()
    check_id(product_id, what="Produit")
    cart_id = _cart_id(user, create=False)
    if cart_id is not None:
        set_quantity(uow=db.uow(), cart_id=cart_id, product_id=product_id, quantity=0)
    return _basket(cart_id)


# --- checkout and orders --------------------------------------------------------------------


def _idempotency_key(user: User) -> str | None:
    """The client's ``Idempotency-Key``, namespaced by account (keys are unique overall)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise invalid(
            "Idempotency-Key",
            "« Idempotency-Key » : 1 à 64 caractères parmi lettres, chiffres et . _ : -",
        )
    return f"api:{user.id}:{raw}"


def _order_response(order_id: int, status: int) -> Response:
    current = db.territory()
    order = queries.own_order(
        db.uow().session,
        territory_id=current.id,
        user_id=auth.current_user().id,
        order_id=order_id,
    )
    if order is None:
        raise ApiError(404, "not_found", "Commande introuvable.")
    location = url_for(".get_order", order_id=order_id)
    return respond(rep.order(order, current), status, headers={"Location": location})


@bp.post("/checkout")
@limiter.limit(checkout_limit)
def checkout_basket() -> Response:
    """Order the basket; the same ``Idempotency-Key`` returns the same order (200)."""
    user = auth.current_user()
    current = db.territory()
    key = _idempotency_key(user)
    if key is not None:
        done = order_for_request(db.uow().session, user_id=user.id, idempotency_key=key)
        if done is not None:
            return _order_response(done.id, 200)
    fields = json_body()
    delivery = fields.object("delivery")
    assert delivery is not None
    choice = delivery_choice(delivery, user=user, territory=current)
    payment = fields.choice(
        "payment_method", {"offline": PaymentMethod.OFFLINE}, default=PaymentMethod.OFFLINE
    )
    expected = fields.integer("expected_total_cents", minimum=0, maximum=10**9, required=False)
    fields.done()
    cart_id = _cart_id(user, create=False)
    if cart_id is None:
        raise EmptyBasket()
    check_round_day(choice, current, now())
    order_id = checkout(
        uow=db.uow(),
        cart_id=cart_id,
        customer=Customer(name=user.full_name, email=user.email, phone=user.phone, user_id=user.id),
        delivery=choice,
        payment_method=payment,
        idempotency_key=key,
        expected_total_cents=expected,
        now=now(),
    )
    if choice.method is DeliveryMethod.HOME:
        locate_soon(order_id)  # the door, looked up in the background
    return _order_response(order_id, 201)


@bp.get("/orders")
def list_orders() -> Response:
    user = auth.current_user()
    number, per_page = _paging()
    found = orders_of_customer(
        db.uow().session,
        territory_id=db.territory().id,
        user_id=user.id,
        limit=per_page,
        offset=(number - 1) * per_page,
    )
    orders, total = found.orders, found.total
    return respond(
        rep.page(
            [rep.order_summary(o) for o in orders],
            key="orders",
            total=total,
            number=number,
            per_page=per_page,
        )
    )


@bp.get("/orders/<any_int:order_id>")
def get_order(order_id: int) -> Response:
    auth.current_user()
    check_id(order_id, what="Commande")
    return _order_response(order_id, 200)


# --- anything else under /api/v1 -------------------------------------------------------------

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Caught too, so that a TRACE on a known address gets the JSON 405 with its own methods.
_CAUGHT = (*_METHODS, "TRACE")


def _allowed_methods(path: str) -> list[str]:
    """The methods a real route (not the catch-all below) serves at ``path``."""
    adapter = current_app.create_url_adapter(request)
    allowed = []
    for method in _METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)  # type: ignore[union-attr]
        except HTTPException:
            continue
        if endpoint != "api.unknown_route":
            allowed.append(method)
    return allowed


@bp.before_request
def _options() -> Response | None:
    """OPTIONS lists the methods of the address only (Flask's would add the catch-all's)."""
    if request.method != "OPTIONS":
        return None
    allowed = _allowed_methods(request.path)
    if not allowed:
        raise ApiError(404, "not_found", "Adresse inconnue de l'API : voir /api/v1/openapi.json.")
    if "GET" in allowed:
        allowed.append("HEAD")
    return Response(status=200, headers={"Allow": ", ".join([*allowed, "OPTIONS"])})


@bp.route("/", defaults={"unknown": ""}, methods=list(_CAUGHT))
@bp.route("/<path:unknown>", methods=list(_CAUGHT))
def unknown_route(unknown: str) -> Response:
    """JSON 404 or 405 for what no route serves, instead of the site's HTML page."""
    allowed = _allowed_methods(request.path)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise ApiError(404, "not_found", "Adresse inconnue de l'API : voir /api/v1/openapi.json.")
