"""Every main page issues the same number of SQL statements whatever the catalogue size.

The statements of one request are counted with SQLAlchemy's ``before_cursor_execute`` event,
once on a small territory and once after it grew (more shops, products, basket lines, orders,
pickup points and couriers). A page that loads something per row shown (an "N+1") issues more
statements the second time and fails here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from reference_app.api.auth import issue_token
from shop_core.accounts.model import Role, User
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Category, Product
from shop_core.database import Database
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrder, Order
from shop_core.territories.services import add_delivery_slot, add_pickup_point
from shop_core.testing.factories import make_merchant, make_product, make_user

from .backoffice import place_order
from .conftest import NOW, World, login
from .rounds_setup import add_fleet

PAGES: list[tuple[str, str]] = [
    ("anonymous", "/"),
    ("anonymous", "/recherche?q=pain"),
    ("anonymous", "/boutiques/{merchant_slug}"),
    ("anonymous", "/categories/{category_slug}"),
    ("anonymous", "/produits/{product_id}-{product_slug}"),
    ("shopper", "/"),
    ("shopper", "/panier"),
    ("shopper", "/commande"),
    ("shopper", "/mes-commandes"),
    ("shopper", "/mes-commandes/{order_reference}"),
    ("shopper", "/compte"),
    ("merchant", "/boutique"),
    ("merchant", "/boutique/produits"),
    ("merchant", "/boutique/commandes"),
    ("merchant", "/boutique/commandes/{merchant_order_id}"),
    ("merchant", "/boutique/statistiques"),
    ("operator", "/admin"),
    ("operator", "/admin/boutiques"),
    ("operator", "/admin/boutiques/{merchant_id}"),
    ("operator", "/admin/commandes/{order_reference}"),
    ("operator", "/admin/livreurs"),
    ("operator", "/admin/points-retrait"),
    ("operator", "/admin/communes"),
    ("operator", "/admin/tournees"),
    ("courier", "/livreur/"),
    ("api", "/api/v1/territory"),
    ("api", "/api/v1/products"),
    ("api", "/api/v1/products?q=pain"),
    ("api", "/api/v1/products/{product_id}"),
    ("api", "/api/v1/basket"),
    ("api", "/api/v1/orders"),
    ("api", "/api/v1/orders/{order_id}"),
]


class StatementCounter:
    """Counts the statements sent to the database while ``counting`` is on."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        self.counting = False
        self.statements: list[str] = []
        event.listen(app.extensions["cabas_db"].engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.counting:
            self.count += 1
            self.statements.append(statement.split("\n")[0][:160])


@dataclass
class Visitors:
    clients: dict[str, FlaskClient]
    token: str


@pytest.fixture
def visitors(app: Flask, world: World) -> Visitors:
    app.config["FIXED_NOW"] = NOW
    clients = {}
    for role, email in (
        ("anonymous", None),
        ("shopper", world.shopper_email),
        ("merchant", world.baker_email),
        ("operator", world.operator_email),
        ("courier", world.courier_email),
    ):
        clients[role] = app.test_client()
        if email:
            login(clients[role], email)
    with app.app_context():
        from reference_app import db

        token = issue_token(db.uow().session.get_one(User, world.shopper_id))
    return Visitors(clients, token)


def grow(db: Database, world: World, size: int) -> None:
    """Add ``size`` shops of ``size`` products, baker's products, orders, basket lines…"""
    with db.uow() as uow:
        for n in range(size):
            shop = make_merchant(uow, territory_id=world.territory_id)
            for k in range(size):
                make_product(
                    uow,
                    merchant_id=shop,
                    name=f"Pain de seigle {n}-{k}",
                    category_id=world.category_id,
                    stock=50,
                )
            make_product(
                uow, merchant_id=world.baker_id, name=f"Pain spécial {n}", category_id=None
            )
            make_product(
                uow, merchant_id=world.baker_id, name=f"Brioche {n}", category_id=world.category_id
            )
            add_pickup_point(
                uow=uow,
                territory_id=world.territory_id,
                name=f"Mairie {size}-{n}",
                kind="mairie",
                address="1 place de la Mairie",
                postal_code="62130",
                city="Saint-Pol-sur-Ternoise",
                insee_code="62767",
                lat=50.38,
                lon=2.33,
            )
            make_user(uow, territory_id=world.territory_id, role=Role.COURIER)
        baguette = make_product(
            uow, merchant_id=world.baker_id, name=f"Baguette {size}", stock=None
        )
        uow.commit()
        others = uow.session.scalars(
            select(Product.id)
            .join(Merchant)
            .where(Merchant.territory_id == world.territory_id)
            .order_by(Product.id.desc())
            .limit(size)
        ).all()
    # Orders with lines from several shops, the baker's among them.
    for n in range(size):
        items = {baguette: 1, world.apples_id: 1, others[n]: 1}
        place_order(db, world, items)
    with db.uow() as uow:
        cart = get_or_create_cart(
            uow=uow, territory_id=world.territory_id, user_id=world.shopper_id
        )
        for pid in (baguette, world.roast_id, world.apples_id, *others):
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=1)


def place_holders(db: Database, world: World) -> dict[str, object]:
    with db.uow() as uow:
        product = uow.session.get_one(Product, world.bread_id)
        order = uow.session.scalars(
            select(Order).where(Order.user_id == world.shopper_id).order_by(Order.id)
        ).first()
        assert order is not None
        mo_id = uow.session.scalar(
            select(MerchantOrder.id).where(
                MerchantOrder.order_id == order.id, MerchantOrder.merchant_id == world.baker_id
            )
        )
        return {
            "merchant_slug": uow.session.get_one(Merchant, world.baker_id).slug,
            "merchant_id": world.baker_id,
            "category_slug": uow.session.get_one(Category, world.category_id).slug,
            "product_id": product.id,
            "product_slug": product.slug,
            "order_reference": order.reference,
            "order_id": order.id,
            "merchant_order_id": mo_id,
        }


def measure(app: Flask, visitors: Visitors, values: dict[str, object]) -> dict[str, int]:
    counter = StatementCounter(app)
    counts: dict[str, int] = {}
    for role, template in PAGES:
        path = template.format(**values)
        client = visitors.clients["anonymous" if role == "api" else role]
        headers = {"Authorization": f"Bearer {visitors.token}"} if role == "api" else {}
        client.get(path, headers=headers)  # warm up (first-use caches, session refresh)
        counter.count, counter.statements, counter.counting = 0, [], True
        response = client.get(path, headers=headers)
        counter.counting = False
        assert response.status_code == 200, (role, path, response.status_code)
        counts[f"{role} {path}"] = counter.count
        counts[f"{role} {path} statements"] = counter.statements  # type: ignore[assignment]
    return counts


def queries_per_page(
    app: Flask, visitors: Visitors, pages: list[tuple[str, str]]
) -> dict[str, int]:
    """The statements each page issues, by path, once warmed up (signed-in roles only)."""
    counter = StatementCounter(app)
    counts: dict[str, int] = {}
    for role, path in pages:
        visitors.clients[role].get(path)
        counter.count, counter.counting = 0, True
        response = visitors.clients[role].get(path)
        counter.counting = False
        assert response.status_code == 200, (role, path)
        counts[f"{role} {path}"] = counter.count
    return counts


def test_every_main_page_issues_the_same_number_of_queries_whatever_the_catalogue_size(
    app: Flask, db: Database, world: World, visitors: Visitors
) -> None:
    grow(db, world, 2)
    values = place_holders(db, world)
    small = measure(app, visitors, values)
    grow(db, world, 12)
    large = measure(app, visitors, values)
    grown = {
        page: (small[page], large[page], large[f"{page} statements"])
        for page in small
        if not page.endswith("statements") and small[page] != large[page]
    }
    assert not grown, grown
    worst = max(v for k, v in small.items() if not k.endswith("statements"))
    assert worst <= 40, {k: v for k, v in small.items() if not k.endswith("statements")}


def test_round_pages_issue_the_same_number_of_queries_whatever_the_number_of_stops(
    app: Flask, db: Database, world: World, visitors: Visitors
) -> None:
    from .rounds_setup import TUESDAY, add_fleet, configure, make_ready, plan, stops

    day = f"?date={TUESDAY.isoformat()}"
    configure(app)
    add_fleet(db, world)
    pages = [
        ("courier", f"/livreur/{day}"),
        ("operator", f"/admin/tournees{day}"),
        ("merchant", "/boutique/commandes"),
    ]

    def orders_then_measure(count: int) -> dict[str, int]:
        for _ in range(count):
            make_ready(db, place_order(db, world, {world.bread_id: 1, world.apples_id: 1}))
        plan(db, world)
        return {"stops": len(stops(db, world)), **queries_per_page(app, visitors, pages)}

    small = orders_then_measure(1)
    large = orders_then_measure(6)
    assert 0 < small.pop("stops") < large.pop("stops")
    assert small == large


def test_the_slot_pages_issue_the_same_number_of_queries_whatever_the_slots_and_rounds(
    app: Flask, db: Database, world: World, visitors: Visitors
) -> None:
    """Each slot of the list says which rounds cover it: the rounds are loaded once."""
    pages = [("operator", "/admin/creneaux"), ("operator", "/admin/creneaux/matin")]

    add_fleet(db, world)
    small = queries_per_page(app, visitors, pages)
    with db.uow() as uow:
        for hour in (18, 20, 22):
            add_delivery_slot(
                uow=uow,
                territory_id=world.territory_id,
                code=f"h{hour}",
                label=f"{hour} h",
                starts=dt.time(hour),
                ends=dt.time(hour + 1),
            )
    large = queries_per_page(app, visitors, pages)
    page = visitors.clients["operator"].get("/admin/creneaux").get_data(as_text=True)
    # 18 h – 19 h is covered by the Frévent round, 20 h and 22 h by none.
    assert page.count("Proposé aux clients") == 3 and page.count("Pas proposé aux clients") == 2
    assert small == large
