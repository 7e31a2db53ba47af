"""Two territories served by host name and nine actors, for the authorisation matrix.

Territory X ("Ternois", ``ternois.test``) is the ``world`` fixture plus a planned round;
territory Y ("Montreuillois", ``montreuil.test``) has its own operator, shop and product.
Every id in ``Ids`` belongs to the "A" side of territory X: shopper A's order, merchant A's
product and order, courier A's run and stop, operator X's round, depot and pickup point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from delivery.model import Depot, RoundRun, Stop, StopKind
from reference_app.api.auth import issue_token
from reference_app.security import hash_password
from shop_core.accounts.model import User
from shop_core.accounts.staff import create_point_staff
from shop_core.catalogue.model import Category, Product, ProductPhoto
from shop_core.database import Database
from shop_core.merchants.model import Closure, Merchant
from shop_core.orders.model import MerchantOrder, Order
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_merchant, make_product

from .backoffice import place_order, png_bytes
from .conftest import PASSWORD, World
from .rounds_setup import OTHER_COURIER_EMAIL, add_fleet, configure, make_ready, on_the_day, plan

HOST_X = "ternois.test"
HOST_Y = "montreuil.test"

ACTORS = (
    "anonymous",
    "shopper_a",
    "shopper_b",
    "merchant_a",
    "merchant_b",
    "courier_a",
    "courier_b",
    "operator_x",
    "operator_y",
    "point_a",
)
#: The staff of territory X's pickup point (the tenth column of the matrix).
POINT_STAFF_EMAIL = "mairie@example.fr"


@dataclass
class Ids:
    """What the URLs of the matrix point at (see the module docstring)."""

    territory_x: int
    territory_y: int
    merchant_a: int
    merchant_a_slug: str
    merchant_b: int
    product_a: int
    product_a_slug: str
    product_b: int
    product_y: int
    product_y_slug: str
    merchant_y: int
    category_slug: str
    order_a: int
    order_a_reference: str
    merchant_order_a: int
    address_a: int
    run_a: int
    stop_a: int
    round_a: int
    depot_a: int
    pickup_point_a: int
    courier_a: int
    shopper_a: int
    media_key: str
    photo_a: int
    closure_a: int


def build(app: Flask, db: Database, world: World) -> Ids:
    """Plan a round for shopper A's order and serve each territory at its own host."""
    configure(app)
    fleet = add_fleet(db, world)
    order_id = place_order(db, world, {world.bread_id: 1})
    make_ready(db, order_id)
    plan(db, world)
    on_the_day(app)  # the round's day: courier A's stops can be recorded
    media = Path(app.config["UPLOAD_FOLDER"]) / "products" / "pain.png"
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(png_bytes(40, 30))
    with db.uow() as uow:
        session = uow.session
        territory_x = session.get_one(Territory, world.territory_id)
        territory_y = session.get_one(Territory, world.other_territory_id)
        app.config["TERRITORY_HOSTS"] = {HOST_X: territory_x.slug, HOST_Y: territory_y.slug}
        merchant_y = make_merchant(uow, territory_id=territory_y.id, name="Marée de Berck")
        product_y = make_product(uow, merchant_id=merchant_y, name="Moules de bouchot")
        product_a = session.get_one(Product, world.bread_id)
        order = session.get_one(Order, order_id)
        merchant_order = session.scalars(
            select(MerchantOrder).where(MerchantOrder.order_id == order_id)
        ).one()
        run = session.scalars(select(RoundRun).where(RoundRun.courier_id == world.courier_id))
        run_a = run.first()
        assert run_a is not None, "the round of courier A was not planned"
        stop = session.scalars(
            select(Stop).where(Stop.run_id == run_a.id, Stop.kind == StopKind.DELIVER)
        ).first()
        assert stop is not None
        depot = session.scalars(select(Depot)).first()
        assert depot is not None
        shopper = session.get_one(User, world.shopper_id)
        create_point_staff(
            uow=uow, territory_id=world.territory_id, pickup_point_id=world.pickup_point_id,
            email=POINT_STAFF_EMAIL, full_name="Sylvie Mairie",
            password_hash=hash_password(PASSWORD),
        )  # fmt: skip
        photo_a = ProductPhoto(key="products/pain-2.png", alt="Pain", position=0)
        product_a.photos.append(photo_a)
        closure_a = Closure(starts=dt.date(2027, 6, 1), ends=dt.date(2027, 6, 2))
        session.get_one(Merchant, world.baker_id).closures.append(closure_a)
        uow.commit()
        return Ids(
            territory_x=territory_x.id,
            territory_y=territory_y.id,
            merchant_a=world.baker_id,
            merchant_a_slug=session.get_one(Merchant, world.baker_id).slug,
            merchant_b=world.farmer_id,
            product_a=world.bread_id,
            product_a_slug=product_a.slug,
            product_b=world.roast_id,
            product_y=product_y,
            product_y_slug=session.get_one(Product, product_y).slug,
            merchant_y=merchant_y,
            category_slug=session.get_one(Category, world.category_id).slug,
            order_a=order_id,
            order_a_reference=order.reference,
            merchant_order_a=merchant_order.id,
            address_a=shopper.addresses[0].id,
            run_a=run_a.id,
            stop_a=stop.id,
            round_a=fleet.saint_pol,
            depot_a=depot.id,
            pickup_point_a=world.pickup_point_id,
            courier_a=world.courier_id,
            shopper_a=world.shopper_id,
            media_key="products/pain.png",
            photo_a=photo_a.id,
            closure_a=closure_a.id,
        )


def emails(world: World) -> dict[str, str | None]:
    return {
        "anonymous": None,
        "shopper_a": world.shopper_email,
        "shopper_b": world.shopper2_email,
        "merchant_a": world.baker_email,
        "merchant_b": world.farmer_email,
        "courier_a": world.courier_email,
        "courier_b": OTHER_COURIER_EMAIL,
        "operator_x": world.operator_email,
        "operator_y": world.other_operator_email,
        "point_a": POINT_STAFF_EMAIL,
    }


@dataclass
class Session:
    """One actor: a test client on their territory's host, logged in through the form, and
    an API token. The session cookie is put back before each request, so that what a request
    does to the session (acting for a shop, the basket) does not leak into the next one."""

    actor: str
    client: FlaskClient
    host: str
    cookie: str | None
    token: str | None

    def open(self, method: str, url: str, data: dict[str, object] | None = None) -> TestResponse:
        """Send ``data`` as a form, or as JSON with the actor's bearer token under /api/."""
        self.client.delete_cookie("session", domain=self.host)
        if self.cookie is not None:
            self.client.set_cookie("session", self.cookie, domain=self.host)
        api = url.startswith("/api/")
        headers = {"Authorization": f"Bearer {self.token}"} if api and self.token else {}
        options: dict[str, object] = {}
        if method != "GET":
            options = {"json": data or {}} if api else {"data": data or {}}
        return self.client.open(
            url, method=method, base_url=f"http://{self.host}", headers=headers, **options
        )


def log_in(app: Flask, world: World, actor: str) -> Session:
    """A fresh client for ``actor``, logged in through the form on their territory's host."""
    email = emails(world)[actor]
    host = HOST_Y if actor == "operator_y" else HOST_X
    client = app.test_client()
    if email is None:
        return Session(actor, client, host, None, None)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD}, base_url=f"http://{host}"
    )
    assert response.status_code == 302, (actor, response.get_data(as_text=True)[:500])
    stored = client.get_cookie("session", domain=host)
    assert stored is not None
    with app.extensions["cabas_db"].uow() as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        with app.test_request_context(base_url=f"http://{host}"):
            token = issue_token(user)
    return Session(actor, client, host, stored.value, token)


def sessions(app: Flask, world: World) -> dict[str, Session]:
    return {actor: log_in(app, world, actor) for actor in ACTORS}
